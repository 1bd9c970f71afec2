"""The HTML report's history section (``report --history``): a timeline per cluster and the fixes
that reached one copy only.

Geometry only: every text (paths, teams, commit subjects) goes to the template
as data and is escaped there by Jinja.  Each timeline is an SVG strip on a
time axis from the cluster's first commit to its last: a step line of the
number of copies, a dot where a copy first appeared, a red mark where a commit
changed some copies and left the others.  At most ``max_evidence`` clusters get
a timeline (those with a divergent fix first, then the report's order); the
list of divergent fixes is complete.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dupfinder.model import ClusterHistory, Commit, Instance, ReportOptions, ScanResult
from dupfinder.reporters.common import cluster_label

WIDTH, HEIGHT = 640, 84
LEFT, RIGHT, TOP, BOTTOM = 36, 16, 10, 24  #: margins around the plot


@dataclass(frozen=True, slots=True)
class _Axis:
    start: float
    end: float

    def x(self, c: Commit) -> float:
        span = self.end - self.start
        frac = 0.5 if span <= 0 else (float(c.timestamp) - self.start) / span
        return round(LEFT + frac * (WIDTH - LEFT - RIGHT), 1)


def where(i: Instance) -> str:
    team = f" [{i.team}]" if i.team else ""
    return f"{i.path}:{i.start_line}-{i.end_line}{team}"


def _commit(c: Commit) -> dict[str, str]:
    return {"sha": c.sha[:12], "date": c.date[:10], "subject": c.subject}


def _timeline(h: ClusterHistory) -> dict[str, Any]:
    stamps = [float(f.commit.timestamp) for f in h.first_seen] + [float(f.commit.timestamp) for f in h.divergent_fixes]
    axis = _Axis(min(stamps), max(stamps))
    top = max((c.copies for c in h.copies_over_time), default=1)
    plot_h = HEIGHT - TOP - BOTTOM

    def y(copies: int) -> float:
        return round(TOP + plot_h - plot_h * copies / top, 1)

    points: list[str] = []
    for n, c in enumerate(h.copies_over_time):
        x = axis.x(c.commit)
        if n:
            points.append(f"{x},{y(h.copies_over_time[n - 1].copies)}")
        points.append(f"{x},{y(c.copies)}")
    if h.copies_over_time:
        points.append(f"{WIDTH - RIGHT},{y(h.copies_over_time[-1].copies)}")
    count_after = {c.commit.sha: c.copies for c in h.copies_over_time}
    seen = [
        {"x": axis.x(f.commit), "y": y(count_after.get(f.commit.sha, 1)),
         "title": f"{where(f.instance)} first seen {f.commit.sha[:12]} {f.commit.date[:10]}"}
        for f in h.first_seen
    ]  # fmt: skip
    fixes = [
        {"x": axis.x(f.commit), "title": f"{f.commit.sha[:12]} {f.commit.date[:10]} {f.commit.subject}: changed "
         f"{', '.join(where(i) for i in f.changed)}; not {', '.join(where(i) for i in f.not_changed)}"}
        for f in h.divergent_fixes
    ]  # fmt: skip
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "bottom": HEIGHT - BOTTOM,
        "top": TOP,
        "max": top,
        "steps": " ".join(points),
        "seen": seen,
        "fixes": fixes,
        "first_date": min((f.commit.date[:10] for f in h.first_seen), default=""),
        "last_date": max(
            [f.commit.date[:10] for f in h.first_seen] + [f.commit.date[:10] for f in h.divergent_fixes], default=""
        ),
    }


def history_view(result: ScanResult, options: ReportOptions) -> dict[str, Any] | None:
    """What the history section shows, or None when the result has no history."""
    history = result.history
    if history is None:
        return None
    by_id = {c.id: c for c in result.clusters}
    with_history = [h for h in history.clusters if h.first_seen and h.cluster_id in by_id]
    ordered = sorted(with_history, key=lambda h: not h.divergent_fixes)  # stable: report order within
    clusters = []
    for h in ordered[: options.max_evidence]:
        c = by_id[h.cluster_id]
        origin = next((f for f in h.first_seen if f.instance is h.origin), None)
        clusters.append(
            {
                "id": c.id,
                "label": cluster_label(c),
                "copies": len(c.instances),
                "fixes": len(h.divergent_fixes),
                "origin": where(origin.instance) if origin else "",
                "origin_commit": _commit(origin.commit) if origin else None,
                "chart": _timeline(h),
            }
        )
    fixes = [
        {
            **_commit(f.commit),
            "cluster": by_id[h.cluster_id].id,
            "label": cluster_label(by_id[h.cluster_id]),
            "changed": [where(i) for i in f.changed],
            "not_changed": [where(i) for i in f.not_changed],
            "diff": list(f.diff),
        }
        for h in with_history
        for f in h.divergent_fixes
    ]
    return {
        "repo": history.repo,
        "tip": history.tip[:12],
        "commits": history.commits,
        "skipped": list(history.skipped),
        "clusters": clusters,
        "shown": len(clusters),
        "total": len(with_history),
        "fixes": fixes,
    }
