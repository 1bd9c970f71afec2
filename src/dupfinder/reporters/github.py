"""GitHub Actions workflow commands: one annotation per new copy, shown on the pull request's diff.

    ::error file=billing/login.py,line=3,endLine=20,title=New duplicate of `sign_in`::...

Copies that fail the gate are errors, failing copies that ``--max-new`` allows
warnings, copies below ``--fail-on`` notices (as in the text and SARIF reports). Values are
escaped as the runner expects (``%``, CR and LF everywhere; ``:`` and ``,`` in
properties too), so no path or name can end a command early. Takes a
:class:`~dupfinder.gate.new.GateReport`: ``write(report, out)``.
"""

from __future__ import annotations

from typing import TextIO

from dupfinder.model import Finding, GateReport, Inconsistent, ReportOptions
from dupfinder.model.report import DEFAULT_OPTIONS
from dupfinder.reporters.gate_wording import headline, inconsistent_headline, reuse_hint, severity


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


#: gate severity -> workflow command
COMMANDS = {"error": "error", "warning": "warning", "note": "notice"}


def annotation(f: Finding, report: GateReport) -> str:
    inst = f.instance
    level = COMMANDS[severity(f, report)]
    title = f"New duplicate of `{inst.name}`" if inst.name else "New duplicate"
    props = ",".join(
        (
            f"file={escape_property(inst.path)}",
            f"line={inst.start_line}",
            f"endLine={inst.end_line}",
            f"title={escape_property(title)}",
        )
    )
    message = f"{headline(f)}: {reuse_hint(f)}."
    return f"::{level} {props}::{escape_data(message)}"


def inconsistent_annotation(f: Inconsistent) -> str:
    inst = f.instance
    level = "error" if f.fails else "warning"
    title = f"Inconsistent change to `{inst.name}`" if inst.name else "Inconsistent change"
    props = ",".join(
        (
            f"file={escape_property(inst.path)}",
            f"line={inst.start_line}",
            f"endLine={inst.end_line}",
            f"title={escape_property(title)}",
        )
    )
    message = inconsistent_headline(f) + "." + "".join("\n" + line for line in f.diff)
    return f"::{level} {props}::{escape_data(message)}"


def write(report: GateReport, out: TextIO, options: ReportOptions = DEFAULT_OPTIONS) -> None:
    for f in report.findings:
        out.write(annotation(f, report) + "\n")
    for i in report.inconsistent:
        out.write(inconsistent_annotation(i) + "\n")
