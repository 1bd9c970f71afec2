"""Trend reporters: a table, and the ``dupfinder.trend/1`` JSON form (read back by ``report --trend``)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any, TextIO

from dupfinder.errors import DupfinderError
from dupfinder.model import PlatformPoint, ReportOptions, TeamPoint, TrendPoint, TrendSeries
from dupfinder.model.report import DEFAULT_OPTIONS

SCHEMA = "dupfinder.trend/1"


def to_dict(points: Sequence[TrendPoint], repository_name: str = "") -> dict[str, Any]:
    """The JSON form (schema ``dupfinder.trend/1``): deterministic, no absolute paths."""
    return {
        "schema": SCHEMA,
        "repository": repository_name,
        "points": [_point(p) for p in points],
    }


def _point(p: TrendPoint) -> dict[str, Any]:
    data = {
        "rev": p.rev,
        "date": p.date,
        "files": p.files,
        "lines": p.lines,
        "clusters": p.clusters,
        "copy_lines": p.copy_lines,
        "duplicated_lines": p.duplicated_lines,
        "teams": {t.team: {"copy_lines": t.copy_lines, "copies": t.copies} for t in p.teams},
        "adoption": {
            a.platform: {
                "category": a.category,
                "rate": round(a.rate, 4),
                "adopters": list(a.adopters),
                "rolling_their_own": list(a.rolling_their_own),
            }
            for a in p.adoption
        },
    }
    if p.divergent_fixes is not None:
        data["divergent_fixes"] = p.divergent_fixes
    return data


def _strs(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DupfinderError(f"{where}: expected a list of strings")
    return tuple(value)


def _int(d: dict[str, Any], key: str, where: str) -> int:
    v = d.get(key)
    if not isinstance(v, int) or isinstance(v, bool):
        raise DupfinderError(f"{where}.{key}: expected an integer")
    return v


def from_dict(data: object, source: str = "trend") -> tuple[TrendPoint, ...]:
    """Points back from :func:`to_dict`'s form; DupfinderError naming the bad field otherwise."""
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise DupfinderError(f"{source}: not a dupfinder trend file (expected schema {SCHEMA!r})")
    raw = data.get("points")
    if not isinstance(raw, list):
        raise DupfinderError(f"{source}: points: expected a list")
    points: list[TrendPoint] = []
    for n, p in enumerate(raw):
        where = f"{source}: points[{n}]"
        if not isinstance(p, dict) or not isinstance(p.get("rev"), str) or not isinstance(p.get("date"), str):
            raise DupfinderError(f"{where}: expected an object with rev and date")
        teams_raw, adoption_raw = p.get("teams"), p.get("adoption")
        if not isinstance(teams_raw, dict) or not isinstance(adoption_raw, dict):
            raise DupfinderError(f"{where}: teams and adoption must be objects")
        teams = []
        for team, t in sorted(teams_raw.items()):
            if not isinstance(t, dict):
                raise DupfinderError(f"{where}.teams.{team}: expected an object")
            teams.append(TeamPoint(team, _int(t, "copy_lines", f"{where}.teams"), _int(t, "copies", f"{where}.teams")))
        adoption = []
        for platform, a in sorted(adoption_raw.items()):
            rate = a.get("rate") if isinstance(a, dict) else None
            if not isinstance(a, dict) or not isinstance(rate, int | float) or not isinstance(a.get("category"), str):
                raise DupfinderError(f"{where}.adoption.{platform}: expected category and rate")
            adoption.append(
                PlatformPoint(
                    platform,
                    a["category"],
                    float(rate),
                    _strs(a.get("adopters", []), f"{where}.adoption.{platform}.adopters"),
                    _strs(a.get("rolling_their_own", []), f"{where}.adoption.{platform}.rolling_their_own"),
                )
            )
        points.append(
            TrendPoint(
                rev=p["rev"],
                date=p["date"],
                files=_int(p, "files", where),
                lines=_int(p, "lines", where),
                clusters=_int(p, "clusters", where),
                copy_lines=_int(p, "copy_lines", where),
                duplicated_lines=_int(p, "duplicated_lines", where),
                teams=tuple(teams),
                adoption=tuple(adoption),
                divergent_fixes=_int(p, "divergent_fixes", where) if "divergent_fixes" in p else None,
            )
        )
    return tuple(points)


def top_teams(points: Sequence[TrendPoint], limit: int) -> list[str]:
    """The ``limit`` teams with the most copy lines at any point, most first (ties by name)."""
    peak: dict[str, int] = {}
    for p in points:
        for t in p.teams:
            peak[t.team] = max(peak.get(t.team, 0), t.copy_lines)
    return sorted(peak, key=lambda t: (-peak[t], t))[:limit]


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _printable(text: str) -> str:
    # team names come from the scanned repository: never let them send terminal escapes
    return _CONTROL.sub("?", text)


def write_table(series: TrendSeries, out: TextIO, options: ReportOptions = DEFAULT_OPTIONS, max_teams: int = 6) -> None:
    """A plain-text table, one row per revision: totals, lines in copies of the top teams, adoption rates."""
    points = series.points
    teams = top_teams(points, max_teams)
    platforms = sorted({a.platform for p in points for a in p.adoption})
    fixes = any(p.divergent_fixes is not None for p in points)
    header = [
        "rev", "date", "files", "lines", "clusters", "dup.lines",
        *(_printable(t) for t in teams), *(f"{_printable(x)} adoption" for x in platforms),
        *(["fixed.1.place"] if fixes else []),
    ]  # fmt: skip
    rows: list[list[str]] = []
    for p in points:
        by_team = {t.team: t.copy_lines for t in p.teams}
        rates = {a.platform: a.rate for a in p.adoption}
        rows.append(
            [
                p.rev[:10],
                p.date[:10],
                f"{p.files}",
                f"{p.lines}",
                f"{p.clusters}",
                f"{p.duplicated_lines}",
                *(f"{by_team.get(t, 0)}" for t in teams),
                *(f"{rates[x]:.0%}" if x in rates else "-" for x in platforms),
                *([f"{p.divergent_fixes}" if p.divergent_fixes is not None else "-"] if fixes else []),
            ]
        )
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]

    def line(cells: Sequence[str]) -> str:
        pairs = enumerate(zip(cells, widths, strict=True))
        return "  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in pairs)

    out.write(line(header).rstrip() + "\n")
    for r in rows:
        out.write(line(r).rstrip() + "\n")
    if teams:
        out.write(
            "\nteam columns: lines of each team's code that has a similar copy elsewhere "
            f"(top {len(teams)} teams); dup.lines: lines that would go if one copy of each cluster served everyone\n"
        )
    if fixes:
        out.write("fixed.1.place: commits up to the revision that changed some copies of a cluster of the tip and "
                  "left the others (dupfinder history)\n")  # fmt: skip


def write_json(series: TrendSeries, out: TextIO, options: ReportOptions = DEFAULT_OPTIONS) -> None:
    """The ``dupfinder.trend/1`` JSON form of a trend."""
    json.dump(to_dict(series.points, series.repository), out, indent=2, ensure_ascii=False)
    out.write("\n")
