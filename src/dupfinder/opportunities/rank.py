"""Platform opportunities and platform adoption.

Opportunities (:func:`rank_opportunities`)
    Clusters of the same category form one opportunity, across languages and
    repositories: "login" written in Python by three teams and in TypeScript by
    two is one problem solved five times. A cluster without a category is an
    opportunity of its own (``category=None``): nothing says two uncategorised
    clusters solve the same problem, and lumping them together would make one
    meaningless "miscellaneous" opportunity that wins on sheer size.

    The score is a sum of parts, each shown in ``why`` (``score_*``) beside the
    counts it comes from::

        score = 10 * (teams - 1)                 # fragmentation across teams: dominant
              +  2 * log2(1 + instances)         # how many times it was written
              +  1 * log2(1 + duplicated_lines)  # code that would go away
              +  2 * (repositories - 1)          # spread: needs a shared package, not a module
              +  1 * (languages - 1)             # spread: needs more than one SDK or a service
              +  1 * log2(1 + churn)             # commits touching the copies, when history is given

    ``teams`` counts distinct owning teams of the copies outside a declared platform's own
    ``paths`` (the platform's code is the platform, not a team rolling its own -- the rule
    adoption follows, so both count the same teams); unowned copies count as one more
    team (:data:`~dupfinder.opportunities.graph.UNOWNED`, someone wrote them). Ten points per
    extra team make team count dominant: a size advantage (counted on log
    scales) overturns one team of difference only for much larger problems,
    never two. ``repositories`` are the distinct ``root`` values of the copies
    (a scanned root or a git repository). Parts are rounded to 3 decimals and
    summed, so scores are reproducible. Order: score descending, then category
    (uncategorised last), then first cluster id; ranks start at 1.

    Pioneers -- the teams to partner with first -- are the teams (never the
    unowned bucket) ranked by their weighted degree in the opportunity's team
    projection (how many other teams' copies resemble theirs), then the lines of
    their copies, then the churn of their copies (actively maintained code), then
    name; the first ceil(owned teams / 2), at most 3, are suggested. Copies that
    are a declared platform's own code (``platform_code``) count in the score --
    they are copies too, and ``why["platform_instances"]`` says how many -- but
    never make their team a pioneer: the platform team is who the pioneers
    partner *with*.

Adoption (:func:`adoption`)
    For each platform in the rules: *adopters* are the teams owning any file that
    imports one of its packages; *rolling their own* are the teams owning copies
    in clusters of its category. A team in both lists (it imports the platform
    but still keeps copies) is shown in both and counts as an adopter.
    ``rate = adopters / (adopters | rolling_their_own)``, 0.0 when no team has
    code in the category. Files under the platform's own ``paths`` are the
    platform itself and count for neither list.

Cost: O(copies + clusters log clusters) for grouping and scoring, plus the
team projection of each opportunity (O(teams^2 x clusters) at worst);
adoption is O(files x imports x packages + copies).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from dupfinder.model import Adoption, Cluster, Instance, Opportunity, ScanResult, TeamEvidence
from dupfinder.opportunities.graph import UNOWNED, build_graph, cluster_node, team_label, team_node
from dupfinder.rules import RuleSet, is_platform_code, platform_matches_import

if TYPE_CHECKING:
    from dupfinder.opportunities.graph import Graph

#: How the score is computed, shown in ``why["formula"]``.
FORMULA = (
    "10*(teams-1) + 2*log2(1+instances) + log2(1+duplicated_lines) + 2*(repositories-1) + (languages-1) + log2(1+churn)"
)
MAX_PIONEERS = 3


@dataclass(frozen=True, slots=True)
class ScoreWeights:
    """Multipliers of the score's parts (the defaults are the documented formula)."""

    teams: float = 10.0
    instances: float = 2.0
    duplicated_lines: float = 1.0
    repositories: float = 2.0
    languages: float = 1.0
    churn: float = 1.0


def _group(clusters: Sequence[Cluster]) -> list[tuple[str | None, list[Cluster]]]:
    by_category: dict[str, list[Cluster]] = {}
    alone: list[tuple[str | None, list[Cluster]]] = []
    for c in clusters:
        if c.category is None:
            alone.append((None, [c]))
        else:
            by_category.setdefault(c.category, []).append(c)
    groups: list[tuple[str | None, list[Cluster]]] = [(k, v) for k, v in by_category.items()]
    groups.extend(alone)
    return [(k, sorted(v, key=lambda c: c.id)) for k, v in groups]


def _churn_of(instances: Sequence[Instance], churn: Mapping[str, int]) -> int:
    return sum(churn.get(p, 0) for p in {i.path for i in instances})


