"""Rules as data: categories of recurring work, platform packages, ignore rules.

Loading
    Rule files are the ``*.yaml``/``*.yml`` files directly inside the built-in
    rules folder (``dupfinder/_rules`` in a wheel, the repository's top-level
    ``rules/`` in a checkout) and then inside each extra folder (``--rules DIR``),
    each folder's files in name order. Every file is validated against
    ``schema.json``; a malformed file raises :class:`~dupfinder.errors.ConfigError`
    ``<file>:<line>: <what>``, the line found by walking the JSON Schema error's
    path down PyYAML's node tree. Records are keyed by ``id``: a later folder
    replaces an earlier record with the same id (an ignore rule that gives only
    ``id`` and ``enabled`` switches the earlier rule on or off and keeps its
    paths and markers); the same id twice in one folder is an error.

Categorisation (:func:`categorize`)
    Each copy (instance) of a cluster is scored against every category from four
    kinds of evidence, each counted as *distinct rule entries matched*:

    * ``names``: vocabulary words in the unit's own qualified name
      (``AdminSessionClient.login`` -> admin, session, client, login) -- the
      strongest evidence: a name states the unit's purpose;
    * ``calls``: ``fnmatch`` patterns on called dotted names (``requests.*``,
      ``*.execute``, ``bcrypt.hashpw``); ``*`` crosses dots;
    * ``identifiers``: vocabulary words in the identifiers of the unit, split on
      snake_case/camelCase into lower-case words (``maxRetries`` -> max,
      retries); a word matches its simple plural (retry ~ retries), ``word*`` is
      a prefix, ``sign_in`` a phrase (consecutive words, or ``signin``);
    * ``imports``: patterns on the enclosing *file's* imports -- weak evidence,
      since a file imports for all its functions, so at most
      ``max_import_hits`` of them count. A pattern without ``*`` also matches
      sub-modules (``sqlalchemy`` matches ``sqlalchemy.orm``, ``net/http``
      matches ``net/http/httputil``).

    A copy's confidence is a noisy-OR, ``1 - prod_k (1 - w_k) ** hits_k``, with
    per-hit weights ``w_k`` (defaults: names 0.6, calls 0.35, identifiers 0.2,
    imports 0.1; a category may override). The cluster's confidence is the mean
    over its copies. Categories whose confidence reaches their ``min_confidence``
    (default 0.5: e.g. one name word; two calls; a call and two identifier words)
    are candidates. Among candidates, one named by most copies' names wins over
    one supported only by body evidence ("purpose over mechanism": a
    ``login_member`` function that hashes a password is login code), then the
    higher confidence, then the smaller id -- fully deterministic.

    Cost: O(copies x categories x (calls + identifiers + imports)); each category's
    call and import patterns are first tried as one combined regex.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from importlib import resources
from os import PathLike
from pathlib import Path
from typing import Protocol

import jsonschema
import pathspec
from jsonschema.exceptions import ValidationError, best_match

from dupfinder.support.yamlfile import Document, config_error, format_path, key_node, line_of, read_single
from dupfinder.errors import ConfigError
from dupfinder.model import Cluster

#: Lines at the top of a file that ignore-rule markers are searched in.
HEADER_LINES = 10

#: Language registry name -> the ecosystem key of :attr:`Platform.packages`.
ECOSYSTEMS: Mapping[str, str] = {
    "python": "python",
    "javascript": "npm",
    "typescript": "npm",
    "java": "java",
    "kotlin": "java",
    "scala": "java",
    "go": "go",
}

SCHEMA_FILE = "schema.json"


# ---------------------------------------------------------------- rule data


@dataclass(frozen=True, slots=True)
class Weights:
    """Per-hit weights of the evidence kinds (probability-like, in [0, 1])."""

    names: float = 0.6
    calls: float = 0.35
    identifiers: float = 0.2
    imports: float = 0.1
    max_import_hits: int = 2  #: file-level imports are weak: count at most this many


@dataclass(frozen=True, slots=True)
class Category:
    """A category of recurring work, e.g. "auth"."""

    id: str
    title: str
    description: str = ""
    imports: tuple[str, ...] = ()  #: patterns on the file's imports
    calls: tuple[str, ...] = ()  #: fnmatch patterns on called dotted names
    names: tuple[str, ...] = ()  #: vocabulary words of the unit's own name
    identifiers: tuple[str, ...] = ()  #: vocabulary words of the unit's identifiers
    min_confidence: float = 0.5
    weights: Weights = Weights()
    source: str = field(default="", compare=False)  #: "file:line" it was defined at


@dataclass(frozen=True, slots=True)
class Platform:
    """An internal platform package that solves one category, e.g. ``acme_auth``."""

    id: str
    title: str
    category: str
    #: ecosystem -> package names, e.g. {"python": ("acme_auth",), "npm": ("@acme/auth",)}
    packages: dict[str, tuple[str, ...]]
    #: where the platform's own code lives (gitignore-style globs relative to the base):
    #: its files are the platform itself, neither adopters nor home-grown copies
    paths: tuple[str, ...] = ()
    description: str = ""
    source: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class IgnoreRule:
    """Code left out of the analysis: generated files, migrations, tests..."""

    id: str
    enabled: bool
    paths: tuple[str, ...] = ()  #: gitignore-style globs on the path relative to the base
    markers: tuple[str, ...] = ()  #: regexes searched in the first HEADER_LINES lines
    description: str = ""
    source: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class RuleSet:
    categories: tuple[Category, ...]  #: sorted by id
    platforms: tuple[Platform, ...]  #: sorted by id
    ignores: tuple[IgnoreRule, ...]  #: in definition order
    directories: tuple[str, ...] = ()  #: folders the rules were read from

    def category(self, category_id: str) -> Category | None:
        for c in self.categories:
            if c.id == category_id:
                return c
        return None

    def with_ignore(self, ignore_id: str, enabled: bool) -> RuleSet:
        """A copy with ignore rule ``ignore_id`` switched on or off (KeyError if unknown)."""
        if not any(r.id == ignore_id for r in self.ignores):
            raise KeyError(ignore_id)
        return replace(
            self, ignores=tuple(replace(r, enabled=enabled) if r.id == ignore_id else r for r in self.ignores)
        )

    def platform_for_import(self, import_name: str, language: str | None = None) -> Platform | None:
        return platform_for_import(import_name, language, self)


# ---------------------------------------------------------------- loading


def builtin_rules_dir() -> Path:
    """``dupfinder/_rules`` when installed from a wheel, else the checkout's ``rules/``."""
    try:
        packaged = resources.files("dupfinder") / "_rules"
        if packaged.is_dir():
            return Path(str(packaged))
    except (ModuleNotFoundError, OSError):  # pragma: no cover - dupfinder is importable here
        pass
    return Path(__file__).resolve().parents[3] / "rules"


