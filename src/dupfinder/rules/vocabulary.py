"""Matchers for the vocabulary and patterns of a category: words of names, called names, imports.

Identifiers are split into lower-case words (``maxRetries`` -> max, retries); a word matches
its simple plural (retry ~ retries), ``word*`` is a prefix, ``sign_in`` a phrase (consecutive
words, or ``signin``).  Call and import patterns are ``fnmatch`` patterns tried first as one
combined regex.  The matchers memoise what they have seen (names repeat across copies), so they
are plain objects, built once per category and never compared or hashed as values.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from dupfinder.model import Category
from dupfinder.support.words import split_identifier

#: Longest vocabulary phrase, in words (the schema's pattern allows more; longer ones never match).
_MAX_PHRASE = 4


#: Bound on the names remembered per pattern set (memory stays flat on huge scans).
MEMO_SIZE = 100_000


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
class Words:
    """The words of some identifiers, prepared for vocabulary look-ups."""

    forms: frozenset[str]  #: every word and its singular variants
    words: frozenset[str]
    #: consecutive words of one identifier joined by "_" (2 to _MAX_PHRASE of them),
    #: the last one also in its singular forms
    phrases: frozenset[str]

    @staticmethod
    def of(identifiers: Iterable[str]) -> Words:
        return _words_of(tuple(identifiers))

    @staticmethod
    def build(identifiers: tuple[str, ...]) -> Words:
        parts = [_identifier_words(i) for i in identifiers]
        if len(parts) == 1:
            return parts[0]
        return Words(
            frozenset().union(*(p.forms for p in parts)),
            frozenset().union(*(p.words for p in parts)),
            frozenset().union(*(p.phrases for p in parts)),
        )


@lru_cache(maxsize=65_536)
def _identifier_words(identifier: str) -> Words:
    """The :class:`Words` of one identifier (identifiers repeat across units: memoised)."""
    seq = split_identifier(identifier)
    words = frozenset(seq)
    phrases: set[str] = set()
    for n in range(2, min(_MAX_PHRASE, len(seq)) + 1):
        for i in range(len(seq) - n + 1):
            head = "_".join(seq[i : i + n - 1])
            phrases.update(f"{head}_{v}" for v in _variants(seq[i + n - 1]))
    return Words(frozenset(v for w in words for v in _variants(w)), words, frozenset(phrases))


@lru_cache(maxsize=4096)
def _words_of(identifiers: tuple[str, ...]) -> Words:
    """Memoised: the copies in a cluster often have the very same identifiers."""
    return Words.build(identifiers)


@dataclass(frozen=True, slots=True)
class Vocabulary:
    exact: frozenset[str]  #: single words
    prefixes: tuple[str, ...]  #: "word*" entries, without the "*"
    phrases: frozenset[str]  #: "sign_in" entries
    joined: dict[str, str]  #: "signin" -> "sign_in": a phrase also matches as one word
    any_prefix: re.Pattern[str] | None  #: matches a word that starts with some prefix (a cheap first test)

    @staticmethod
    def of(entries: Sequence[str]) -> Vocabulary:
        exact = frozenset(e for e in entries if "_" not in e and not e.endswith("*"))
        prefixes = tuple(e[:-1] for e in entries if e.endswith("*"))
        phrases = frozenset(e for e in entries if "_" in e and not e.endswith("*"))
        any_prefix = re.compile("|".join(re.escape(p) for p in prefixes)) if prefixes else None
        return Vocabulary(exact, prefixes, phrases, {p.replace("_", ""): p for p in phrases}, any_prefix)

    def hits(self, words: Words) -> set[str]:
        found = set(self.exact & words.forms)
        if self.any_prefix is not None:
            starts = [w for w in words.words if self.any_prefix.match(w)]
            if starts:
                found.update(p + "*" for p in self.prefixes if any(w.startswith(p) for w in starts))
        found.update(self.phrases & words.phrases)
        found.update(self.joined[j] for j in self.joined.keys() & words.forms)
        return found


class PatternSet:
    """fnmatch patterns with a combined regex as a cheap first test.

    A matcher, not a value: it remembers which patterns each name it has seen matches (names
    repeat across copies: time.sleep, json.dumps...), up to ``MEMO_SIZE`` names.
    """

    __slots__ = ("_regexes", "combined", "memo", "patterns", "sources", "tuples")

    def __init__(self, patterns: tuple[str, ...], sources: tuple[str, ...], combined: re.Pattern[str] | None) -> None:
        self.patterns = patterns
        self.sources = sources  #: each pattern's regular expression
        self.combined = combined
        self._regexes: tuple[re.Pattern[str], ...] | None = None
        self.memo: dict[str, frozenset[str]] = {}  #: name -> the patterns it matches
        self.tuples: dict[tuple[str, ...], tuple[frozenset[str], frozenset[str]]] = {}  #: names -> hits

    @property
    def regexes(self) -> tuple[re.Pattern[str], ...]:
        """Each pattern compiled, the first time a name passes the combined test (a CI run that
        categorises one cluster need not compile the hundreds of patterns of every category)."""
        if self._regexes is None:
            self._regexes = tuple(re.compile(s) for s in self.sources)
        return self._regexes

    @staticmethod
    def of(patterns: Sequence[str], module_prefix: bool) -> PatternSet:
        sources: list[str] = []
        for p in patterns:
            src = fnmatch.translate(p)  # "(?s:...)\Z"
            if module_prefix and "*" not in p:
                # "sqlalchemy" also matches "sqlalchemy.orm"; "net/http" matches "net/http/httputil"
                src = f"(?s:{re.escape(p)}(?:[./].*)?)\\Z"
            sources.append(src)
        combined = re.compile("|".join(f"(?:{s})" for s in sources)) if sources else None
        return PatternSet(tuple(patterns), tuple(sources), combined)

    def hits_of(self, names: tuple[str, ...]) -> tuple[frozenset[str], frozenset[str]]:
        """:meth:`hits`, memoised by the whole tuple (a file's imports are shared by all its units)."""
        found = self.tuples.get(names)
        if found is None:
            pats, matched = self.hits(names)
            found = (frozenset(pats), frozenset(matched))
            if len(self.tuples) < MEMO_SIZE:
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
                if len(self.memo) < MEMO_SIZE:
                    self.memo[name] = found
            if found:
                matched.add(name)
                pats |= found
        return pats, matched


@dataclass(frozen=True, slots=True)
class CategoryMatcher:
    names: Vocabulary
    identifiers: Vocabulary
    calls: PatternSet
    imports: PatternSet


@lru_cache(maxsize=256)
def matcher(category: Category) -> CategoryMatcher:
    return CategoryMatcher(
        names=Vocabulary.of(category.names),
        identifiers=Vocabulary.of(category.identifiers),
        calls=PatternSet.of(category.calls, module_prefix=False),
        imports=PatternSet.of(category.imports, module_prefix=True),
    )