def _pioneers(
    graph: Graph,
    teams: Sequence[str],
    members: Sequence[Cluster],
    churn: Mapping[str, int] | None,
    platform_code: Callable[[str], bool] | None,
) -> tuple[str, ...]:
    product = {
        team_label(i.team) for c in members for i in c.instances if platform_code is None or not platform_code(i.path)
    }
    owned = [t for t in teams if t != UNOWNED and t in product]
    if not owned:
        return ()
    # each team's weighted degree in the team projection of the members' part of the graph
    # (bipartite.weighted_projected_graph: an edge's weight is the clusters two teams share),
    # summed cluster by cluster: a cluster with k of these teams adds k - 1 to each of them
    present = {team_node(t) for t in teams}
    degree: dict[str, float] = dict.fromkeys(owned, 0.0)
    node_of = {team_node(t): t for t in owned}
    for c in members:
        node = cluster_node(c.id)
        if node not in graph:
            continue
        here = [n for n in graph[node] if n in present]
        for n in here:
            if n in node_of:
                degree[node_of[n]] += len(here) - 1
    lines: dict[str, int] = {t: 0 for t in owned}
    copies: dict[str, list[Instance]] = {t: [] for t in owned}
    for c in members:
        for inst in c.instances:
            label = team_label(inst.team)
            if label in lines and (platform_code is None or not platform_code(inst.path)):
                lines[label] += inst.lines
                copies[label].append(inst)
    maintained = {t: _churn_of(copies[t], churn) if churn else 0 for t in owned}
    ranked = sorted(owned, key=lambda t: (-degree[t], -lines[t], -maintained[t], t))
    k = min(MAX_PIONEERS, max(1, math.ceil(len(owned) / 2)))
    return tuple(ranked[:k])


def label_of(category: str | None, members: Sequence[Cluster]) -> str:
    """The category, or the names its copies are most often given (at most three)."""
    if category is not None:
        return category
    counts: dict[str, int] = {}
    for c in members:
        for i in c.instances:
            if i.name:
                counts[i.name] = counts.get(i.name, 0) + 1
    names = sorted(counts, key=lambda n: (-counts[n], n))[:3]
    return "similar code: " + (", ".join(names) if names else "unnamed blocks")


def evidence_of(members: Sequence[Cluster]) -> tuple[TeamEvidence, ...]:
    """Each team's copies in the members, as clone evidence (confidence: the cluster's weakest similarity)."""
    found = {
        (team_label(i.team), i.path, i.start_line, i.end_line): TeamEvidence(
            team=team_label(i.team), path=i.path, start_line=i.start_line, end_line=i.end_line, name=i.name,
            kind="clone", confidence=round(min(c.weakest, c.similarity), 4),
        )
        for c in members
        for i in c.instances
    }  # fmt: skip
    return tuple(found[k] for k in sorted(found))


def opportunity_teams(instances: Sequence[Instance], platform_code: Callable[[str], bool] | None) -> list[str]:
    """The teams that keep a copy, sorted: the rule adoption's "rolling their own" follows too.

    A copy under a declared platform's own ``paths`` is the platform itself, not a team's own
    copy: it counts as a copy, but its team counts only for the copies it keeps elsewhere
    (all copies count when every one is platform code).
    """
    own = [i for i in instances if platform_code is None or not platform_code(i.path)]
    return sorted({team_label(i.team) for i in own or instances})


def score_parts(
    instances: Sequence[Instance],
    members: Sequence[Cluster],
    churn: Mapping[str, int] | None = None,
    weights: ScoreWeights = ScoreWeights(),
    platform_code: Callable[[str], bool] | None = None,
) -> dict[str, float | int | str]:
    """The ``why`` of a group of clusters: counts, the points each earns, and the total ``score``."""
    teams = set(opportunity_teams(instances, platform_code))
    n = len(instances)
    duplicated = sum(c.duplicated_lines for c in members)
    repos = len({i.root for i in instances})
    languages = sorted({i.language for i in instances})
    why: dict[str, float | int | str] = {
        "teams": len(teams),
        "instances": n,
        "clusters": len(members),
        "lines": sum(c.lines for c in members),
        "duplicated_lines": duplicated,
        "repositories": repos,
        "languages": len(languages),
        "language_names": ", ".join(languages),
        "unowned_instances": sum(1 for i in instances if i.team is None),
    }
    if platform_code is not None:
        why["platform_instances"] = sum(1 for i in instances if platform_code(i.path))
    parts = {
        "score_teams": weights.teams * (len(teams) - 1),
        "score_instances": weights.instances * math.log2(1 + n),
        "score_duplicated_lines": weights.duplicated_lines * math.log2(1 + duplicated),
        "score_repositories": weights.repositories * (repos - 1),
        "score_languages": weights.languages * (len(languages) - 1),
    }
    if churn is not None:
        total = _churn_of(instances, churn)
        why["churn"] = total
        parts["score_churn"] = weights.churn * math.log2(1 + total)
    rounded = {k: round(v, 3) for k, v in parts.items()}
    why.update(rounded)
    why["score"] = round(sum(rounded.values()), 3)
    why["formula"] = FORMULA
    return why


