"""Duplication and platform adoption over a git repository's history.

Sampling (:func:`sample_revisions`)
    The first-parent history of a tip revision (``HEAD`` by default) is read
    once with ``git log --first-parent``. ``count=N`` picks N commits evenly
    spread from the oldest to the tip (all of them when there are fewer);
    ``since``/``every`` pick, for each moment ``since``, ``since + every``, ...
    up to the tip's commit date, the newest commit made at or before it, plus
    the tip itself. Moments come from commit dates, never from the clock, so
    the same history always gives the same sample. Revisions are returned
    oldest first, without repeats.

Materialising (:func:`materialise`)
    A revision's files are streamed out of the object store with
    ``git archive`` and unpacked into a temporary folder; the repository's
    working tree, index and refs are never touched. Archive members are
    unpacked with :func:`tarfile.data_filter`, so a link pointing outside the
    folder or an absolute path in a hostile history is skipped, never
    followed. Every revision is unpacked into the same folder (emptied between
    revisions), so the paths the scanner sees are identical from one revision
    to the next and a per-file cache is reused across revisions.

Points (:func:`trend_point`)
    One frozen :class:`TrendPoint` per revision: the commit date (data, not
    the time of the run), the scanned files and lines, the clusters, the
    duplicated lines (what would go if one copy served everyone), per team the
    lines of its copies, and per platform its adoption.

Cost: one ``git log`` (sampling by time adds a binary search per moment)
plus, per sampled revision, one ``git archive`` (linear in the size of the
tree) and one scan (mostly cache hits after the first, with a cache).
"""

from __future__ import annotations

import bisect
import os
import re
import shutil
import subprocess
import tarfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

from dupfinder.errors import DupfinderError, InputError
from dupfinder.opportunities.graph import team_label
from dupfinder.model import ScanResult

SCHEMA = "dupfinder.trend/1"
#: Most revisions one trend may sample (each one is a scan).
MAX_REVISIONS = 500
_GIT_TIMEOUT_S = 600
_EVERY = re.compile(r"\s*([1-9][0-9]*)\s*([hdw])\s*")
_UNIT_S = {"h": 3600, "d": 86400, "w": 7 * 86400}

#: progress callback: (stage, done, total)
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class Revision:
    """A sampled commit."""

    sha: str  #: full commit id
    timestamp: int  #: committer date, seconds since the epoch
    date: str  #: committer date, ISO 8601 with the committer's offset


@dataclass(frozen=True, slots=True)
class TeamPoint:
    team: str  #: team name, "(unowned)" for copies nobody owns
    copy_lines: int  #: lines of the team's copies in clusters (its code that exists elsewhere too)
    copies: int  #: number of those copies


@dataclass(frozen=True, slots=True)
class PlatformPoint:
    platform: str
    category: str
    rate: float  #: adopters / teams with code in the category
    adopters: tuple[str, ...]
    rolling_their_own: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """Duplication and adoption at one revision."""

    rev: str  #: full commit id
    date: str  #: committer date, ISO 8601
    files: int  #: files scanned
    lines: int  #: lines in the scanned files
    clusters: int
    copy_lines: int  #: lines held in all copies
    duplicated_lines: int  #: lines that would go if one copy of each cluster served everyone
    teams: tuple[TeamPoint, ...]  #: sorted by team
    adoption: tuple[PlatformPoint, ...]  #: sorted by platform


# ---------------------------------------------------------------- git


def _git(repo: str, *args: str) -> str:
    try:
        proc = subprocess.run(
            ["git", "-C", repo, *args], capture_output=True, text=True, timeout=_GIT_TIMEOUT_S, check=False
        )
    except FileNotFoundError:
        raise InputError("git is not installed (needed to read the repository's history)") from None
    except subprocess.TimeoutExpired:
        raise InputError(f"git {args[0]} took longer than {_GIT_TIMEOUT_S}s in {repo}") from None
    if proc.returncode != 0:
        msg = proc.stderr.strip().splitlines()
        raise InputError(f"git {args[0]} failed in {repo}: {msg[-1] if msg else f'exit code {proc.returncode}'}")
    return proc.stdout


def repository(path: str) -> tuple[str, str]:
    """(top folder of the work tree holding ``path``, ``path`` relative to it as a POSIX prefix, "" for the top)."""
    if not os.path.isdir(path):
        raise InputError(f"{path}: not a folder")
    try:
        top = _git(path, "rev-parse", "--show-toplevel").strip()
    except InputError:
        raise InputError(f"{path}: not inside a git repository") from None
    prefix = _git(path, "rev-parse", "--show-prefix").strip().rstrip("/")
    return top, prefix


def _check_rev(rev: str) -> str:
    if not rev or rev.startswith("-") or any(ch.isspace() or ord(ch) < 32 for ch in rev):
        raise DupfinderError(f"not a revision: {rev!r}")
    return rev


