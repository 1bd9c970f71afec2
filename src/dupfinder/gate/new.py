"""The CI gate: which copies in a scan are *new* duplication, and what to reuse instead.

Input: the clusters of a scan of the code after the change, a predicate that
says which instances the change added or touched, and a :class:`History`
that knows the code before the change (the merge-base revision for
``--base``, a baseline file for ``--baseline``).

A changed instance is *not* new duplication when it is a later version of a
unit that already duplicated this cluster's code: the same function moved to
another file, re-formatted, or edited in place. So, per cluster:

1. split its instances into *old* (untouched by the change) and *changed*;
2. ask the history for earlier units each changed instance may be a version
   of (``History.versions``: by content similarity for a revision, by
   fingerprint, path and name for a baseline);
3. match changed instances to earlier units one to one, best first (the unit
   edited in place: same file and name; then closeness, then same name, then
   same file). An earlier unit may be matched
   only when it *was a copy* of this cluster's code before the change: similar
   to one of the old instances, or to an earlier unit matched already
   (``History.was_copy``). With no old instance and nothing matched yet, one
   earlier unit may be matched as the cluster's original, when the history is
   sure it is the same unit;
4. every changed instance left unmatched is a :class:`Finding`.

So a pasted copy of an existing function is a finding (the copy has no earlier
version), while moving or re-formatting code that was duplicated already is not
(the moved copy matches the unit it came from, which was a copy before); an
edit that turns a unique function into a copy of another is a finding (its
earlier version was no copy of anything).

Each finding lists the copies it duplicates, the one to reuse first: old code
before new, then by similarity to the new copy, and the platform package that
provides the cluster's category when the rules declare one. Its
``fingerprint`` is stable across runs and line shifts (content fingerprint,
path and occurrence), for SARIF ``partialFingerprints``.

Cost: per cluster with a changed instance, O(changed x earlier) similarity
look-ups, each one verified similarity (the scan's alignment measure, memoised)
for a revision and O(1) for a baseline.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from dupfinder.errors import DupfinderError
from dupfinder.model import Cluster, ClusterId, Fingerprint, Instance, ScanStats, Unit
from dupfinder.rules import ECOSYSTEMS, Platform, RuleSet
from dupfinder.similarity.verify import similarity as verify_similarity

# ---------------------------------------------------------------- values


@dataclass(frozen=True, slots=True)
class Earlier:
    """A unit of the code before the change."""

    key: str  #: unique among the history's units
    path: str  #: POSIX path relative to the scan base, in the code before the change
    name: str | None
    fingerprint: Fingerprint
    language: str = ""


@dataclass(frozen=True, slots=True)
class Version:
    """An earlier unit that a changed instance may be a later version of."""

    earlier: Earlier
    closeness: float  #: in (0, 1]; higher is more likely the same unit
    sure: bool  #: the history is sure enough to match it as a cluster's original


@dataclass(frozen=True, slots=True)
class Copy:
    """A copy that a new instance duplicates."""

    instance: Instance
    similarity: float  #: similarity to the new instance, 0-1
    new: bool  #: also new in this change


@dataclass(frozen=True, slots=True)
class Finding:
    """A new or changed unit that joins a clone cluster."""

    instance: Instance  #: the new copy
    cluster: Cluster  #: the cluster it joins (teams and category filled in when known)
    copies: tuple[Copy, ...]  #: the copies it duplicates: the one to reuse first
    fingerprint: str  #: stable across runs and line shifts (partialFingerprints)
    platform: Platform | None = None  #: the platform that provides the cluster's category
    package: str | None = None  #: the platform's package for the instance's language
    fails: bool = True  #: meets the --fail-on limits

    @property
    def reuse(self) -> Copy:
        """The copy to reuse: old code first, then the most similar."""
        return self.copies[0]

    @property
    def similarity(self) -> float:
        return self.copies[0].similarity


@dataclass(frozen=True, slots=True)
class FailOn:
    """Limits a finding must reach to fail the gate (smaller ones are reported only)."""

    lines: int = 0  #: lines of the new copy
    similarity: float = 0.0  #: similarity to the copy to reuse

    @staticmethod
    def parse(spec: str) -> FailOn:
        """``lines=N,similarity=X`` (either part may be left out)."""
        lines, similarity = 0, 0.0
        for part in (p.strip() for p in spec.split(",")):
            if not part:
                continue
            key, sep, value = part.partition("=")
            key = key.strip().lower()
            try:
                if not sep:
                    raise ValueError
                if key == "lines":
                    lines = int(value)
                    if lines < 0:
                        raise ValueError
                elif key == "similarity":
                    similarity = float(value)
                    if not 0.0 <= similarity <= 1.0:
                        raise ValueError
                else:
                    raise DupfinderError(f"--fail-on: unknown limit {key!r} (use lines=N and/or similarity=X)")
            except ValueError:
                raise DupfinderError(
                    f"--fail-on: bad limit {part!r} (expected lines=N with N >= 0, or similarity=X with X in [0, 1])"
                ) from None
        return FailOn(lines, similarity)

    def met_by(self, instance: Instance, similarity: float) -> bool:
        return instance.lines >= self.lines and similarity >= self.similarity - 1e-9


@dataclass(frozen=True, slots=True)
class GateReport:
    """Everything the CI reporters show: pure data, no scanner."""

    findings: tuple[Finding, ...]  #: sorted by path, line
    against: str  #: what "already there" means, e.g. "origin/main (merge-base 1a2b3c4d5e6f)"
    max_new: int = 0  #: findings that fail allowed before the gate fails
    fail_on: FailOn = FailOn()
    stats: ScanStats | None = None
    changed_units: int = 0  #: clustered units the change added or touched

    @property
    def failing(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.fails)

    @property
    def failed(self) -> bool:
        return len(self.failing) > self.max_new


# ---------------------------------------------------------------- histories


class History(Protocol):
    """The code before the change, as far as the gate needs it."""

    def versions(self, instance: Instance, cluster: Cluster) -> Sequence[Version]:
        """Earlier units that the changed ``instance`` may be a later version of."""
        ...

    def was_copy(self, earlier: Earlier, old: Sequence[Instance], matched: Sequence[Earlier]) -> bool:
        """Whether ``earlier`` duplicated an ``old`` instance or an already ``matched`` earlier unit."""
        ...


def instance_key(path: str, start_line: int, end_line: int) -> str:
    return f"{path}:{start_line}-{end_line}"


def _nests(a_path: str, a: tuple[int, int], b_path: str, b: tuple[int, int]) -> bool:
    return a_path == b_path and ((a[0] <= b[0] and b[1] <= a[1]) or (b[0] <= a[0] and a[1] <= b[1]))


class Measure:
    """Similarity of two units in the scan's own measure (:func:`dupfinder.similarity.verify.similarity`), memoised."""

    def __init__(self) -> None:
        self._known: dict[tuple[int, int], float] = {}

    def similarity(self, a: Unit, b: Unit) -> float:
        if a.fingerprint == b.fingerprint:
            return 1.0
        key = (id(a), id(b)) if id(a) <= id(b) else (id(b), id(a))
        found = self._known.get(key)
        if found is None:
            found = verify_similarity(a, b)
            self._known[key] = found
        return found


