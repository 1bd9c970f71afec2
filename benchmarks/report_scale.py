"""Size and render time of the HTML report for many clusters.

    python benchmarks/report_scale.py [N ...]     (default: 1000 5000 20000)

Builds a synthetic enriched result of N clusters (3 copies of 20 lines each,
one opportunity per cluster, links on) and renders the HTML report with the
default evidence budget (code and diffs for the first 200 clusters). Prints the
file size and the time to render it. The browser side (paginated list, evidence
drawn on demand) is exercised by tests/test_report_html.py.
"""

from __future__ import annotations

import io
import sys
import time

from dupfinder.model import (
    Cluster,
    ClusterId,
    Fingerprint,
    Instance,
    Opportunity,
    RepoRef,
    ReportOptions,
    ScanResult,
    ScanStats,
)
from dupfinder.reporters import html

COPIES = 3
CODE_LINES = 20


def synthetic(n: int) -> ScanResult:
    clusters, opportunities = [], []
    for k in range(n):
        cid = ClusterId(f"c{k:06d}")
        insts = tuple(
            Instance(
                path=f"team-{(k + j) % 40:02d}/pkg/module_{k}.py",
                start_line=10,
                end_line=10 + CODE_LINES - 1,
                name=f"helper_{k}",
                language="python",
                root=".",
                fingerprint=Fingerprint(f"f{k}-{j}"),
                similarity=1.0 if j == 0 else 0.9,
                team=f"team-{(k + j) % 40:02d}",
                code="\n".join(f"    value_{j}_{i} = compute(value, {i})  # step {i}" for i in range(CODE_LINES)),
            )
            for j in range(COPIES)
        )
        clusters.append(Cluster(cid, 0.9, insts, category=f"category-{k % 12}"))
        opportunities.append(
            Opportunity(
                rank=k + 1,
                category=f"category-{k % 12}",
                teams=tuple(sorted({i.team for i in insts if i.team})),
                cluster_ids=(cid,),
                lines=COPIES * CODE_LINES,
                score=1000.0 - k / 10,
                why={"score_teams": 20.0, "score_instances": 4.0},
                pioneers=(insts[0].team or "",),
                instances=COPIES,
            )
        )
    stats = ScanStats(files=n * COPIES, units=n * COPIES, lines=n * COPIES * 40)
    return ScanResult(roots=(".",), stats=stats, clusters=tuple(clusters), opportunities=tuple(opportunities))


def main(sizes: list[int]) -> None:
    options = ReportOptions(
        link_template="https://git.example/{repo}/blob/{rev}/{path}#L{line}", repos=(RepoRef("", "mono", "abc"),)
    )
    print(f"{'clusters':>9}  {'copies':>7}  {'size (MB)':>9}  {'render (s)':>10}")
    for n in sizes:
        result = synthetic(n)
        buf = io.StringIO()
        start = time.perf_counter()
        html.write(result, buf, options)
        elapsed = time.perf_counter() - start
        size = len(buf.getvalue().encode("utf-8"))
        print(f"{n:>9,}  {n * COPIES:>7,}  {size / 1e6:>9.2f}  {elapsed:>10.2f}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1000, 5000, 20000])
