"""Text ranking of platform opportunities: what the platform team should build next.

#  category     teams  copies  lines  score  pioneers             evidence
1  auth             6       8    250  64.85  billing-team, ...    names: login, session; calls: bcrypt.checkpw
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TextIO

from dupfinder.model import Cluster, ClusterId, Opportunity, ReportOptions, ScanResult
from dupfinder.model.report import DEFAULT_OPTIONS

EVIDENCE_CHARS = 70


#: units of each team's evidence shown per opportunity
EVIDENCE_UNITS = 3


def top_evidence(opportunity: Opportunity, clusters: Mapping[ClusterId, Cluster]) -> str:
    """The strongest evidence lines of an opportunity's clusters, shortened."""
    seen: list[str] = []
    for cid in opportunity.cluster_ids:
        for line in clusters[cid].evidence[:2] if cid in clusters else ():
            if line not in seen:
                seen.append(line)
    text = "; ".join(seen[:2])
    return text if len(text) <= EVIDENCE_CHARS else text[: EVIDENCE_CHARS - 3] + "..."


def write(result: ScanResult, out: TextIO, options: ReportOptions = DEFAULT_OPTIONS) -> None:
    clusters = {c.id: c for c in result.clusters}
    if not result.opportunities:
        out.write("no platform opportunities: no code is copied across teams\n")
    else:
        rows = [("#", "category", "teams", "copies", "lines", "score", "pioneers", "evidence")]
        for o in result.opportunities:
            rows.append((
                str(o.rank), o.category or o.label or "(uncategorised)", str(len(o.teams)), str(o.instances),
                str(o.lines),
                f"{o.score:.2f}", ", ".join(o.pioneers) or "-", top_evidence(o, clusters) or "-",
            ))  # fmt: skip
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        numeric = {0, 2, 3, 4, 5}
        for r in rows:
            cells = [c.rjust(w) if i in numeric else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))]
            out.write("  ".join(cells).rstrip() + "\n")
        evidenced = [o for o in result.opportunities if o.evidence]
        if evidenced:
            out.write("\nteams' own evidence (path:line name, kind):\n")
        for o in evidenced:
            out.write(f"  #{o.rank} {o.label or o.category or '(uncategorised)'}\n")
            for team in sorted({e.team for e in o.evidence}):
                mine = [e for e in o.evidence if e.team == team]
                shown = ", ".join(f"{e.path}:{e.start_line} {e.name or '-'} ({e.kind})" for e in mine[:EVIDENCE_UNITS])
                more = f" and {len(mine) - EVIDENCE_UNITS} more" if len(mine) > EVIDENCE_UNITS else ""
                out.write(f"    {team}: {shown}{more}\n")
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