@cache
def rules_schema() -> dict[str, object]:
    """The JSON Schema every rule file is validated against."""
    path = builtin_rules_dir() / SCHEMA_FILE
    data: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _schema_error(file: str, doc: Document, err: ValidationError) -> ConfigError:
    path = list(err.absolute_path)
    line = line_of(doc.node, path)
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        allowed = err.schema.get("properties", {}) if isinstance(err.schema, dict) else {}
        extra = sorted(str(k) for k in err.instance if k not in allowed)
        if extra:
            line = key_node(doc.node, path, extra[0]).start_mark.line + 1
            where = format_path(path) or "top level"
            return config_error(file, line, f"{where}: unknown key {extra[0]!r} (allowed: {', '.join(allowed)})")
    where = format_path(path)
    return config_error(file, line, f"{where + ': ' if where else ''}{err.message}")


@lru_cache(maxsize=64)
def _read_valid(file: str, mtime_ns: int, size: int) -> Document | None:
    """A rule file parsed and validated against the schema (cached while the file is unchanged)."""
    doc = read_single(Path(file), file)
    if doc is None:
        return None
    validator = jsonschema.Draft202012Validator(rules_schema())
    err = best_match(validator.iter_errors(doc.data), key=jsonschema.exceptions.relevance)
    if err is not None:
        raise _schema_error(file, doc, err)
    return doc