def rank_opportunities(
    clusters: Sequence[Cluster],
    graph: Graph | None = None,
    *,
    churn: Mapping[str, int] | None = None,
    weights: ScoreWeights = ScoreWeights(),
    platform_code: Callable[[str], bool] | None = None,
) -> tuple[Opportunity, ...]:
    """Group categorised clusters into opportunities, score, sort and rank them (see the module docstring).

    ``graph`` is :func:`~dupfinder.opportunities.graph.build_graph` of the same clusters (built
    when not given); ``churn`` maps a path to the commits that touched it;
    ``platform_code`` tells whether a path is a declared platform's own code.
    """
    g = graph if graph is not None else build_graph(clusters)
    scored: list[tuple[tuple[float, bool, str, str], Opportunity]] = []
    for category, members in _group(clusters):
        instances = [i for c in members for i in c.instances]
        teams = opportunity_teams(instances, platform_code)
        why = score_parts(instances, members, churn, weights, platform_code)
        score = float(why["score"])
        opp = Opportunity(
            rank=0,
            category=category,
            teams=tuple(teams),
            cluster_ids=tuple(c.id for c in members),
            lines=sum(c.lines for c in members),
            score=score,
            why=why,
            pioneers=_pioneers(g, teams, members, churn, platform_code),
            instances=len(instances),
            label=label_of(category, members),
            evidence=evidence_of(members),
        )
        key = (-score, category is None, category or "", str(members[0].id))
        scored.append((key, opp))
    scored.sort(key=lambda s: s[0])
    return tuple(replace(o, rank=rank) for rank, (_, o) in enumerate(scored, start=1))


def merge_ranked(*ranked: Sequence[Opportunity]) -> tuple[Opportunity, ...]:
    """Opportunities of several rankings in one order (score descending, then label), ranked again from 1."""
    merged = sorted((o for r in ranked for o in r), key=lambda o: (-o.score, o.category is None, o.label, o.rank))
    return tuple(replace(o, rank=rank) for rank, o in enumerate(merged, start=1))


def compute_adoption(
    clusters: Sequence[Cluster],
    file_imports: Mapping[str, Sequence[str]],
    file_teams: Mapping[str, str | None],
    rules: RuleSet,
    *,
    languages: Mapping[str, str] | None = None,
    implementers: Mapping[str, Iterable[str]] | None = None,
) -> tuple[Adoption, ...]:
    """Adoption of every platform in ``rules`` (sorted by platform id); see the module docstring.

    ``languages`` maps a path to its language, to check only that ecosystem's
    package names; paths it does not know (default: the copies' languages) are
    checked against every ecosystem. ``implementers`` maps a category to the teams that
    implement it themselves by the capability map (teams with evidence of their own for a
    capability the category titles); they roll their own as much as a clone's copies do.
    """
    lang_of = dict(languages) if languages is not None else {i.path: i.language for c in clusters for i in c.instances}
    out: list[Adoption] = []
    for platform in rules.platforms:
        adopters: set[str] = set()
        for path, imports in sorted(file_imports.items()):
            if is_platform_code(platform, path):
                continue
            lang = lang_of.get(path)
            if any(platform_matches_import(platform, imp, lang) for imp in imports):
                adopters.add(team_label(file_teams.get(path)))
        rolling: set[str] = set()
        copies: set[tuple[str, str, int, int]] = set()
        for cluster in clusters:
            if cluster.category != platform.category:
                continue
            for inst in cluster.instances:
                if is_platform_code(platform, inst.path):
                    continue
                team = team_label(inst.team)
                rolling.add(team)
                copies.add((team, inst.path, inst.start_line, inst.end_line))
        rolling.update((implementers or {}).get(platform.category, ()))
        with_code = adopters | rolling
        rate = round(len(adopters) / len(with_code), 4) if with_code else 0.0
        out.append(
            Adoption(
                platform=platform.id,
                category=platform.category,
                adopters=tuple(sorted(adopters)),
                rolling_their_own=tuple(sorted(rolling)),
                rate=rate,
                copies=tuple(sorted(copies)),
            )
        )
    return tuple(out)


def adoption(result: ScanResult, rules: RuleSet) -> tuple[Adoption, ...]:
    """:func:`compute_adoption` on a scan result whose clusters and file teams are filled."""
    return compute_adoption(result.clusters, result.file_imports, result.file_teams, rules)


__all__ = [
    "FORMULA",
    "MAX_PIONEERS",
    "ScoreWeights",
    "adoption",
    "compute_adoption",
    "merge_ranked",
    "rank_opportunities",
    "score_parts",
]
