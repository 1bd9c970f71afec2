"""Markdown summary of the CI gate, for a pull-request comment or the job summary.

A heading with the verdict, a table with one row per new copy (where it is,
what it duplicates, how similar, what to reuse instead) and, folded, the
other copies. Table cells are escaped so that no path or name breaks the
table. Takes a :class:`~dupfinder.gate.new.GateReport`: ``write(report, out)``.
"""

from __future__ import annotations

from typing import TextIO

from dupfinder.model import Finding, GateReport, Inconsistent, ReportOptions
from dupfinder.model.report import DEFAULT_OPTIONS
from dupfinder.reporters.gate_wording import inconsistent_headline, severity, where


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell (pipes, newlines, HTML-ish brackets)."""
    return (
        text.replace("\\", "\\\\")
        .replace("|", "\\|")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\r", " ")
        .replace("\n", " ")
    )


def _code(text: str) -> str:
    quoted = text.replace("`", "'")
    return f"`{quoted}`"


def _place(inst_path: str, start: int, end: int, name: str | None, team: str | None) -> str:
    parts = [_code(f"{inst_path}:{start}-{end}")]
    if name:
        parts.append(_code(name))
    if team:
        parts.append(f"({team})")
    return " ".join(parts)


def _reuse(f: Finding) -> str:
    r = f.reuse.instance
    text = _place(r.path, r.start_line, r.end_line, r.name, r.team)
    if f.reuse.new:
        text = f"share one copy with {text} (also new)"
    if f.platform is not None:
        pkg = _code(f.package) if f.package else _code(f.platform.id)
        text += f"; the {f.platform.category} platform {pkg} provides this"
    return text


def _duplicates(f: Finding) -> str:
    """How many copies the new one duplicates, and where the others are: the copy to reuse is
    named once, under "Reuse instead", never again here."""
    existing = sum(1 for c in f.copies if not c.new)
    new = len(f.copies) - existing
    counts = [f"{n} {what} cop{'y' if n == 1 else 'ies'}" for n, what in ((existing, "existing"), (new, "new")) if n]
    text = ", ".join(counts)
    others = f.copies[1:]
    if others:
        o = others[0].instance
        text += f"; also {_place(o.path, o.start_line, o.end_line, o.name, o.team)}"
        if len(others) > 1:
            text += f" and {len(others) - 1} more"
    return text


def write(report: GateReport, out: TextIO, options: ReportOptions = DEFAULT_OPTIONS) -> None:
    _write_new(report, out)
    if report.inconsistent:
        _write_inconsistent(report.inconsistent, out)


def _write_inconsistent(found: tuple[Inconsistent, ...], out: TextIO) -> None:
    out.write(f"\n#### Changed in one place only ({len(found)})\n\n")
    for f in found:
        i = f.instance
        mark = " **(fails)**" if f.fails else ""
        where_ = _place(i.path, i.start_line, i.end_line, i.name, i.team)
        out.write(f"- {where_}{mark}: {cell(inconsistent_headline(f))}\n")
        if f.diff:
            fence = "````" if any("```" in line for line in f.diff) else "```"
            out.write(f"\n  {fence}diff\n")
            for line in f.diff:
                out.write(f"  {line}\n")
            out.write(f"  {fence}\n\n")


def verdict(report: GateReport) -> str:
    """The gate's state and each of its reasons, agreeing with the exit code: new copies over their
    limits, and edits that reached one copy only when ``--fail-on inconsistent`` makes them fail."""
    n, failing = len(report.findings), len(report.failing)
    reasons = []
    if n:
        allowed = f" (at most {report.max_new} allowed)" if report.max_new else ""
        below = f"; {n - failing} below the `--fail-on` limits" if n != failing else ""
        reasons.append(f"{failing} new cop{'y' if failing == 1 else 'ies'} failing{allowed}{below}")
    k = len(report.inconsistent)
    if k:
        k_fail = sum(1 for i in report.inconsistent if i.fails)
        how = f"{k_fail} failing `--fail-on inconsistent`" if k_fail else "warnings only"
        reasons.append(f"{k} change{'s' if k != 1 else ''} in one place only ({how})")
    state = "fails" if report.failed else "passes"
    return f"The gate **{state}**" + (": " + "; ".join(reasons) if reasons else "") + "."


def _write_new(report: GateReport, out: TextIO) -> None:
    n = len(report.findings)
    if not n:
        fails = " — the gate fails" if report.failed else ""
        out.write(f"### dupfinder: no new duplication{fails}\n\n")
        out.write(f"Compared with {cell(report.against)}: this change adds no copy of existing code.")
        out.write(f" {verdict(report)}\n" if report.inconsistent else "\n")
        return
    out.write(f"### dupfinder: {n} new duplicate{'s' if n != 1 else ''}\n\n")
    out.write(f"Compared with {cell(report.against)}. {verdict(report)}\n\n")
    out.write("| New copy | Duplicates | Similarity | Reuse instead |\n|---|---|---|---|\n")
    for f in report.findings:
        i = f.instance
        new = _place(i.path, i.start_line, i.end_line, i.name, i.team)
        mark = {"error": "", "warning": " (allowed)", "note": " (note)"}[severity(f, report)]
        dup = _duplicates(f)
        cat = f" [{f.cluster.category}]" if f.cluster.category else ""
        out.write(f"| {cell(new + mark)} | {cell(dup + cat)} | {f.reuse.similarity:.2f} | {cell(_reuse(f))} |\n")
    extra = [f for f in report.findings if len(f.copies) > 1]
    if extra:
        out.write("\n<details><summary>All copies</summary>\n\n")
        for f in extra:
            out.write(f"- {cell(where(f.instance))}\n")
            for c in f.copies:
                out.write(f"  - {cell(where(c.instance))}, similarity {c.similarity:.2f}{' (new)' if c.new else ''}\n")
        out.write("\n</details>\n")
