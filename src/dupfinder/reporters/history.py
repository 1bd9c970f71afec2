"""Each clone cluster's history (``dupfinder history``): text, JSON (the scan report plus ``history``) and Markdown.

Text::

    cluster 3f2a... (3 copies): origin services/billing/http.py:5-16 [billing], first seen 1a2b3c4d5e6f 2024-01-02
      services/billing/http.py:5-16 [billing]     first seen 1a2b3c4d5e6f 2024-01-02
      copies over time: 1 (1a2b3c4d5e6f), 3 (9f8e7d6c5b4a)
      fixed in one place only: 77aa88bb99cc 2024-03-01 "retry on 429": changed services/billing/http.py:5-16
        [billing]; not services/shipping/http.py:5-16 [shipping]

The JSON is the scan's report (schema ``dupfinder.report/1``) with a
``history`` object added to each cluster that has one; ``dupfinder scan`` and
``report`` without ``--history`` write no such field.
"""

from __future__ import annotations

from typing import Any, TextIO

from dupfinder.model import Commit, HistoryReport, Instance, ReportOptions
from dupfinder.model.report import DEFAULT_OPTIONS
from dupfinder.reporters.json import dumps, to_dict, with_history


def _where(i: Instance) -> str:
    team = f" [{i.team}]" if i.team else ""
    return f"{i.path}:{i.start_line}-{i.end_line}{team}"


def to_json(report: HistoryReport) -> dict[str, Any]:
    return with_history(to_dict(report.result), report.history)


def write_json(report: HistoryReport, out: TextIO, options: ReportOptions = DEFAULT_OPTIONS) -> None:
    out.write(dumps(to_json(report)) + "\n")


def _short(c: Commit) -> str:
    return f"{c.sha[:12]} {c.date[:10]}"


def write_text(report: HistoryReport, out: TextIO, options: ReportOptions = DEFAULT_OPTIONS) -> None:
    h = report.history
    n_fixes = sum(len(c.divergent_fixes) for c in h.clusters)
    noun = "cluster" if len(h.clusters) == 1 else "clusters"
    literal = sum(1 for c in h.clusters for f in c.divergent_fixes if f.kind == "literal")
    apart = f" ({literal} of them string literals only)" if literal else ""
    out.write(f"{h.repo} at {h.tip[:12]}: {len(h.clusters)} {noun}, {h.commits} commits walked, "
              f"{n_fixes} fixed in one place only{apart}\n")  # fmt: skip
    for c in h.clusters:
        origin = ""
        if c.origin is not None:
            seen = next(f.commit for f in c.first_seen if f.instance is c.origin)
            origin = f": origin {_where(c.origin)}, first seen {_short(seen)}"
        out.write(f"\ncluster {c.cluster_id} ({len(c.first_seen)} copies with a history){origin}\n")
        for f in c.first_seen:
            out.write(f"  {_where(f.instance)}  first seen {_short(f.commit)}\n")
        counts = ", ".join(f"{x.copies} ({x.commit.sha[:12]})" for x in c.copies_over_time)
        out.write(f"  copies over time: {counts}\n")
        for fix in c.divergent_fixes:
            changed = ", ".join(_where(i) for i in fix.changed)
            left = ", ".join(_where(i) for i in fix.not_changed)
            only = " (string literals only)" if fix.kind == "literal" else ""
            out.write(f'  fixed in one place only{only}: {_short(fix.commit)} "{fix.commit.subject}": changed '
                      f"{changed}; not {left}\n")  # fmt: skip
            for line in fix.diff:
                out.write(f"    | {line}\n")


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;").replace("\n", " ")


def write_markdown(report: HistoryReport, out: TextIO, options: ReportOptions = DEFAULT_OPTIONS) -> None:
    h = report.history
    out.write(f"# Clone history of {_cell(h.repo)}\n\n")
    out.write(f"At `{h.tip[:12]}`, {h.commits} commits walked.\n\n")
    out.write("## Fixed in one place only\n\n")
    rows = [(c, f) for c in h.clusters for f in c.divergent_fixes]
    if not rows:
        out.write("No commit changed one copy of a cluster and left its siblings.\n")
    else:
        out.write("| Commit | Cluster | Changed | Not changed |\n|---|---|---|---|\n")
        for c, f in rows:
            literal = " (string literals only)" if f.kind == "literal" else ""
            out.write(f"| `{f.commit.sha[:12]}` {_cell(f.commit.date[:10])} {_cell(f.commit.subject)}{literal} "
                      f"| `{c.cluster_id[:12]}` | {_cell(', '.join(_where(i) for i in f.changed))} "
                      f"| {_cell(', '.join(_where(i) for i in f.not_changed))} |\n")  # fmt: skip
    out.write("\n## Clusters\n\n| Cluster | Copies | Origin | First seen | Copies over time |\n|---|---|---|---|---|\n")
    for c in h.clusters:
        origin = _where(c.origin) if c.origin is not None else "-"
        seen = next((_short(f.commit) for f in c.first_seen if f.instance is c.origin), "-")
        counts = " → ".join(str(x.copies) for x in c.copies_over_time)
        out.write(f"| `{c.cluster_id[:12]}` | {len(c.first_seen)} | {_cell(origin)} | {seen} | {counts} |\n")
