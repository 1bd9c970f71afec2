"""Enrichment: teams and categories on a scan result, then opportunities and adoption.

:func:`enrich` is a pure function of its inputs. It returns a new
:class:`~dupfinder.model.ScanResult` (``dataclasses.replace``; nothing is
mutated) in which

* every parsed file has a team in ``file_teams`` (``None`` when unowned -- the
  file stays listed, never dropped) and every instance carries its file's team;
* every cluster has its ``category`` (or ``None``) from :func:`~dupfinder.rules.categorize`;
* every cluster has its ``code_kind`` (:mod:`dupfinder.rules.kinds`): clusters of test,
  example, benchmark or generated code go to ``test_support`` (grouped by their teams) and
  are never ranked, unless ``include_tests``; vendored code (another project's copy) goes there
  even then, and is never in the capability map; of the rest, clusters whose copies all belong
  to one team go to ``team_cleanups`` (by team): consolidating them is that team's job, not
  a platform's;
* ``opportunities`` are ranked from the teams x clusters graph of the remaining cross-team clusters
  (:mod:`dupfinder.opportunities.graph`, :mod:`dupfinder.opportunities.rank`), optionally using ``churn``
  (path -> commits, e.g. from :func:`dupfinder.ownership.churn.git_churn`); the declared
  platforms' own code (``paths`` in the rules) is never a pioneer;
* ``adoption`` measures every platform declared in the rules.

Cost: one :meth:`~dupfinder.ownership.resolver.TeamResolver.resolve` per distinct file, one
:func:`~dupfinder.rules.categorize` per cluster, then ranking (see
:mod:`dupfinder.opportunities.rank`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import NamedTuple

from dupfinder.model import Cluster, ClusterId, Opportunity, ScanResult, TeamCleanup, TestSupport, Unit
from dupfinder.opportunities.capabilities import (
    MapSettings,
    capability_map,
    capability_opportunities,
    capability_rows,
    team_capabilities,
    titled,
    without_adopters,
)
from dupfinder.opportunities.graph import build_graph, team_label
from dupfinder.opportunities.rank import compute_adoption, merge_ranked, rank_opportunities
from dupfinder.ownership.resolver import TeamResolver
from dupfinder.rules import Evidence, RuleSet, categorize, categorize_copies, platform_owning_path
from dupfinder.rules.kinds import PRODUCTION, VENDORED, KindMatcher
from dupfinder.support.progress import Progress, stage


def _evidence_lines(evidence: Evidence) -> tuple[str, ...]:
    """The matched vocabulary as short human-readable lines, strongest kind first."""
    parts = (
        ("names", evidence.names),
        ("calls", evidence.calls),
        ("identifiers", evidence.identifiers),
        ("imports", evidence.imports),
    )
    return tuple(f"{kind}: {', '.join(sorted(items)[:6])}" for kind, items in parts if items)


CategoryMatch = tuple[str | None, float, Evidence]
#: fewer clusters to categorise than this are done in this process (a pool costs more than it saves)
_PARALLEL_CATEGORIES = 500


class _Sketch(NamedTuple):
    """What categorisation reads of a copy (small, and fast to pickle for a worker)."""

    name: str | None
    identifiers: tuple[str, ...]
    calls: tuple[str, ...]
    imports: tuple[str, ...]


def _categorize_sketches(rules: RuleSet, chunk: Sequence[Sequence[_Sketch]]) -> list[CategoryMatch]:
    """On a worker: the categories of clusters given as the sketches of their copies."""
    return [categorize_copies(copies, rules) for copies in chunk]


def _categorize_all(clusters: Sequence[Cluster], rules: RuleSet, jobs: int) -> list[CategoryMatch]:
    """:func:`categorize` of every cluster, on ``jobs`` local processes when there are many.

    The workers get the rules once and chunks of clusters as plain tuples of what categories read
    (names, identifiers, calls, imports: small, and fast to pickle); results keep the clusters'
    order, so the output does not depend on ``jobs``.  They start from a fork server, not as forks
    of this process, which by now holds the whole scan: forked, each wrote private copies of about
    90 MB of the heap it inherited, and this stage was the cold scan's peak of memory.
    """
    if jobs <= 1 or len(clusters) < _PARALLEL_CATEGORIES:
        return [categorize(c, rules) for c in clusters]
    from dupfinder.executors import LocalExecutor

    sketches = [[_Sketch(i.name, i.identifiers, i.calls, i.imports) for i in c.instances] for c in clusters]
    step = -(-len(sketches) // (4 * jobs))
    chunks = [sketches[k : k + step] for k in range(0, len(sketches), step)]
    pool = LocalExecutor(jobs, start="forkserver")
    try:
        return [found for part in pool.map_shared(_categorize_sketches, rules, chunks) for found in part]
    finally:
        pool.close()


def _categories(
    clusters: Sequence[Cluster], rules: RuleSet, cache_dir: str | None, jobs: int = 1
) -> list[CategoryMatch]:
    if cache_dir is None or not clusters:
        return _categorize_all(clusters, rules, jobs)
    from dupfinder.cache import Cache, CategoryCache

    cache = Cache(cache_dir)
    try:
        store = CategoryCache(cache, rules.categories)
        keys = [store.key(c) for c in clusters]
        known = store.get(keys)
        missing = [k for k, key in enumerate(keys) if key not in known]
        found = _categorize_all([clusters[k] for k in missing], rules, jobs)
        store.put([(keys[k], cat) for k, cat in zip(missing, found, strict=True)])
        fresh = dict(zip(missing, found, strict=True))
        return [known[key] if k not in fresh else fresh[k] for k, key in enumerate(keys)]
    finally:
        cache.close()


def owned(clusters: Sequence[Cluster], file_teams: Mapping[str, str | None]) -> list[Cluster]:
    """``clusters`` whose instances carry their file's team."""
    return [replace(c, instances=tuple(replace(i, team=file_teams[i.path]) for i in c.instances)) for c in clusters]


