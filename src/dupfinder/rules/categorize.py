"""Categorisation: which category of recurring work a cluster's copies are (see :mod:`dupfinder.rules`)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from dupfinder.model import Category, Cluster, Evidence, RuleSet, Weights
from dupfinder.rules.vocabulary import MEMO_SIZE, CategoryMatcher, PatternSet, Words, matcher


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


class Categorizable(Protocol):
    """What categories read of a copy (an :class:`~dupfinder.model.Instance` has all of it)."""

    @property
    def name(self) -> str | None: ...
    @property
    def identifiers(self) -> tuple[str, ...]: ...
    @property
    def calls(self) -> tuple[str, ...]: ...
    @property
    def imports(self) -> tuple[str, ...]: ...


def _instance_words(inst: Categorizable) -> tuple[Words, Words]:
    name_parts = inst.name.split(".") if inst.name else []
    return Words.of(name_parts), Words.of(inst.identifiers)


def _hits(m: CategoryMatcher, names: Words, idents: Words, inst: Categorizable) -> _Hits:
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
        self.calls: list[PatternSet] = []
        self.imports: list[PatternSet] = []
        for k, cat in enumerate(categories):
            for entry in (*cat.names, *cat.identifiers):
                if entry.endswith("*"):
                    prefixes.append((entry[:-1], k))
                else:
                    self.words[entry].add(k)
                    if "_" in entry:
                        self.words[entry.replace("_", "")].add(k)
            m = matcher(cat)
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
                if len(self.memo) < MEMO_SIZE:
                    self.memo[(imports, name)] = found
            out |= found
        return out

    def candidates(self, inst: Categorizable, names: Words, idents: Words) -> set[int]:
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


def categorize_copies(copies: Sequence[Categorizable], rules: RuleSet) -> tuple[str | None, float, Evidence]:
    """:func:`categorize` of a cluster given only what categories read of its copies."""
    if not copies or not rules.categories:
        return None, 0.0, Evidence(0.0)
    screen = _screen(rules.categories)
    prepared = [(inst, *_instance_words(inst)) for inst in copies]
    possible = [screen.candidates(inst, names, idents) for inst, names, idents in prepared]
    n = len(prepared)
    scored: list[tuple[bool, float, Category, list[_Hits]]] = []
    for k, cat in enumerate(rules.categories):
        m = matcher(cat)
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