def _strs(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def _check_globs(file: str, doc: Document, path: list[str | int], globs: Sequence[str]) -> None:
    for i, g in enumerate(globs):
        try:
            pathspec.GitIgnoreSpec.from_lines([g])
        except ValueError as exc:
            raise config_error(file, line_of(doc.node, [*path, i]), f"invalid glob {g!r}: {exc}") from None


def _float(value: object, default: float) -> float:
    return float(value) if isinstance(value, int | float) else default


def _weights(value: object, base: Weights) -> Weights:
    if not isinstance(value, dict):
        return base
    hits = value.get("max_import_hits")
    return Weights(
        names=_float(value.get("names"), base.names),
        calls=_float(value.get("calls"), base.calls),
        identifiers=_float(value.get("identifiers"), base.identifiers),
        imports=_float(value.get("imports"), base.imports),
        max_import_hits=hits if isinstance(hits, int) else base.max_import_hits,
    )


@dataclass
class _Loader:
    """Mutable state of one :func:`load_rules` call (never escapes it)."""

    weights: Weights = Weights()
    min_confidence: float = 0.5
    categories: dict[str, tuple[dict[str, object], str]] = field(default_factory=dict)
    platforms: dict[str, Platform] = field(default_factory=dict)
    platform_lines: dict[str, tuple[str, int]] = field(default_factory=dict)
    ignores: dict[str, IgnoreRule] = field(default_factory=dict)

    def load_dir(self, folder: Path) -> None:
        if not folder.is_dir():
            raise ConfigError(f"{folder}: rules folder not found")
        seen: dict[tuple[str, str], str] = {}
        defaults_from: str | None = None
        files = sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
        for path in files:
            file = str(path)
            stat = path.stat()
            doc = _read_valid(file, stat.st_mtime_ns, stat.st_size)
            if doc is None:
                continue
            data = doc.data
            assert isinstance(data, dict)  # the schema says so
            if "defaults" in data:
                if defaults_from is not None:
                    raise config_error(
                        file, line_of(doc.node, ["defaults"]), f"defaults already given in {defaults_from}"
                    )
                defaults_from = file
                d = data["defaults"]
                self.weights = _weights(d.get("weights"), self.weights)
                self.min_confidence = _float(d.get("min_confidence"), self.min_confidence)
            for kind in ("categories", "platforms", "ignores"):
                for i, rec in enumerate(data.get(kind, [])):
                    assert isinstance(rec, dict)
                    where: list[str | int] = [kind, i]
                    line = line_of(doc.node, where)
                    key = (kind, str(rec["id"]))
                    if key in seen:
                        singular = {"categories": "category", "platforms": "platform", "ignores": "ignore rule"}[kind]
                        raise config_error(file, line, f"duplicate {singular} id {key[1]!r} (also at {seen[key]})")
                    seen[key] = f"{file}:{line}"
                    if kind == "categories":
                        self.categories[key[1]] = (rec, f"{file}:{line}")
                    elif kind == "platforms":
                        self._add_platform(file, doc, where, rec, f"{file}:{line}")
                    else:
                        self._add_ignore(file, doc, where, rec, f"{file}:{line}")

    def _add_platform(self, file: str, doc: Document, where: list[str | int], rec: dict[str, object], src: str) -> None:
        paths = _strs(rec.get("paths"))
        _check_globs(file, doc, [*where, "paths"], paths)
        packages = rec["packages"]
        assert isinstance(packages, dict)
        pid = str(rec["id"])
        self.platforms[pid] = Platform(
            id=pid,
            title=str(rec["title"]),
            category=str(rec["category"]),
            packages={str(k): _strs(v) for k, v in sorted(packages.items())},
            paths=paths,
            description=str(rec.get("description", "")),
            source=src,
        )
        self.platform_lines[pid] = (file, line_of(doc.node, [*where, "category"]))

    def _add_ignore(self, file: str, doc: Document, where: list[str | int], rec: dict[str, object], src: str) -> None:
        paths, markers = _strs(rec.get("paths")), _strs(rec.get("markers"))
        _check_globs(file, doc, [*where, "paths"], paths)
        for i, m in enumerate(markers):
            try:
                re.compile(m)
            except re.error as exc:
                raise config_error(
                    file, line_of(doc.node, [*where, "markers", i]), f"invalid regex {m!r}: {exc}"
                ) from None
        rid = str(rec["id"])
        prev = self.ignores.get(rid)
        if prev is not None and not paths and not markers and "description" not in rec:
            self.ignores[rid] = replace(prev, enabled=bool(rec["enabled"]), source=src)
            return
        if not paths and not markers:
            raise config_error(file, line_of(doc.node, where), f"ignore rule {rid!r} needs paths or markers")
        self.ignores[rid] = IgnoreRule(rid, bool(rec["enabled"]), paths, markers, str(rec.get("description", "")), src)

    def build(self, directories: Sequence[str]) -> RuleSet:
        cats: list[Category] = []
        for cid, (rec, src) in sorted(self.categories.items()):
            cats.append(
                Category(
                    id=cid,
                    title=str(rec["title"]),
                    description=str(rec.get("description", "")).strip(),
                    imports=_strs(rec.get("imports")),
                    calls=_strs(rec.get("calls")),
                    names=_strs(rec.get("names")),
                    identifiers=_strs(rec.get("identifiers")),
                    min_confidence=_float(rec.get("min_confidence"), self.min_confidence),
                    weights=_weights(rec.get("weights"), self.weights),
                    source=src,
                )
            )
        known = {c.id for c in cats}
        for pid, p in self.platforms.items():
            if p.category not in known:
                file, line = self.platform_lines[pid]
                raise config_error(
                    file, line, f"platform {pid!r}: unknown category {p.category!r} (known: {', '.join(sorted(known))})"
                )
        return RuleSet(
            categories=tuple(cats),
            platforms=tuple(self.platforms[k] for k in sorted(self.platforms)),
            ignores=tuple(self.ignores.values()),
            directories=tuple(directories),
        )


def load_rules(extra_dirs: Sequence[str | PathLike[str]] = ()) -> RuleSet:
    """The built-in rules, then each of ``extra_dirs`` (later ones override by id)."""
    folders = [builtin_rules_dir(), *(Path(d) for d in extra_dirs)]
    loader = _Loader()
    for folder in folders:
        loader.load_dir(folder)
    return loader.build([str(f) for f in folders])


# ---------------------------------------------------------------- matching helpers

_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
#: Longest vocabulary phrase, in words (the schema's pattern allows more; longer ones never match).
_MAX_PHRASE = 4
#: Bound on the names remembered per pattern set (memory stays flat on huge scans).
_MEMO_SIZE = 100_000


def split_identifier(name: str) -> tuple[str, ...]:
    """Lower-case words of an identifier: ``getHTTPRetry_count2`` -> get, http, retry, count, 2."""
    return tuple(w.lower() for w in _WORD.findall(name))


def _variants(word: str) -> tuple[str, ...]:
    # simple plural forms, so that vocabulary "retry" matches "retries", "session" matches "sessions"
    out = [word]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        out.append(word[:-1])
        if word.endswith("ies"):
            out.append(word[:-3] + "y")
        elif word.endswith("es"):
            out.append(word[:-2])
    return tuple(out)


@dataclass(frozen=True, slots=True)
class _Words:
    """The words of some identifiers, prepared for vocabulary look-ups."""

    forms: frozenset[str]  #: every word and its singular variants
    words: frozenset[str]
    #: consecutive words of one identifier joined by "_" (2 to _MAX_PHRASE of them),
    #: the last one also in its singular forms
    phrases: frozenset[str]

    @staticmethod
    def of(identifiers: Iterable[str]) -> _Words:
        return _words_of(tuple(identifiers))

    @staticmethod
    def build(identifiers: tuple[str, ...]) -> _Words:
        parts = [_identifier_words(i) for i in identifiers]
        if len(parts) == 1:
            return parts[0]
        return _Words(
            frozenset().union(*(p.forms for p in parts)),
            frozenset().union(*(p.words for p in parts)),
            frozenset().union(*(p.phrases for p in parts)),
        )


@lru_cache(maxsize=65_536)
def _identifier_words(identifier: str) -> _Words:
    """The :class:`_Words` of one identifier (identifiers repeat across units: memoised)."""
    seq = split_identifier(identifier)
    words = frozenset(seq)
    phrases: set[str] = set()
    for n in range(2, min(_MAX_PHRASE, len(seq)) + 1):
        for i in range(len(seq) - n + 1):
            head = "_".join(seq[i : i + n - 1])
            phrases.update(f"{head}_{v}" for v in _variants(seq[i + n - 1]))
    return _Words(frozenset(v for w in words for v in _variants(w)), words, frozenset(phrases))


@lru_cache(maxsize=4096)
def _words_of(identifiers: tuple[str, ...]) -> _Words:
    """Memoised: the copies in a cluster often have the very same identifiers."""
    return _Words.build(identifiers)


@dataclass(frozen=True, slots=True)
class _Vocabulary:
    exact: frozenset[str]  #: single words
    prefixes: tuple[str, ...]  #: "word*" entries, without the "*"
    phrases: frozenset[str]  #: "sign_in" entries
    joined: dict[str, str]  #: "signin" -> "sign_in": a phrase also matches as one word
    any_prefix: re.Pattern[str] | None  #: matches a word that starts with some prefix (a cheap first test)

    @staticmethod
    def of(entries: Sequence[str]) -> _Vocabulary:
        exact = frozenset(e for e in entries if "_" not in e and not e.endswith("*"))
        prefixes = tuple(e[:-1] for e in entries if e.endswith("*"))
        phrases = frozenset(e for e in entries if "_" in e and not e.endswith("*"))
        any_prefix = re.compile("|".join(re.escape(p) for p in prefixes)) if prefixes else None
        return _Vocabulary(exact, prefixes, phrases, {p.replace("_", ""): p for p in phrases}, any_prefix)

    def hits(self, words: _Words) -> set[str]:
        found = set(self.exact & words.forms)
        if self.any_prefix is not None:
            starts = [w for w in words.words if self.any_prefix.match(w)]
            if starts:
                found.update(p + "*" for p in self.prefixes if any(w.startswith(p) for w in starts))
        found.update(self.phrases & words.phrases)
        found.update(self.joined[j] for j in self.joined.keys() & words.forms)
        return found


@dataclass(frozen=True, slots=True)
class _Patterns:
    """fnmatch patterns with a combined regex as a cheap first test."""

    patterns: tuple[str, ...]
    regexes: tuple[re.Pattern[str], ...]
    combined: re.Pattern[str] | None
    #: name -> the patterns it matches; names repeat across copies (time.sleep, json.dumps...)
    memo: dict[str, frozenset[str]] = field(default_factory=dict, compare=False, repr=False)
    tuples: dict[tuple[str, ...], tuple[frozenset[str], frozenset[str]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @staticmethod
    def of(patterns: Sequence[str], module_prefix: bool) -> _Patterns:
        sources: list[str] = []
        for p in patterns:
            src = fnmatch.translate(p)  # "(?s:...)\Z"
            if module_prefix and "*" not in p:
                # "sqlalchemy" also matches "sqlalchemy.orm"; "net/http" matches "net/http/httputil"
                src = f"(?s:{re.escape(p)}(?:[./].*)?)\\Z"
            sources.append(src)
        regexes = tuple(re.compile(s) for s in sources)
        combined = re.compile("|".join(f"(?:{s})" for s in sources)) if sources else None
        return _Patterns(tuple(patterns), regexes, combined)

    def hits_of(self, names: tuple[str, ...]) -> tuple[frozenset[str], frozenset[str]]:
        """:meth:`hits`, memoised by the whole tuple (a file's imports are shared by all its units)."""
        found = self.tuples.get(names)
        if found is None:
            pats, matched = self.hits(names)
            found = (frozenset(pats), frozenset(matched))
            if len(self.tuples) < _MEMO_SIZE:
                self.tuples[names] = found
        return found

    def hits(self, names: Iterable[str]) -> tuple[set[str], set[str]]:
        """(patterns matched, names matched)."""
        pats: set[str] = set()
        matched: set[str] = set()
        if self.combined is None:
            return pats, matched
        for name in names:
            found = self.memo.get(name)
            if found is None:
                found = frozenset()
                if self.combined.match(name):
                    found = frozenset(p for p, rx in zip(self.patterns, self.regexes, strict=True) if rx.match(name))
                if len(self.memo) < _MEMO_SIZE:
                    self.memo[name] = found
            if found:
                matched.add(name)
                pats |= found
        return pats, matched


@dataclass(frozen=True, slots=True)
class _CategoryMatcher:
    names: _Vocabulary
    identifiers: _Vocabulary
    calls: _Patterns
    imports: _Patterns


@lru_cache(maxsize=256)
def _matcher(category: Category) -> _CategoryMatcher:
    return _CategoryMatcher(
        names=_Vocabulary.of(category.names),
        identifiers=_Vocabulary.of(category.identifiers),
        calls=_Patterns.of(category.calls, module_prefix=False),
        imports=_Patterns.of(category.imports, module_prefix=True),
    )


# ---------------------------------------------------------------- categorisation


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why a cluster got (or did not get) its category."""

    confidence: float  #: of the chosen category (of the best candidate when none was chosen)
    names: tuple[str, ...] = ()  #: vocabulary entries matched in the copies' names
    calls: tuple[str, ...] = ()  #: calls matched, as written
    identifiers: tuple[str, ...] = ()  #: vocabulary entries matched in the copies' identifiers
    imports: tuple[str, ...] = ()  #: imports matched, as written
    named: bool = False  #: most copies' names speak for the category
    candidates: tuple[tuple[str, float], ...] = ()  #: every category scoring > 0, best first


@dataclass(frozen=True, slots=True)
class _Hits:
    names: frozenset[str]
    calls: frozenset[str]  #: call patterns matched
    identifiers: frozenset[str]
    imports: frozenset[str]  #: import patterns matched
    matched_calls: frozenset[str]
    matched_imports: frozenset[str]

    def confidence(self, w: Weights) -> float:
        miss = (
            (1.0 - w.names) ** len(self.names)
            * (1.0 - w.calls) ** len(self.calls)
            * (1.0 - w.identifiers) ** len(self.identifiers)
            * (1.0 - w.imports) ** min(len(self.imports), w.max_import_hits)
        )
        return 1.0 - miss


class Copy(Protocol):
    """What categories read of a copy (an :class:`~dupfinder.model.Instance` has all of it)."""

    @property
    def name(self) -> str | None: ...
    @property
    def identifiers(self) -> tuple[str, ...]: ...
    @property
    def calls(self) -> tuple[str, ...]: ...
    @property
    def imports(self) -> tuple[str, ...]: ...


def _instance_words(inst: Copy) -> tuple[_Words, _Words]:
    name_parts = inst.name.split(".") if inst.name else []
    return _Words.of(name_parts), _Words.of(inst.identifiers)


def _hits(m: _CategoryMatcher, names: _Words, idents: _Words, inst: Copy) -> _Hits:
    call_pats, calls = m.calls.hits_of(tuple(inst.calls))
    imp_pats, imps = m.imports.hits_of(tuple(inst.imports))
    return _Hits(
        frozenset(m.names.hits(names)),
        call_pats,
        frozenset(m.identifiers.hits(idents)),
        imp_pats,
        calls,
        imps,
    )


_NO_HITS = _Hits(frozenset(), frozenset(), frozenset(), frozenset(), frozenset(), frozenset())


class _Screen:
    """Which categories could match an instance at all: one look-up per word or name for all
    categories together, so that the full match (:func:`_hits`) runs only where it can find
    something.  A superset by construction: every entry and pattern of every category is in it."""

    def __init__(self, categories: Sequence[Category]) -> None:
        self.words: dict[str, set[int]] = defaultdict(set)  # words, phrases and joined phrases
        prefixes: list[tuple[str, int]] = []
        self.calls: list[_Patterns] = []
        self.imports: list[_Patterns] = []
        for k, cat in enumerate(categories):
            for entry in (*cat.names, *cat.identifiers):
                if entry.endswith("*"):
                    prefixes.append((entry[:-1], k))
                else:
                    self.words[entry].add(k)
                    if "_" in entry:
                        self.words[entry.replace("_", "")].add(k)
            m = _matcher(cat)
            self.calls.append(m.calls)
            self.imports.append(m.imports)
        self.prefixes = tuple(prefixes)
        self.any_prefix = re.compile("|".join(re.escape(p) for p, _ in prefixes)) if prefixes else None
        self.memo: dict[tuple[bool, str], frozenset[int]] = {}

    def _names(self, names: Iterable[str], imports: bool) -> set[int]:
        out: set[int] = set()
        patterns = self.imports if imports else self.calls
        for name in names:
            found = self.memo.get((imports, name))
            if found is None:
                found = frozenset(
                    k for k, p in enumerate(patterns) if p.combined is not None and p.combined.match(name)
                )
                if len(self.memo) < _MEMO_SIZE:
                    self.memo[(imports, name)] = found
            out |= found
        return out

    def candidates(self, inst: Copy, names: _Words, idents: _Words) -> set[int]:
        out = self._names(inst.calls, False) | self._names(inst.imports, True)
        table = self.words
        for words in (names, idents):
            for w in (*words.forms, *words.phrases):
                hit = table.get(w)
                if hit:
                    out |= hit
            if self.any_prefix is not None:
                for w in words.words:
                    if self.any_prefix.match(w):
                        out.update(k for p, k in self.prefixes if w.startswith(p))
        return out


@lru_cache(maxsize=64)
def _screen(categories: tuple[Category, ...]) -> _Screen:
    return _Screen(categories)


def categorize(cluster: Cluster, rules: RuleSet) -> tuple[str | None, float, Evidence]:
    """(category id or None, confidence in [0, 1], evidence) for a cluster; see the module docstring."""
    return categorize_copies(cluster.instances, rules)


def categorize_copies(copies: Sequence[Copy], rules: RuleSet) -> tuple[str | None, float, Evidence]:
    """:func:`categorize` of a cluster given only what categories read of its copies."""
    if not copies or not rules.categories:
        return None, 0.0, Evidence(0.0)
    screen = _screen(rules.categories)
    prepared = [(inst, *_instance_words(inst)) for inst in copies]
    possible = [screen.candidates(inst, names, idents) for inst, names, idents in prepared]
    n = len(prepared)
    scored: list[tuple[bool, float, Category, list[_Hits]]] = []
    for k, cat in enumerate(rules.categories):
        m = _matcher(cat)
        hits = [_hits(m, names, idents, inst) if k in can else _NO_HITS
                for (inst, names, idents), can in zip(prepared, possible, strict=True)]  # fmt: skip
        conf = round(sum(h.confidence(cat.weights) for h in hits) / n, 6)
        named = 2 * sum(1 for h in hits if h.names) >= n
        scored.append((named, conf, cat, hits))
    candidates = tuple(
        (cat.id, round(conf, 4)) for _, conf, cat, _ in sorted(scored, key=lambda s: (-s[1], s[2].id)) if conf > 0
    )
    eligible = [s for s in scored if s[1] > 0 and s[1] >= s[2].min_confidence]
    if not eligible:
        best = candidates[0][1] if candidates else 0.0
        return None, best, Evidence(best, candidates=candidates)
    named, conf, cat, hits = min(eligible, key=lambda s: (not s[0], -s[1], s[2].id))
    evidence = Evidence(
        confidence=round(conf, 4),
        names=tuple(sorted(set().union(*(h.names for h in hits)))),
        calls=tuple(sorted(set().union(*(h.matched_calls for h in hits)))),
        identifiers=tuple(sorted(set().union(*(h.identifiers for h in hits)))),
        imports=tuple(sorted(set().union(*(h.matched_imports for h in hits)))),
        named=named,
        candidates=candidates,
    )
    return cat.id, round(conf, 4), evidence


# ---------------------------------------------------------------- ignores and platforms


@lru_cache(maxsize=256)
def _ignore_matchers(rule: IgnoreRule) -> tuple[pathspec.GitIgnoreSpec, tuple[re.Pattern[str], ...]]:
    return pathspec.GitIgnoreSpec.from_lines(rule.paths), tuple(re.compile(m) for m in rule.markers)


def is_ignored(path: str, first_lines: Sequence[str] | str, rules: RuleSet) -> str | None:
    """Why ``path`` is left out (``"<rule id>: ..."``), or None. Pass the file's first HEADER_LINES lines."""
    lines = first_lines.splitlines() if isinstance(first_lines, str) else list(first_lines)
    header = lines[:HEADER_LINES]
    for rule in rules.ignores:
        if not rule.enabled:
            continue
        spec, markers = _ignore_matchers(rule)
        if rule.paths and spec.match_file(path):
            glob = next(
                (
                    g
                    for g in reversed(rule.paths)
                    if not g.startswith("!") and pathspec.GitIgnoreSpec.from_lines([g]).match_file(path)
                ),
                rule.paths[0],
            )
            return f"{rule.id}: path matches {glob!r}"
        for marker, rx in zip(rule.markers, markers, strict=True):
            if any(rx.search(line) for line in header):
                return f"{rule.id}: header matches {marker!r}"
    return None


def _package_matches(import_name: str, package: str) -> bool:
    if "*" in package:
        return fnmatch.fnmatchcase(import_name, package)
    return import_name == package or import_name.startswith((package + ".", package + "/"))


def platform_for_import(import_name: str, language: str | None, rules: RuleSet) -> Platform | None:
    """The platform whose package ``import_name`` is (or is inside), for ``language``'s ecosystem.

    With ``language`` None every ecosystem is tried. Sub-modules count
    (``acme_auth.sessions``, ``@acme/auth/react``). First platform by id wins.
    """
    for platform in rules.platforms:
        if platform_matches_import(platform, import_name, language):
            return platform
    return None


def platform_matches_import(platform: Platform, import_name: str, language: str | None = None) -> bool:
    """Whether ``import_name`` is one of ``platform``'s packages (or inside one) in ``language``'s ecosystem."""
    eco = ECOSYSTEMS.get(language, language) if language is not None else None
    for ecosystem, packages in platform.packages.items():
        if eco is not None and ecosystem != eco:
            continue
        if any(_package_matches(import_name, pkg) for pkg in packages):
            return True
    return False


@lru_cache(maxsize=256)
def _platform_paths(paths: tuple[str, ...]) -> pathspec.GitIgnoreSpec:
    return pathspec.GitIgnoreSpec.from_lines(paths)


def is_platform_code(platform: Platform, path: str) -> bool:
    """Whether ``path`` is the platform's own code (by :attr:`Platform.paths`)."""
    return bool(platform.paths) and _platform_paths(platform.paths).match_file(path)


def platform_owning_path(path: str, rules: RuleSet) -> Platform | None:
    """The platform whose own code ``path`` is (by :attr:`Platform.paths`), or None."""
    for platform in rules.platforms:
        if is_platform_code(platform, path):
            return platform
    return None


__all__ = [
    "ECOSYSTEMS",
    "HEADER_LINES",
    "Category",
    "Copy",
    "Evidence",
    "IgnoreRule",
    "Platform",
    "RuleSet",
    "Weights",
    "builtin_rules_dir",
    "categorize",
    "categorize_copies",
    "is_ignored",
    "is_platform_code",
    "load_rules",
    "platform_for_import",
    "platform_matches_import",
    "platform_owning_path",
    "rules_schema",
    "split_identifier",
]