def categorised(
    clusters: Sequence[Cluster], rules: RuleSet, cache_dir: str | None = None, jobs: int = 1
) -> list[Cluster]:
    """``clusters`` with their category, its confidence and the evidence it was matched on."""
    return [
        replace(
            c,
            category=category,
            category_confidence=round(confidence, 4) if category else 0.0,
            evidence=_evidence_lines(evidence) if category else (),
        )
        for c, (category, confidence, evidence) in zip(
            clusters, _categories(clusters, rules, cache_dir, jobs), strict=True
        )
    ]


def kinded(clusters: Sequence[Cluster], matcher: KindMatcher) -> list[Cluster]:
    """``clusters`` with their ``code_kind``."""
    return [replace(c, code_kind=matcher.cluster_kind(c)) for c in clusters]


def split(
    clusters: Sequence[Cluster], include_tests: bool = False
) -> tuple[list[Cluster], tuple[TeamCleanup, ...], tuple[TestSupport, ...]]:
    """The clusters to rank, the team clean-ups and the test support (see the module docstring)."""
    ranked: list[Cluster] = []
    cleanups: dict[str, list[Cluster]] = {}
    support: dict[tuple[str, tuple[str, ...]], list[Cluster]] = {}
    for c in sorted(clusters, key=lambda c: c.id):
        teams = tuple(sorted({team_label(i.team) for i in c.instances}))
        if c.code_kind == VENDORED or (c.code_kind != PRODUCTION and not include_tests):
            support.setdefault((c.code_kind, teams), []).append(c)
        elif len(teams) == 1:
            cleanups.setdefault(teams[0], []).append(c)
        else:
            ranked.append(c)

    def ids(members: Sequence[Cluster]) -> tuple[ClusterId, ...]:
        return tuple(m.id for m in members)

    team_cleanups = sorted(
        (TeamCleanup(team, ids(m), sum(c.lines for c in m)) for team, m in cleanups.items()),
        key=lambda t: (-t.lines, t.team),
    )
    test_support = sorted(
        (TestSupport(teams, ids(m), sum(c.lines for c in m), kind) for (kind, teams), m in support.items()),
        key=lambda t: (-len(t.teams), -t.lines, t.code_kind, t.teams),
    )
    return ranked, tuple(team_cleanups), tuple(test_support)


