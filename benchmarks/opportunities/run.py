#!/usr/bin/env python3
"""Platform opportunities on real orgs, against truth files written by reading the code.

For each org (``benchmarks/orgs/<org>.txt``, built by ``benchmarks/orgs/build.py``) this runs
``dupfinder opportunities --format json`` with the org's teams file and prints, against
``benchmarks/orgs/<org>.truth.yaml``:

* for every truth capability, the top-20 opportunity that matches it best: an opportunity
  touches a capability when one of its evidence ranges holds a truth unit's ``def`` line; its
  team precision is the share of its teams that the truth lists for the capability, its team
  recall the share of the truth's teams it names; the best is the one with the highest F1.
  A capability is *found* when precision and recall are both >= 0.6;
* the share of test code (by :mod:`dupfinder.rules.kinds`) in the lines of the top 10's evidence;
* how many of the top 10 (and of the top 20) have two or more teams with evidence of their own;
* the capability map's own cost: the scan in this process (no cache), then
  :func:`dupfinder.opportunities.capabilities.capability_map` over its production units, timed
  (wall and CPU of this process; scikit-learn imported before, so no org pays the import).

    python benchmarks/opportunities/run.py task-queues config-loaders http-clients [--markdown FILE]

Deterministic: the scan is; nothing is sampled.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from dupfinder.config import ScanConfig
from dupfinder.model import Unit
from dupfinder.opportunities.capabilities import SMALL_TOKENS, capability_map
from dupfinder.pipeline import scan as scan_paths
from dupfinder.pipeline import with_rules
from dupfinder.rules import platform_owning_path
from dupfinder.rules.kinds import PRODUCTION, TESTS, VENDORED, KindMatcher, copied_folders
from dupfinder.rules.loading import load_ruleset

HERE = Path(__file__).resolve().parent
ORGS = HERE.parent / "orgs"
TOP = 20


def scan(org: str) -> dict[str, Any]:
    work = ORGS / "work" / org
    if not work.is_dir():
        subprocess.run([sys.executable, str(ORGS / "build.py"), org], check=True, stdout=subprocess.DEVNULL)
    cmd = [sys.executable, "-m", "dupfinder", "opportunities", str(work), "--teams", str(work / "teams.yaml"),
           "--format", "json", "-q", "--no-cache", "--no-churn"]  # fmt: skip
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    data: dict[str, Any] = json.loads(out)
    return data


def map_cost(org: str) -> str:
    """Seconds of the scan and of the capability map over its production units, measured here."""
    work = ORGS / "work" / org
    rules = load_ruleset(())
    units: list[Unit] = []
    small: list[Unit] = []
    start = time.perf_counter()
    config = with_rules(ScanConfig(map_min_tokens=SMALL_TOKENS), rules)
    scan_paths([str(work)], config, units_out=units, small_out=small)
    scanned = time.perf_counter() - start
    matcher = KindMatcher(rules, copied_folders(str(work), {u.path for u in units}, rules))
    production = [
        u
        for u in (*units, *small)
        if matcher.kind(u.path) == PRODUCTION and platform_owning_path(u.path, rules) is None
    ]
    import sklearn.decomposition  # noqa: F401  (the first map of a process would pay the import)

    start, cpu = time.perf_counter(), time.process_time()
    caps = capability_map(production, lambda path: path.split("/", 1)[0])
    mapped, mapped_cpu = time.perf_counter() - start, time.process_time() - cpu
    return (
        f"- cost: scan {scanned:.1f} s ({len(units):,} units); capability map {mapped:.2f} s ({mapped_cpu:.2f} s"
        f" CPU) over {len(production):,} production units, {len(caps)} capabilities"
        f" ({100 * mapped / scanned:.0f} % of the scan)"
    )


def touches(opp: dict[str, Any], units: list[dict[str, Any]]) -> bool:
    spans = [(e["path"], e["start_line"], e["end_line"]) for e in opp["evidence"]]
    return any(p == u["path"] and s <= u["line"] <= e for u in units for p, s, e in spans)


Match = tuple[float, float, float, dict[str, Any]]


def matches(truth: dict[str, Any], top: list[dict[str, Any]]) -> list[tuple[dict[str, Any], Match | None]]:
    """Each truth capability with its best-matching opportunity of ``top``: (F1, precision, recall, opportunity)."""
    out: list[tuple[dict[str, Any], Match | None]] = []
    for cap in truth["capabilities"]:
        teams = set(cap["teams"])
        units = [u for us in cap["teams"].values() for u in us]
        best: Match | None = None
        for opp in top:
            if not touches(opp, units):
                continue
            got = set(opp["teams"])
            precision = len(got & teams) / len(got)
            recall = len(got & teams) / len(teams)
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            if best is None or f1 > best[0]:
                best = (f1, precision, recall, opp)
        out.append((cap, best))
    return out


def labelled_found(truth: dict[str, Any], top: list[dict[str, Any]]) -> tuple[int, int]:
    """(labelled capabilities found in ``top`` with precision and recall >= 0.6, all capabilities found)."""
    ok = [(bool(c.get("labelled")), b is not None and b[1] >= 0.6 and b[2] >= 0.6) for c, b in matches(truth, top)]
    return sum(f for lab, f in ok if lab), sum(f for _, f in ok)


def evaluate(org: str) -> list[str]:
    truth = yaml.safe_load((ORGS / f"{org}.truth.yaml").read_text())
    data = scan(org)
    opps = data["opportunities"]
    top = opps[:TOP]
    lines = [f"## {org}", "", f"{len(opps)} platform opportunities, {len(data['team_cleanups'])} teams with "
             f"clean-ups, {len(data['test_support'])} test-support groups.", "",
             "| capability | labelled | rank | label | precision | recall | found |",
             "|---|---|---|---|---|---|---|"]  # fmt: skip
    found = {True: 0, False: 0}
    totals = {True: 0, False: 0}
    for cap, best in matches(truth, top):
        labelled = bool(cap.get("labelled"))
        totals[labelled] += 1
        if best is None:
            lines.append(f"| {cap['id']} | {'yes' if labelled else 'no'} | - | - | - | - | no |")
            continue
        _, precision, recall, opp = best
        ok = precision >= 0.6 and recall >= 0.6
        found[labelled] += ok
        lines.append(f"| {cap['id']} | {'yes' if labelled else 'no'} | {opp['rank']} | {opp['label']} | "
                     f"{precision:.2f} | {recall:.2f} | {'yes' if ok else 'no'} |")  # fmt: skip
    rules = load_ruleset(())
    work = ORGS / "work" / org
    copied = copied_folders(str(work), [p.relative_to(work).as_posix() for p in work.rglob("*.py")], rules)
    matcher = KindMatcher(rules, copied)
    ten = opps[:10]
    ev_lines = [(matcher.kind(e["path"]), e["end_line"] - e["start_line"] + 1) for o in ten for e in o["evidence"]]
    test_share = sum(n for k, n in ev_lines if k == TESTS) / max(1, sum(n for _, n in ev_lines))
    vendored_share = sum(n for k, n in ev_lines if k == VENDORED) / max(1, sum(n for _, n in ev_lines))
    vendored = sum(s["lines"] for s in data["test_support"] if s.get("code_kind") == VENDORED)

    def own(o: dict[str, Any]) -> int:
        return len({e["team"] for e in o["evidence"]})

    lines += [
        "",
        f"- labelled capabilities found in the top {TOP}: {found[True]} of {totals[True]}"
        f" (unlabelled: {found[False]} of {totals[False]})",
        f"- test code in the top 10's evidence: {100 * test_share:.1f} % of lines; vendored code:"
        f" {100 * vendored_share:.1f} %",
        f"- vendored folders: {', '.join(sorted(copied)) or 'none by licence'}; {vendored:,} lines of vendored"
        " clusters listed apart",
        f"- top 10 with >= 2 teams' own evidence: {sum(own(o) >= 2 for o in ten)} of {len(ten)};"
        f" top {TOP}: {sum(own(o) >= 2 for o in top)} of {len(top)}",
        map_cost(org),
        "",
        f"Top 10 of {org}:",
        "",
    ]
    for o in ten:
        lines.append(f"{o['rank']}. {o['label']} -- teams {', '.join(o['teams'])}; {o['instances']} copies, "
                     f"{o['lines']} lines, score {o['score']}")  # fmt: skip
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("orgs", nargs="+")
    parser.add_argument("--markdown", type=Path, help="Also write the figures to this file.")
    args = parser.parse_args()
    out: list[str] = []
    for org in args.orgs:
        out += [*evaluate(org), ""]
    text = "\n".join(out)
    print(text)
    if args.markdown:
        args.markdown.write_text(text)


if __name__ == "__main__":
    main()