class RevisionHistory:
    """History from the base revision's version of the changed files (``--base``).

    ``earlier`` are the units of every file the change modified, renamed or
    deleted, as they were at the base revision; ``current`` are the units of
    the code after the change, by :func:`instance_key`. Unchanged lines are the
    same in both, so an old instance stands for itself before the change.
    """

    def __init__(self, earlier: Sequence[Unit], current: Mapping[str, Unit], threshold: float) -> None:
        self._threshold = threshold
        self._current = current
        self._sh = Measure()
        self._earlier: dict[str, tuple[Earlier, Unit]] = {}
        for u in earlier:
            e = Earlier(instance_key(u.path, u.start_line, u.end_line), u.path, u.name, u.fingerprint, u.language)
            self._earlier[e.key] = (e, u)

    def _unit(self, inst: Instance) -> Unit | None:
        return self._current.get(instance_key(inst.path, inst.start_line, inst.end_line))

    def versions(self, instance: Instance, cluster: Cluster) -> Sequence[Version]:
        unit = self._unit(instance)
        out: list[Version] = []
        for e, eu in self._earlier.values():
            if eu.language != instance.language:
                continue
            if unit is None:
                sim = 1.0 if eu.fingerprint == instance.fingerprint else 0.0
            else:
                sim = self._sh.similarity(unit, eu)
            if sim >= self._threshold:
                out.append(Version(e, sim, True))
        return out

    def was_copy(self, earlier: Earlier, old: Sequence[Instance], matched: Sequence[Earlier]) -> bool:
        _, eu = self._earlier[earlier.key]
        span = (eu.start_line, eu.end_line)
        for inst in old:
            unit = self._unit(inst)
            if unit is None:
                if inst.fingerprint == eu.fingerprint:
                    return True
                continue
            if self._sh.similarity(unit, eu) >= self._threshold:
                return True
        for m in matched:
            _, mu = self._earlier[m.key]
            if _nests(eu.path, span, mu.path, (mu.start_line, mu.end_line)):
                continue
            if self._sh.similarity(mu, eu) >= self._threshold:
                return True
        return False