def not_covered(found: Sequence[Opportunity], clone_opps: Sequence[Opportunity]) -> list[Opportunity]:
    """Capability opportunities that say more than the clone opportunities: one whose teams all
    appear in a clone opportunity it shares a clone cluster with repeats it, and is left out."""
    of_cluster = {cid: set(o.teams) for o in clone_opps for cid in o.cluster_ids}
    return [o for o in found if not any(set(o.teams) <= of_cluster.get(cid, set()) for cid in o.cluster_ids)]


def enrich(
    result: ScanResult,
    resolver: TeamResolver,
    rules: RuleSet,
    churn: Mapping[str, int] | None = None,
    cache_dir: str | None = None,
    jobs: int = 1,
    include_tests: bool = False,
    units: Sequence[Unit] = (),
    map_settings: MapSettings | None = None,
    progress: Progress | None = None,
    copied: frozenset[str] = frozenset(),
) -> ScanResult:
    """A copy of ``result`` with teams, categories, opportunities and adoption filled in.

    ``cache_dir``: the scan's cache folder, where each cluster's category is remembered by the
    copies' names, identifiers, calls and imports (so a rescan categorises only changed clusters);
    ``jobs``: local processes for categorising many clusters; ``map_settings``: how the
    capability map groups ``units`` (default :class:`~dupfinder.opportunities.capabilities.MapSettings`);
    ``progress``: told of each stage; ``copied``: folders of vendored code found on disk
    (:func:`~dupfinder.rules.kinds.copied_folders`).
    """
    paths = set(result.file_imports) | {i.path for c in result.clusters for i in c.instances} | {u.path for u in units}
    with stage(progress, "teams"):
        file_teams = {path: att.team for path, att in resolver.resolve_all(paths).items()}
    with stage(progress, "categories"):
        matcher = KindMatcher(rules, copied)
        clusters = kinded(categorised(owned(result.clusters, file_teams), rules, cache_dir, jobs), matcher)
    ranked, team_cleanups, test_support = split(clusters, include_tests)
    graph = build_graph(ranked)

    def platform_code(path: str) -> bool:
        return platform_owning_path(path, rules) is not None

    languages = {i.path: i.language for c in clusters for i in c.instances}
    production = [c for c in clusters if c.code_kind == PRODUCTION or (include_tests and c.code_kind != VENDORED)]
    with stage(progress, "capabilities"):
        mapped = without_adopters(titled(
            capability_map(
                [u for u in units
                 if (include_tests and matcher.kind(u.path) != VENDORED)
                 or (matcher.kind(u.path) == PRODUCTION and not platform_code(u.path))],
                lambda path: team_label(file_teams.get(path)),
                map_settings,
            ),
            rules,
        ), rules)  # fmt: skip
    implementers: dict[str, set[str]] = {}
    for cap in mapped:
        if cap.category is not None:
            implementers.setdefault(cap.category, set()).update(team_capabilities(cap, map_settings))
    with stage(progress, "opportunities"):
        clone_opps = rank_opportunities(ranked, graph, churn=churn, platform_code=platform_code)
        found = merge_ranked(
            clone_opps, not_covered(capability_opportunities(mapped, ranked, churn, map_settings), clone_opps)
        )
        adoption = compute_adoption(
            production, result.file_imports, file_teams, rules, languages=languages, implementers=implementers
        )
    return replace(
        result,
        clusters=tuple(clusters),
        file_teams=file_teams,
        opportunities=found,
        capabilities=capability_rows(mapped),
        adoption=adoption,
        team_cleanups=team_cleanups,
        test_support=test_support,
    )


__all__ = ["categorised", "enrich", "kinded", "owned", "split"]
