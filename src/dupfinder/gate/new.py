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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

from dupfinder.errors import DupfinderError
from dupfinder.gate.history import History
from dupfinder.model import Cluster, Earlier, FailOn, Finding, Inconsistent, Instance, RuleSet, Sibling
from dupfinder.rules.platforms import platform_for

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
    raw: list[tuple[Instance, Cluster, tuple[Sibling, ...]]] = []
    copies: list[Sibling]
    for cluster in clusters:
        new = new_instances(cluster, changed, history)
        if not new:
            continue
        new_keys = {(i.path, i.start_line, i.end_line) for i in new}
        for inst in new:
            copies = [
                Sibling(
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


def relocate_inconsistent(found: Sequence[Inconsistent], prefix: str) -> tuple[Inconsistent, ...]:
    """:func:`relocate` for inconsistent changes."""
    prefix = prefix.strip("/")
    if not prefix or prefix == ".":
        return tuple(found)

    def move(i: Instance) -> Instance:
        return replace(i, path=f"{prefix}/{i.path}")

    out = []
    for f in found:
        cluster = replace(f.cluster, instances=tuple(map(move, f.cluster.instances)))
        out.append(replace(f, instance=move(f.instance), cluster=cluster, changed=tuple(map(move, f.changed)),
                           not_changed=tuple(map(move, f.not_changed))))  # fmt: skip
    return tuple(out)


def parse_fail_on(spec: str) -> FailOn:
    """``lines=N,similarity=X,inconsistent`` (any part may be left out)."""
    lines, similarity, inconsistent = 0, 0.0, False
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        if part.lower() == "inconsistent":
            inconsistent = True
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
                raise DupfinderError(
                    f"--fail-on: unknown limit {key!r} (use lines=N, similarity=X and/or inconsistent)"
                )
        except ValueError:
            raise DupfinderError(
                f"--fail-on: bad limit {part!r} (expected lines=N with N >= 0, or similarity=X with X in [0, 1])"
            ) from None
    return FailOn(lines, similarity, inconsistent)