# ---------------------------------------------------------------- the gate


def new_instances(cluster: Cluster, changed: Callable[[Instance], bool], history: History) -> tuple[Instance, ...]:
    """The changed instances of ``cluster`` that are new duplication (see the module docstring)."""
    fresh = [i for i in cluster.instances if changed(i)]
    if not fresh:
        return ()
    old = [i for i in cluster.instances if not changed(i)]
    # best first: the unit edited in place (same file and name), then the closest, then the same
    # name, then the same file; ties in a fixed order
    candidates = sorted(
        ((n, v) for n, inst in enumerate(fresh) for v in history.versions(inst, cluster)),
        key=lambda c: (
            (c[1].earlier.path, c[1].earlier.name) != (fresh[c[0]].path, fresh[c[0]].name),
            -c[1].closeness,
            c[1].earlier.name != fresh[c[0]].name,
            c[1].earlier.path != fresh[c[0]].path,
            fresh[c[0]].path,
            fresh[c[0]].start_line,
            c[1].earlier.key,
        ),
    )
    matched: dict[int, Earlier] = {}
    used: set[str] = set()
    progress = True
    while progress:  # a match may make an earlier-rejected candidate acceptable: go again from the best
        progress = False
        for n, v in candidates:
            if n in matched or v.earlier.key in used:
                continue
            if old or matched:
                if not history.was_copy(v.earlier, old, list(matched.values())):
                    continue
            elif not v.sure:
                continue
            matched[n] = v.earlier
            used.add(v.earlier.key)
            progress = True
            break
    return tuple(inst for n, inst in enumerate(fresh) if n not in matched)


def platform_for(rules: RuleSet | None, category: str | None, language: str) -> tuple[Platform, str | None] | None:
    """The platform declared for ``category`` and its package for ``language`` (None: no package there)."""
    if rules is None or category is None:
        return None
    for p in rules.platforms:
        if p.category == category:
            eco = ECOSYSTEMS.get(language, language)
            packages = p.packages.get(eco) or p.packages.get(language) or ()
            return p, (packages[0] if packages else None)
    return None


