"""The CI gate's text report: compiler-style lines, one per new copy, then a verdict.

services/billing/signin.py:5:1: error: new duplicate [auth]: `sign_in` (12 lines) duplicates 1 existing copy
  = reuse services/identity/auth.py:5-16 `login` [identity] (similarity 1.00)
dupfinder ci: 1 new duplicate against origin/main (merge-base 66f7e7f86c0b); gate fails
"""

from __future__ import annotations

from typing import TextIO

from dupfinder.model import GateReport, ReportOptions
from dupfinder.model.report import DEFAULT_OPTIONS
from dupfinder.reporters.gate_wording import headline, inconsistent_headline, reuse_hint, severity, where


def write(report: GateReport, out: TextIO, options: ReportOptions = DEFAULT_OPTIONS) -> None:
    """Compiler-style lines, one per new copy, then a verdict."""
    for f in report.findings:
        inst = f.instance
        level = severity(f, report)
        cat = f" [{f.cluster.category}]" if f.cluster.category else ""
        out.write(f"{inst.path}:{inst.start_line}:1: {level}: new duplicate{cat}: {headline(f)}\n")
        out.write(f"  = {reuse_hint(f)}\n")
        for c in f.copies[1:]:
            out.write(f"  = also at {where(c.instance)} (similarity {c.similarity:.2f}{', new' if c.new else ''})\n")
    for i in report.inconsistent:
        inst = i.instance
        level = "error" if i.fails else "warning"
        name = f" `{inst.name}`" if inst.name else ""
        out.write(f"{inst.path}:{inst.start_line}:1: {level}: inconsistent change{name}: {inconsistent_headline(i)}\n")
        for line in i.diff:
            out.write(f"  | {line}\n")
    out.write(verdict(report) + "\n")


def verdict(report: GateReport) -> str:
    n, failing = len(report.findings), len(report.failing)
    text = _verdict(report, n, failing)
    k = len(report.inconsistent)
    if k:
        how = "failing" if any(i.fails for i in report.inconsistent) else "warning only"
        text += f"; {k} inconsistent change{'s' if k != 1 else ''} ({how})"
        if report.failed and "gate fails" not in text:
            text += "; gate fails"
    return text


def _verdict(report: GateReport, n: int, failing: int) -> str:
    if not n:
        return f"dupfinder ci: no new duplication against {report.against}"
    allowed = f", {report.max_new} allowed" if report.max_new else ""
    state = "fails" if report.failed else "passes"
    below = f" ({n - failing} below --fail-on)" if n != failing else ""
    return (
        f"dupfinder ci: {n} new duplicate{'s' if n != 1 else ''}{below} against {report.against}; gate {state}{allowed}"
    )