def first_parent_history(repo: str, rev: str = "HEAD") -> tuple[Revision, ...]:
    """The first-parent history of ``rev``, newest first."""
    out = _git(repo, "log", "--first-parent", "--format=%H%x09%ct%x09%cI", "--end-of-options", _check_rev(rev), "--")
    revs: list[Revision] = []
    for line in out.splitlines():
        sha, ts, date = line.split("\t")
        revs.append(Revision(sha, int(ts), date))
    return tuple(revs)


def parse_every(every: str) -> int:
    """Seconds in ``every`` (``12h``, ``3d``, ``1w``); DupfinderError otherwise."""
    m = _EVERY.fullmatch(every)
    if m is None:
        raise DupfinderError(f"--every must be a number and a unit h, d or w (e.g. 1w), got {every!r}")
    return int(m[1]) * _UNIT_S[m[2]]


def parse_since(since: str) -> int:
    """Seconds since the epoch of an ISO 8601 date (``2024-01-31``, ``2024-01-31T12:00+02:00``); UTC when no offset."""
    try:
        when = datetime.fromisoformat(since.strip())
    except ValueError:
        raise DupfinderError(f"--since must be an ISO date such as 2024-01-31, got {since!r}") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return int(when.timestamp())


def pick_evenly(history: Sequence[Revision], count: int) -> tuple[Revision, ...]:
    """``count`` revisions spread evenly over ``history`` (newest first), oldest first, ends included."""
    if count < 1:
        raise DupfinderError(f"--revs must be at least 1, got {count}")
    oldest_first = list(reversed(history))
    n = len(oldest_first)
    if n <= count:
        return tuple(oldest_first)
    if count == 1:
        return (oldest_first[-1],)
    idx = sorted({round(k * (n - 1) / (count - 1)) for k in range(count)})
    return tuple(oldest_first[i] for i in idx)


def pick_by_time(history: Sequence[Revision], since: int, step: int) -> tuple[Revision, ...]:
    """For each moment ``since + k * step`` up to the tip's date, the newest revision at or before it; then the tip."""
    if not history:
        return ()
    tip = history[0]
    if since > tip.timestamp:
        return (tip,)
    moments = (tip.timestamp - since) // step + 1
    if moments > 100 * MAX_REVISIONS:
        raise DupfinderError(f"--since/--every give {moments} moments; use a later --since or a longer --every")
    # the first revision (newest first) made at or before t is the first whose running minimum of
    # dates is <= t; that minimum never grows along the history, so a binary search finds it
    lowest: list[int] = []
    for r in history:
        lowest.append(min(r.timestamp, lowest[-1]) if lowest else r.timestamp)
    falling = [-v for v in lowest]  # ascending, for bisect
    picked: list[Revision] = []
    for k in range(moments):
        i = bisect.bisect_left(falling, -(since + k * step))
        if i < len(history) and (not picked or picked[-1].sha != history[i].sha):
            picked.append(history[i])
    # as the moment grows, the revision found only moves towards the tip: no repeats but consecutive ones
    if not picked or picked[-1].sha != tip.sha:
        picked.append(tip)
    return tuple(picked)


def sample_revisions(
    repo: str,
    rev: str = "HEAD",
    *,
    count: int | None = None,
    since: str | None = None,
    every: str | None = None,
) -> tuple[Revision, ...]:
    """The revisions to scan, oldest first (see the module docstring)."""
    if count is not None and (since is not None or every is not None):
        raise DupfinderError("use either --revs or --since/--every, not both")
    if (since is None) != (every is None):
        raise DupfinderError("--since and --every go together")
    history = first_parent_history(repo, rev)
    if since is not None and every is not None:
        picked = pick_by_time(history, parse_since(since), parse_every(every))
    else:
        picked = pick_evenly(history, 10 if count is None else count)
    if len(picked) > MAX_REVISIONS:
        raise DupfinderError(f"{len(picked)} revisions sampled, more than {MAX_REVISIONS}; sample fewer")
    return picked


# ---------------------------------------------------------------- materialising


def _safe_member(member: tarfile.TarInfo, dest: str) -> tarfile.TarInfo | None:
    # data_filter refuses absolute paths, links leaving dest and device files; skip those members
    try:
        return tarfile.data_filter(member, dest)
    except tarfile.FilterError:
        return None


def _empty(folder: str) -> None:
    for name in os.listdir(folder):
        full = os.path.join(folder, name)
        if os.path.isdir(full) and not os.path.islink(full):
            shutil.rmtree(full)
        else:
            os.unlink(full)