def _finding_fingerprint(inst: Instance, occurrence: int) -> str:
    raw = f"dupfinder/new-duplicate\0{inst.fingerprint}\0{inst.path}\0{occurrence}"
    return hashlib.blake2b(raw.encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()


def find_new(
    clusters: Iterable[Cluster],
    changed: Callable[[Instance], bool],
    history: History,
    similarity: Callable[[Instance, Instance], float],
    *,
    rules: RuleSet | None = None,
    fail_on: FailOn = FailOn(),
) -> tuple[Finding, ...]:
    """Findings for every new instance of ``clusters``, sorted by path and line.

    ``similarity(a, b)`` scores two instances of one cluster (the copy to reuse
    is the most similar old one).
    """
    raw: list[tuple[Instance, Cluster, tuple[Copy, ...]]] = []
    copies: list[Copy]
    for cluster in clusters:
        new = new_instances(cluster, changed, history)
        if not new:
            continue
        new_keys = {(i.path, i.start_line, i.end_line) for i in new}
        for inst in new:
            copies = [
                Copy(
                    other, round(similarity(inst, other), 4), (other.path, other.start_line, other.end_line) in new_keys
                )
                for other in cluster.instances
                if other is not inst
            ]
            copies.sort(key=lambda c: (c.new, -c.similarity, c.instance.path, c.instance.start_line))
            if copies:
                raw.append((inst, cluster, tuple(copies)))
    raw.sort(key=lambda r: (r[0].path, r[0].start_line, r[0].end_line, r[1].id))
    seen: Counter[tuple[str, str]] = Counter()
    out: list[Finding] = []
    for inst, cluster, found_copies in raw:
        occurrence = seen[(inst.path, inst.fingerprint)]
        seen[(inst.path, inst.fingerprint)] += 1
        found = platform_for(rules, cluster.category, inst.language)
        out.append(
            Finding(
                instance=inst,
                cluster=cluster,
                copies=found_copies,
                fingerprint=_finding_fingerprint(inst, occurrence),
                platform=found[0] if found else None,
                package=found[1] if found else None,
                fails=fail_on.met_by(inst, found_copies[0].similarity),
            )
        )
    return tuple(out)


def relocate(findings: Sequence[Finding], prefix: str) -> tuple[Finding, ...]:
    """Findings whose paths start with ``prefix`` (e.g. the scanned folder inside the repository)."""
    prefix = prefix.strip("/")
    if not prefix or prefix == ".":
        return tuple(findings)

    def move(i: Instance) -> Instance:
        return replace(i, path=f"{prefix}/{i.path}")

    out = []
    for f in findings:
        cluster = replace(f.cluster, instances=tuple(move(i) for i in f.cluster.instances))
        copies = tuple(replace(c, instance=move(c.instance)) for c in f.copies)
        out.append(replace(f, instance=move(f.instance), cluster=cluster, copies=copies))
    return tuple(out)


def cluster_ids(findings: Iterable[Finding]) -> tuple[ClusterId, ...]:
    return tuple(sorted({f.cluster.id for f in findings}))


# ---------------------------------------------------------------- wording shared by the CI reporters


def where(inst: Instance) -> str:
    """``path:start-end `name` [team]``."""
    name = f" `{inst.name}`" if inst.name else ""
    team = f" [{inst.team}]" if inst.team else ""
    return f"{inst.path}:{inst.start_line}-{inst.end_line}{name}{team}"


def headline(f: Finding) -> str:
    """One line: what the new copy is and what it duplicates."""
    inst = f.instance
    what = f"`{inst.name}`" if inst.name else "new code"
    existing = sum(1 for c in f.copies if not c.new)
    if existing:
        copies = f"{existing} existing cop{'y' if existing == 1 else 'ies'}"
        return f"{what} ({inst.lines} lines) duplicates {copies}"
    times = f"{len(f.copies)} more time{'s' if len(f.copies) > 1 else ''}"
    return f"{what} ({inst.lines} lines) is copied {times} in this change"


def reuse_hint(f: Finding) -> str:
    """What to reuse instead: the closest existing copy, and the platform package when there is one."""
    r = f.reuse
    verb = "reuse" if not r.new else "share one copy with"
    text = f"{verb} {where(r.instance)} (similarity {r.similarity:.2f})"
    hint = platform_hint(f)
    return f"{text}; {hint}" if hint else text


def platform_hint(f: Finding) -> str:
    if f.platform is None:
        return ""
    what = f"`{f.package}`" if f.package else f"`{f.platform.id}`"
    return f"the {f.platform.category} platform {what} provides this"


__all__ = [
    "Copy",
    "Earlier",
    "FailOn",
    "Finding",
    "GateReport",
    "History",
    "Measure",
    "RevisionHistory",
    "Version",
    "find_new",
    "headline",
    "instance_key",
    "new_instances",
    "platform_for",
    "relocate",
    "reuse_hint",
    "where",
]
