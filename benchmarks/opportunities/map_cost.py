#!/usr/bin/env python3
"""The capability map's CPU time under two settings, alternated in one process, on one org's production units.

    OPENBLAS_NUM_THREADS=1 python benchmarks/opportunities/map_cost.py cli-frameworks --rounds 3

Scans the org once (``benchmarks/orgs/work/<org>``, built by ``benchmarks/orgs/build.py``), keeps its production
units (as ``run.py`` does), then times :func:`~dupfinder.opportunities.capabilities.capability_map` and
:func:`~dupfinder.opportunities.capabilities.capability_opportunities` (the opportunities the map's capabilities
make, no clone clusters given) with tune.py's ``before`` settings (or ``--before NAME``) and with the defaults,
alternating, and prints each one's CPU seconds per round.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import ORGS
from tune import SETTINGS

from dupfinder.config import ScanConfig
from dupfinder.model import Unit
from dupfinder.opportunities.capabilities import MapSettings, capability_map, capability_opportunities
from dupfinder.pipeline import scan, with_rules
from dupfinder.rules.kinds import PRODUCTION, KindMatcher, copied_folders
from dupfinder.rules.loading import load_ruleset


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("org")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--before", default="before", choices=sorted(SETTINGS), help="tune.py's settings to compare")
    a = ap.parse_args()
    work = ORGS / "work" / a.org
    rules = load_ruleset(())
    units: list[Unit] = []
    result = scan([str(work)], with_rules(ScanConfig(), rules), units_out=units)
    matcher = KindMatcher(rules, copied_folders(result.base, {u.path for u in units}, rules))
    production = [u for u in units if matcher.kind(u.path) == PRODUCTION]
    import sklearn.decomposition  # noqa: F401  (the first map of a process would pay the import)

    times: dict[str, list[float]] = {"before": [], "now": []}
    for _ in range(a.rounds):
        for name, settings in (("before", SETTINGS[a.before]), ("now", MapSettings())):
            start = time.process_time()
            caps = capability_map(production, lambda path: path.split("/", 1)[0], settings)
            capability_opportunities(caps, [], settings=settings)
            times[name].append(time.process_time() - start)
    for name, got in times.items():
        print(f"{a.org} {len(production):,} production units, {name}: " + " ".join(f"{t:.2f}" for t in got) + " s CPU")


if __name__ == "__main__":
    main()
