"""Text report: clusters as compiler-style diagnostics with a short excerpt.

services/identity/auth.py:12:1: duplicate: 3 copies of `authenticate_user` (similarity 0.91, 3 teams)
   12 | def authenticate_user(username, password):
   13 |     ...
  = also at services/billing/login.py:30-58 [billing] (similarity 0.95)
"""

from __future__ import annotations

import io
import re
from typing import TextIO

from dupfinder.model import Cluster, ClusterHistory, ReportOptions, ScanResult
from dupfinder.model.report import DEFAULT_OPTIONS
from dupfinder.reporters.common import opportunity_label

EXCERPT_LINES = 6

#: Control characters (terminal escape sequences) and bidirectional overrides
#: from scanned code, unit names or file names must not reach a terminal raw.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    return match.group().encode("unicode_escape").decode("ascii")


def _label(c: Cluster) -> str:
    rep = c.instances[0].name
    team = f" [{c.instances[0].team}]" if c.instances[0].team else ""
    others = len(c.instances) - 1
    if rep is None:
        return f"{len(c.instances)} copies of similar code"
    return f"`{rep}`{team} and {others} similar"


def _history_line(h: ClusterHistory) -> str:
    """One line of a cluster's history (``scan --history``)."""
    origin = next((f for f in h.first_seen if f.instance is h.origin), None)
    parts = []
    if origin is not None:
        o = origin.instance
        parts.append(f"origin {o.path}:{o.start_line}-{o.end_line}, first seen {origin.commit.sha[:12]} "
                     f"{origin.commit.date[:10]}")  # fmt: skip
    parts.append("copies " + " -> ".join(str(c.copies) for c in h.copies_over_time))
    if h.divergent_fixes:
        commits = ", ".join(f.commit.sha[:12] for f in h.divergent_fixes)
        parts.append(f"{len(h.divergent_fixes)} fixed in one place only ({commits})")
    return "  history: " + "; ".join(parts) + "\n"


def _cluster(c: Cluster, out: TextIO, history: ClusterHistory | None = None) -> None:
    rep = c.instances[0]
    teams = sorted({i.team for i in c.instances if i.team})
    team_part = f", {len(teams)} team{'s' if len(teams) != 1 else ''}" if teams else ""
    cat = f" [{c.category}]" if c.category else ""
    out.write(
        f"{rep.path}:{rep.start_line}:1: duplicate{cat}: {_label(c)} "
        f"({c.lines} lines, similarity {c.similarity:.2f}{team_part}) id={c.id}\n"
    )
    code_lines = rep.code.split("\n") if rep.code else []
    width = len(str(rep.start_line + EXCERPT_LINES))
    for n, line in enumerate(code_lines[:EXCERPT_LINES]):
        out.write(f"  {rep.start_line + n:>{width}} | {line.rstrip()}\n")
    if len(code_lines) > EXCERPT_LINES:
        out.write(f"  {'':>{width}} | ... ({len(code_lines) - EXCERPT_LINES} more lines)\n")
    for inst in c.instances[1:]:
        team = f" [{inst.team}]" if inst.team else ""
        name = f" `{inst.name}`" if inst.name else ""
        where = f"{inst.path}:{inst.start_line}-{inst.end_line}"
        out.write(f"  = also at {where}{name}{team} (similarity {inst.similarity:.2f})\n")
    if history is not None and history.first_seen:
        out.write(_history_line(history))
    out.write("\n")


def write(result: ScanResult, out: TextIO, options: ReportOptions = DEFAULT_OPTIONS) -> None:
    buf = io.StringIO()
    _write(result, buf)
    out.write(_UNSAFE.sub(_escape, buf.getvalue()))


def _write(result: ScanResult, out: TextIO) -> None:
    histories = {h.cluster_id: h for h in result.history.clusters} if result.history is not None else {}
    for c in result.clusters:
        _cluster(c, out, histories.get(c.id))
    for o in result.opportunities[:10]:
        if o.rank == 1:
            out.write("platform opportunities:\n")
        out.write(
            f"  #{o.rank} {opportunity_label(o, ())}: {len(o.teams)} teams, {o.instances} copies, "
            f"{o.lines} lines, score {o.score:.2f}\n"
        )
    if result.opportunities:
        out.write("\n")
    for s in result.stats.skipped:
        out.write(f"{s.path}: skipped: {s.reason}\n")
    if result.history is not None:
        h = result.history
        fixes = sum(len(c.divergent_fixes) for c in h.clusters)
        out.write(f"history: {h.repo} at {h.tip[:12]}, {h.commits} commits walked, {fixes} fixed in one place only\n")
        for line in h.skipped:
            out.write(f"history: {line}\n")
    st = result.stats
    dup_lines = sum(c.lines for c in result.clusters)
    out.write(
        f"dupfinder: {len(result.clusters)} clusters, {dup_lines} lines in copies; scanned {st.files} files, "
        f"{st.units} units, {st.lines} lines; {len(st.skipped)} skipped\n"
    )
