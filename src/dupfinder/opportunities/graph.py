"""The teams x clusters graph.

A bipartite :class:`networkx.Graph`:

* team nodes ``("team", name)`` with ``bipartite=0``; copies whose team is
  ``None`` go to one node named :data:`UNOWNED` -- unowned code stays visible
  and counts as one (unknown) team;
* cluster nodes ``("cluster", id)`` with ``bipartite=1`` and attributes
  ``category``, ``lines`` and ``instances``;
* an edge for every team with copies in a cluster, ``weight`` = that team's
  duplicated lines in the cluster, defined as **the lines of that team's copies**
  (the code the team wrote and maintains; it is what consolidating would take off
  its hands), and ``copies`` = how many copies it owns there.

:func:`team_projection` projects onto the teams with
``networkx.algorithms.bipartite.weighted_projected_graph``: two teams are linked
when they hold copies in the same clusters, ``weight`` = the number of clusters
they share. A team's weighted degree there says how many other teams' copies
resemble its own.

Cost: building is O(copies); the projection is O(sum over clusters of teams^2).
Nodes and edges are added in sorted order, so iteration order is reproducible.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Final, TypeAlias

from dupfinder.model import Cluster, ClusterId

#: A node: ("team", name) or ("cluster", id).
Node: TypeAlias = tuple[str, str]
if TYPE_CHECKING:
    import networkx as nx

    #: The graph type (generic only for the type checker; networkx is not subscriptable at run time).
    Graph: TypeAlias = nx.Graph[Node]

#: Name of the team node that collects copies nobody owns.
UNOWNED: Final = "(unowned)"

TEAMS: Final = 0  #: ``bipartite`` attribute of team nodes
CLUSTERS: Final = 1  #: ``bipartite`` attribute of cluster nodes


def team_label(team: str | None) -> str:
    """The team name shown for an instance's team (``None`` -> :data:`UNOWNED`)."""
    return UNOWNED if team is None else team


def team_node(name: str) -> Node:
    return ("team", name)


def cluster_node(cluster_id: ClusterId | str) -> Node:
    return ("cluster", str(cluster_id))


def team_lines(cluster: Cluster) -> dict[str, tuple[int, int]]:
    """team label -> (lines of its copies, number of its copies) in ``cluster``."""
    out: dict[str, tuple[int, int]] = {}
    for inst in cluster.instances:
        label = team_label(inst.team)
        lines, copies = out.get(label, (0, 0))
        out[label] = (lines + inst.lines, copies + 1)
    return out


def build_graph(clusters: Iterable[Cluster]) -> Graph:
    """The bipartite teams x clusters graph; see the module docstring."""
    import networkx as nx  # here: the CI gate's commands never build the graph, and it takes 0.1 s to import

    g: Graph = nx.Graph()
    edges: list[tuple[str, str, int, int]] = []
    teams: set[str] = set()
    for cluster in sorted(clusters, key=lambda c: c.id):
        g.add_node(
            cluster_node(cluster.id),
            bipartite=CLUSTERS,
            category=cluster.category,
            lines=cluster.lines,
            instances=len(cluster.instances),
        )
        for team, (lines, copies) in sorted(team_lines(cluster).items()):
            teams.add(team)
            edges.append((team, cluster.id, lines, copies))
    for team in sorted(teams):
        g.add_node(team_node(team), bipartite=TEAMS)
    for team, cid, lines, copies in edges:
        g.add_edge(team_node(team), cluster_node(cid), weight=lines, copies=copies)
    return g


def team_nodes(graph: Graph) -> list[Node]:
    """The team nodes of ``graph``, sorted."""
    return sorted(n for n, d in graph.nodes(data=True) if d.get("bipartite") == TEAMS)


def team_projection(graph: Graph) -> Graph:
    """Teams linked by the clusters they share (``weight`` = number of shared clusters)."""
    from networkx.algorithms import bipartite

    return bipartite.weighted_projected_graph(graph, team_nodes(graph))


__all__ = [
    "CLUSTERS",
    "TEAMS",
    "UNOWNED",
    "Node",
    "build_graph",
    "cluster_node",
    "team_label",
    "team_lines",
    "team_node",
    "team_nodes",
    "team_projection",
]
