"""The HTML report's trend charts: duplicated lines per team and adoption per platform, as inline SVG data."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from dupfinder.model import TrendPoint

_PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")


_TREND_TEAMS = 6


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        if step * magnitude >= value:
            return float(step * magnitude)
    return float(10 * magnitude)


def _segments(xy: Sequence[tuple[float, float] | None]) -> list[str]:
    """SVG ``points`` of the unbroken runs of a series (a missing value breaks the line)."""
    runs: list[list[str]] = [[]]
    for p in xy:
        if p is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append(f"{p[0]:.1f},{p[1]:.1f}")
    return [" ".join(r) for r in runs if r]


def _line_chart(
    points: Sequence[TrendPoint], series: Sequence[tuple[str, list[float | None]]], y_max: float, percent: bool
) -> dict[str, Any]:
    width, height, left, right, top, bottom = 780, 270, 64, 190, 16, 50
    plot_w, plot_h = width - left - right, height - top - bottom
    n = len(points)

    def x(k: int) -> float:
        return round(left + (plot_w * k / (n - 1) if n > 1 else plot_w / 2), 1)

    def y(v: float) -> float:
        return round(top + plot_h * (1 - v / y_max), 1)

    def show(v: float) -> str:
        return f"{v:.0%}" if percent else f"{v:,.0f}"

    ticks = [y_max * k / 4 for k in range(5)]
    label_every = max(1, math.ceil(n / 6))
    return {
        "width": width,
        "height": height,
        "left": left,
        "top": top,
        "plot_w": plot_w,
        "bottom_y": top + plot_h,
        "y_ticks": [{"y": y(t), "label": show(t)} for t in ticks],
        "x_labels": [
            {"x": x(k), "label": p.date[:10], "rev": p.rev[:7]}
            for k, p in enumerate(points)
            # every few points, and the last one, never two labels closer than 80 px
            if k == n - 1 or (k % label_every == 0 and x(n - 1) - x(k) >= 80)
        ],
        "series": [
            {
                "name": name,
                "color": _PALETTE[s % len(_PALETTE)],
                "segments": _segments([None if v is None else (x(k), y(v)) for k, v in enumerate(values)]),
                "dots": [
                    {"x": x(k), "y": y(v), "title": f"{points[k].date[:10]} {points[k].rev[:10]}: {name} {show(v)}"}
                    for k, v in enumerate(values)
                    if v is not None
                ],
                "legend_y": top + 14 + 18 * s,
            }
            for s, (name, values) in enumerate(series)
        ],
        "legend_x": width - right + 12,
    }


def _team_lines(p: TrendPoint, team: str) -> int:
    return next((x.copy_lines for x in p.teams if x.team == team), 0)


def _rate(p: TrendPoint, platform: str) -> float | None:
    """Adoption rate of ``platform`` at ``p``; None when no team has code in its category (nothing to adopt yet)."""
    a = next((a for a in p.adoption if a.platform == platform), None)
    if a is None or not (a.adopters or a.rolling_their_own):
        return None
    return a.rate


def trend_charts(points: Sequence[TrendPoint]) -> dict[str, Any] | None:
    """Geometry of the duplication and adoption charts (None without points)."""
    if not points:
        return None
    from dupfinder.reporters.trend import top_teams

    teams = top_teams(points, _TREND_TEAMS)
    dup: list[tuple[str, list[float | None]]] = [("duplicated lines", [float(p.duplicated_lines) for p in points])]
    dup.extend((t, [float(_team_lines(p, t)) for p in points]) for t in teams)
    dup_max = _nice_max(max(v for _, values in dup for v in values if v is not None))
    platforms = sorted({a.platform for p in points for a in p.adoption})
    adoption = [(pl, [_rate(p, pl) for p in points]) for pl in platforms]

    def rate_text(p: TrendPoint, pl: str) -> str:
        r = _rate(p, pl)
        return "–" if r is None else f"{r:.0%}"

    return {
        "duplication": _line_chart(points, dup, dup_max, percent=False),
        "adoption": _line_chart(points, adoption, 1.0, percent=True) if adoption else None,
        "rows": [
            {
                "rev": p.rev[:10],
                "date": p.date[:10],
                "files": p.files,
                "clusters": p.clusters,
                "dup": p.duplicated_lines,
                "teams": [_team_lines(p, t) for t in teams],
                "rates": [rate_text(p, pl) for pl in platforms],
            }
            for p in points
        ],
        "teams": teams,
        "platforms": platforms,
    }