def materialise(repo: str, rev: str, prefix: str, dest: str) -> str:
    """Unpack ``rev`` (only ``prefix`` when given) into the existing folder ``dest``, emptied first.

    Returns the folder to scan: ``dest/prefix``, created empty when ``prefix``
    did not exist at ``rev``.
    """
    _empty(dest)
    # no --end-of-options: git archive (2.39) takes it for a path; _check_rev refuses a leading "-" instead
    args = ["git", "-C", repo, "archive", "--format=tar", _check_rev(rev)]
    if prefix:
        args += ["--", prefix]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout: IO[bytes] | None = proc.stdout
    assert stdout is not None
    error: str | None = None
    try:
        with tarfile.open(fileobj=stdout, mode="r|") as tar:
            tar.extractall(dest, filter=_safe_member)
    except tarfile.ReadError as exc:  # empty stream: git refused, reported below
        error = str(exc)
    finally:
        # read to the end: tar stops at its end marker, git may still be writing padding (SIGPIPE otherwise)
        while stdout.read(1 << 16):
            pass
        stdout.close()
        err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
        if proc.stderr:
            proc.stderr.close()
        rc = proc.wait()
    target = os.path.join(dest, prefix) if prefix else dest
    if rc != 0:
        if prefix and "did not match any files" in err:
            os.makedirs(target, exist_ok=True)
            return target
        lines = err.strip().splitlines()
        raise InputError(f"git archive {rev} failed: {lines[-1] if lines else error or f'exit code {rc}'}")
    os.makedirs(target, exist_ok=True)
    return target


# ---------------------------------------------------------------- points


def trend_point(result: ScanResult, revision: Revision) -> TrendPoint:
    """The figures of an enriched scan ``result`` of ``revision``."""
    teams: dict[str, tuple[int, int]] = {}
    for c in result.clusters:
        for i in c.instances:
            label = team_label(i.team)
            lines, copies = teams.get(label, (0, 0))
            teams[label] = (lines + i.lines, copies + 1)
    return TrendPoint(
        rev=revision.sha,
        date=revision.date,
        files=result.stats.files,
        lines=result.stats.lines,
        clusters=len(result.clusters),
        copy_lines=sum(c.lines for c in result.clusters),
        duplicated_lines=sum(c.duplicated_lines for c in result.clusters),
        teams=tuple(TeamPoint(t, lines, copies) for t, (lines, copies) in sorted(teams.items())),
        adoption=tuple(
            PlatformPoint(a.platform, a.category, a.rate, a.adopters, a.rolling_their_own)
            for a in sorted(result.adoption, key=lambda a: a.platform)
        ),
    )


@dataclass(frozen=True, slots=True)
class Trend:
    points: tuple[TrendPoint, ...]  #: oldest first
    latest: ScanResult | None  #: the enriched scan of the newest revision (None when nothing was sampled)


def run_trend(
    path: str,
    revisions: Sequence[Revision],
    analyse: Callable[[str], ScanResult],
    workdir: str,
    progress: Progress | None = None,
) -> Trend:
    """Scan each revision of the repository holding ``path`` and collect its :class:`TrendPoint`.

    ``analyse(folder)`` scans and enriches one unpacked revision (the caller
    decides the settings, teams, rules and cache); ``workdir`` is an existing
    empty folder the revisions are unpacked into, one at a time.
    """
    top, prefix = repository(path)
    # named like the repository, so that teams named after the scanned folder (the root and repo
    # fallbacks) come out as they do for the working tree
    tree = os.path.join(workdir, os.path.basename(top) or "repository")
    os.makedirs(tree, exist_ok=True)
    points: list[TrendPoint] = []
    latest: ScanResult | None = None
    for n, rev in enumerate(revisions, 1):
        if progress:
            progress("revisions", n - 1, len(revisions))
        folder = materialise(top, rev.sha, prefix, tree)
        latest = analyse(folder)
        points.append(trend_point(latest, rev))
    if progress:
        progress("revisions", len(revisions), len(revisions))
    return Trend(tuple(points), latest)


# ---------------------------------------------------------------- output


def to_dict(points: Sequence[TrendPoint], repository_name: str = "") -> dict[str, Any]:
    """The JSON form (schema ``dupfinder.trend/1``): deterministic, no absolute paths."""
    return {
        "schema": SCHEMA,
        "repository": repository_name,
        "points": [
            {
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
            for p in points
        ],
    }


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


def write_table(points: Sequence[TrendPoint], out: IO[str], max_teams: int = 6) -> None:
    """A plain-text table, one row per revision: totals, lines in copies of the top teams, adoption rates."""
    teams = top_teams(points, max_teams)
    platforms = sorted({a.platform for p in points for a in p.adoption})
    header = [
        "rev", "date", "files", "lines", "clusters", "dup.lines",
        *(_printable(t) for t in teams), *(f"{_printable(x)} adoption" for x in platforms),
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
