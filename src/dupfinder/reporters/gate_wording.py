"""Wording shared by the CI gate's reporters (text, SARIF, GitHub annotations, PR Markdown)."""

from __future__ import annotations

from typing import Literal

from dupfinder.model import Finding, GateReport, Inconsistent, Instance

Severity = Literal["error", "warning", "note"]


def severity(f: Finding, report: GateReport) -> Severity:
    """One severity for every CI format, agreeing with the gate's verdict.

    ``error``: the copy fails ``--fail-on`` and the gate fails; ``warning``: it fails
    ``--fail-on`` but ``--max-new`` lets the gate pass; ``note``: below ``--fail-on``.
    """
    if not f.fails:
        return "note"
    return "error" if report.failed else "warning"


def where(inst: Instance) -> str:
    """``path:start-end `name` [team]``."""
    name = f" `{inst.name}`" if inst.name else ""
    team = f" [{inst.team}]" if inst.team else ""
    return f"{inst.path}:{inst.start_line}-{inst.end_line}{name}{team}"


def headline(f: Finding) -> str:
    """One line: what the new copy is and what it duplicates."""
    inst = f.instance
    if f.cluster.kind == "block":
        what = f"a block in `{inst.name}`" if inst.name else "a block of module-level code"
    else:
        what = f"`{inst.name}`" if inst.name else "new code"
    existing = sum(1 for c in f.copies if not c.new)
    if existing:
        copies = f"{existing} existing cop{'y' if existing == 1 else 'ies'}"
        return f"{what} ({inst.lines} lines) duplicates {copies}"
    times = f"{len(f.copies)} more time{'s' if len(f.copies) > 1 else ''}"
    return f"{what} ({inst.lines} lines) is copied {times} in this change"


def reuse_hint(f: Finding) -> str:
    """What to reuse instead: the closest existing copy, and the platform package when there is one."""
    r = f.reuse
    verb = "reuse" if not r.new else "share one copy with"
    text = f"{verb} {where(r.instance)} (similarity {r.similarity:.2f})"
    hint = platform_hint(f)
    return f"{text}; {hint}" if hint else text


def platform_hint(f: Finding) -> str:
    if f.platform is None:
        return ""
    what = f"`{f.package}`" if f.package else f"`{f.platform.id}`"
    return f"the {f.platform.category} platform {what} provides this"


def place(inst: Instance) -> str:
    """``path:start-end [team]``."""
    team = f" [{inst.team}]" if inst.team else ""
    return f"{inst.path}:{inst.start_line}-{inst.end_line}{team}"


def inconsistent_headline(f: Inconsistent) -> str:
    """``changed 1 of 3 copies; the copies at a.py:3-9 [x] and b.py:4-10 [y] did not get this change``."""
    left = [place(i) for i in f.not_changed]
    listed = left[0] if len(left) == 1 else ", ".join(left[:-1]) + " and " + left[-1]
    noun = "copy" if len(left) == 1 else "copies"
    return f"changed {len(f.changed)} of {f.copies} copies; the {noun} at {listed} did not get this change"
