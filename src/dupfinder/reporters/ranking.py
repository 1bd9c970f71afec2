"""Text ranking of platform opportunities: what the platform team should build next.

One block per opportunity, fields wrapped (never cut) at :data:`WIDTH` columns::

    #1  auth: 6 teams, 8 copies, 250 lines, score 64.85
        teams        billing-team, data-team, growth-team, merchant-team, partners-team,
                     support-team
        partner with billing-team, data-team, growth-team
        top copies   services/billing/billing/auth.py:22, services/reporting/reporting/auth.py:23,
                     services/loyalty/loyalty/auth.py:21 (and 4 more)
        evidence     names: authenticate, log_in, login; identifiers: authenticate, login, password
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import TextIO

from dupfinder.model import Cluster, ClusterId, Opportunity, ReportOptions, ScanResult
from dupfinder.model.report import DEFAULT_OPTIONS
from dupfinder.opportunities.graph import team_label
from dupfinder.reporters.common import opportunity_label

WIDTH = 100  #: columns of the wrapped fields
TOP_COPIES = 3  #: copies named per opportunity (one per team first, best evidence first)
_INDENT = " " * 4
_FIELD = 13  #: width of the field names
EVIDENCE_UNITS = 3  #: units of each team's own evidence shown per opportunity


def top_evidence(opportunity: Opportunity, clusters: Mapping[ClusterId, Cluster]) -> str:
    """The strongest evidence lines of an opportunity's clusters (two at most), whole."""
    seen: list[str] = []
    for cid in opportunity.cluster_ids:
        for line in clusters[cid].evidence[:2] if cid in clusters else ():
            if line not in seen:
                seen.append(line)
    return "; ".join(seen[:2])


def top_copies(o: Opportunity, members: Sequence[Cluster], limit: int = TOP_COPIES) -> str:
    """``path:line`` of the best copies, a different team's each while teams last, and how many more.

    The copies are the opportunity's per-team evidence, or without any its clusters' instances.
    """
    copies = [(e.confidence, e.team, e.path, e.start_line) for e in o.evidence] or [
        (i.similarity, team_label(i.team), i.path, i.start_line) for c in members for i in c.instances
    ]
    ordered = sorted(copies, key=lambda c: (-c[0], c[1], c[2], c[3]))
    first: list[tuple[float, str, str, int]] = []
    teams: set[str] = set()
    for c in ordered:  # one per team first, then the rest by confidence
        if c[1] not in teams:
            teams.add(c[1])
            first.append(c)
    chosen = (first + [c for c in ordered if c not in first])[:limit]
    text = ", ".join(f"{path}:{line}" for _, _, path, line in chosen)
    more = len(copies) - len(chosen)
    return f"{text} (and {more} more)" if more > 0 else text


def own_evidence(o: Opportunity, limit: int = EVIDENCE_UNITS) -> list[str]:
    """A line per team of the opportunity: ``team: path:line name (kind)`` of its first ``limit`` units of
    evidence, and how many more (a platform's own code is no team's, as in ``o.teams``)."""
    lines = []
    for team in o.teams:
        mine = [e for e in o.evidence if e.team == team]
        if mine:
            shown = ", ".join(f"{e.path}:{e.start_line} {e.name or '-'} ({e.kind})" for e in mine[:limit])
            more = f" and {len(mine) - limit} more" if len(mine) > limit else ""
            lines.append(f"{team}: {shown}{more}")
    return lines


def _field(name: str, value: str) -> str:
    lead = _INDENT + name.ljust(_FIELD)
    return textwrap.fill(value, WIDTH, initial_indent=lead, subsequent_indent=" " * len(lead),
                         break_long_words=False, break_on_hyphens=False)  # fmt: skip


def _block(o: Opportunity, members: Sequence[Cluster], clusters: Mapping[ClusterId, Cluster]) -> str:
    head = (f"#{o.rank}  {opportunity_label(o, members)}: {len(o.teams)} teams, {o.instances} copies, "
            f"{o.lines} lines, score {o.score:.2f}")  # fmt: skip
    fields = [("teams", ", ".join(o.teams)), ("partner with", ", ".join(o.pioneers)),
              ("top copies", top_copies(o, members))]  # fmt: skip
    own = [_field("own code" if k == 0 else "", line) for k, line in enumerate(own_evidence(o))]
    evidence = top_evidence(o, clusters)
    shown = [*(_field(n, v) for n, v in fields if v), *own, *([_field("evidence", evidence)] if evidence else [])]
    return "\n".join([head, *shown]) + "\n"


def write(result: ScanResult, out: TextIO, options: ReportOptions = DEFAULT_OPTIONS) -> None:
    clusters = {c.id: c for c in result.clusters}
    if not result.opportunities:
        out.write("no platform opportunities: no code is copied across teams\n")
    else:
        blocks = []
        for o in result.opportunities:
            members = [clusters[cid] for cid in o.cluster_ids if cid in clusters]
            blocks.append(_block(o, members, clusters))
        out.write("\n".join(blocks))
    if result.team_cleanups:
        lines = sum(t.lines for t in result.team_cleanups)
        out.write(f"\nteam clean-ups (copies within one team, not ranked): {len(result.team_cleanups)} teams,"
                  f" {lines} lines\n")  # fmt: skip
    if result.test_support:
        lines = sum(t.lines for t in result.test_support)
        out.write(f"shared test support (not ranked; --include-tests ranks it): {len(result.test_support)} groups,"
                  f" {lines} lines\n")  # fmt: skip
    if result.adoption:
        out.write("\nplatform adoption:\n")
        for a in result.adoption:
            own = ", ".join(a.rolling_their_own) or "none"
            out.write(
                f"  {a.platform} ({a.category}): {a.rate:.0%} adopted by {len(a.adopters)} teams; "
                f"rolling their own: {own}\n"
            )
