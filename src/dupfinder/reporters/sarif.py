"""SARIF 2.1.0 log of the CI gate's findings, for code scanning.

One result per new copy: its location, ``relatedLocations`` for every copy it
duplicates (the one to reuse first, linked from the message), and
``partialFingerprints`` that stay the same across runs and line shifts so that
code scanning keeps one alert per copy. Paths are relative URIs against
``%SRCROOT%`` (the repository root). Output is deterministic: no timestamps,
no absolute paths, sorted keys.

Takes a :class:`~dupfinder.gate.new.GateReport`, not a ScanResult:
``write(report, out)``.
"""

from __future__ import annotations

from typing import Any, TextIO
from urllib.parse import quote

from dupfinder import __version__
from dupfinder.model import Finding, GateReport, Inconsistent, ReportOptions
from dupfinder.model.report import DEFAULT_OPTIONS
from dupfinder.reporters.gate_wording import headline, inconsistent_headline, place, platform_hint, severity, where
from dupfinder.reporters.json import dumps

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
RULE_ID = "new-duplicate"
FINGERPRINT_KEY = "dupfinderNewCopy/v1"
SRCROOT = "%SRCROOT%"

_RULE: dict[str, Any] = {
    "id": RULE_ID,
    "name": "NewDuplicate",
    "shortDescription": {"text": "New copy of code that already exists"},
    "fullDescription": {
        "text": (
            "The change adds or edits a function that duplicates code already in the repository (or added "
            "elsewhere in the same change). Reuse the existing copy, or the platform package that provides it."
        )
    },
    "help": {
        "text": (
            "Call or import the existing copy named in the message instead of keeping another one; when a platform "
            "package provides this kind of code, use it. Copies that were already there before the change are "
            "not reported."
        ),
        "markdown": (
            "Call or import the existing copy named in the message instead of keeping another one; when a "
            "platform package provides this kind of code, use it. Copies that were already there before the "
            "change are not reported."
        ),
    },
    "defaultConfiguration": {"level": "warning"},
    "properties": {"tags": ["maintainability", "duplication"], "precision": "high"},
}


INCONSISTENT_RULE_ID = "inconsistent-change"
INCONSISTENT_FINGERPRINT_KEY = "dupfinderInconsistentChange/v1"

_INCONSISTENT_RULE: dict[str, Any] = {
    "id": INCONSISTENT_RULE_ID,
    "name": "InconsistentChange",
    "shortDescription": {"text": "A change reached one copy of duplicated code and not the others"},
    "fullDescription": {
        "text": (
            "The change edits a copy of code that is duplicated elsewhere and leaves the other copies as they were. "
            "A fix made in one copy is often needed in its siblings too."
        )
    },
    "help": {
        "text": "Check each copy listed in the message: make the same change there, or share one copy.",
        "markdown": "Check each copy listed in the message: make the same change there, or share one copy.",
    },
    "defaultConfiguration": {"level": "warning"},
    "properties": {"tags": ["maintainability", "duplication", "correctness"], "precision": "medium"},
}


def _uri(path: str) -> str:
    return quote(path, safe="/-._~")


def _location(path: str, start: int, end: int) -> dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": _uri(path), "uriBaseId": SRCROOT},
            "region": {"startLine": start, "endLine": end},
        }
    }


def _escape(text: str) -> str:
    """SARIF message text: ``[`` and ``]`` are link syntax, so literal ones are escaped."""
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def result(f: Finding, report: GateReport) -> dict[str, Any]:
    inst, reuse = f.instance, f.reuse
    verb = "Reuse" if not reuse.new else "Share one copy with"
    text = (
        f"{_escape(headline(f)[0].upper() + headline(f)[1:])}. {verb} "
        f"[{_escape(where(reuse.instance))}](1) (similarity {reuse.similarity:.2f})."
    )
    hint = platform_hint(f)
    if hint:
        text += f" {_escape(hint[0].upper() + hint[1:])}."
    related = []
    for n, c in enumerate(f.copies, 1):
        label = "copy to reuse" if n == 1 else "another copy"
        loc = _location(c.instance.path, c.instance.start_line, c.instance.end_line)
        loc["id"] = n
        team = f" [{c.instance.team}]" if c.instance.team else ""
        loc["message"] = {
            "text": _escape(
                f"{label}{team}, similarity {c.similarity:.2f}{', also new in this change' if c.new else ''}"
            )
        }
        related.append(loc)
    props: dict[str, Any] = {
        "cluster": f.cluster.id,
        "category": f.cluster.category,
        "similarity": round(reuse.similarity, 4),
        "lines": inst.lines,
        "copies": len(f.cluster.instances),
        "reuse": {
            "path": reuse.instance.path,
            "startLine": reuse.instance.start_line,
            "endLine": reuse.instance.end_line,
            "name": reuse.instance.name,
            "team": reuse.instance.team,
        },
    }
    if f.platform is not None:
        props["platform"] = {"id": f.platform.id, "category": f.platform.category, "package": f.package}
    return {
        "ruleId": RULE_ID,
        "ruleIndex": 0,
        "level": severity(f, report),
        "message": {"text": text},
        "locations": [_location(inst.path, inst.start_line, inst.end_line)],
        "relatedLocations": related,
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
        "properties": props,
    }


def inconsistent_result(f: Inconsistent) -> dict[str, Any]:
    inst = f.instance
    text = _escape(inconsistent_headline(f)[0].upper() + inconsistent_headline(f)[1:]) + "."
    related = []
    for n, other in enumerate(f.not_changed, 1):
        loc = _location(other.path, other.start_line, other.end_line)
        loc["id"] = n
        loc["message"] = {"text": _escape(f"copy that did not get this change: {place(other)}")}
        related.append(loc)
    return {
        "ruleId": INCONSISTENT_RULE_ID,
        "ruleIndex": 1,
        "level": "error" if f.fails else "warning",
        "message": {"text": text},
        "locations": [_location(inst.path, inst.start_line, inst.end_line)],
        "relatedLocations": related,
        "partialFingerprints": {INCONSISTENT_FINGERPRINT_KEY: f.fingerprint},
        "properties": {
            "cluster": f.cluster.id,
            "category": f.cluster.category,
            "changed": len(f.changed),
            "copies": f.copies,
            "diff": list(f.diff),
        },
    }


def to_dict(report: GateReport) -> dict[str, Any]:
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "dupfinder",
                        "version": __version__,
                        "semanticVersion": __version__,
                        # the second rule only when used, so that a log without such results stays as it was
                        "rules": [_RULE, _INCONSISTENT_RULE] if report.inconsistent else [_RULE],
                    }
                },
                "automationDetails": {"id": "dupfinder/ci/"},
                "columnKind": "unicodeCodePoints",
                "results": [result(f, report) for f in report.findings]
                + [inconsistent_result(i) for i in report.inconsistent],
                "properties": {
                    "against": report.against,
                    "failed": report.failed,
                    "maxNew": report.max_new,
                    "failOn": {"lines": report.fail_on.lines, "similarity": report.fail_on.similarity},
                },
            }
        ],
    }


def write(report: GateReport, out: TextIO, options: ReportOptions = DEFAULT_OPTIONS) -> None:
    out.write(dumps(to_dict(report), sort_keys=True) + "\n")
