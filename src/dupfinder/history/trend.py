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
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import IO

from dupfinder.config import Runtime, ScanConfig
from dupfinder.errors import DupfinderError, InputError
from dupfinder.model import PlatformPoint, Revision, RuleSet, ScanResult, TeamOptions, TeamPoint, TrendPoint
from dupfinder.opportunities.graph import team_label
from dupfinder.support import git
from dupfinder.support.progress import Progress

#: Most revisions one trend may sample (each one is a scan).
MAX_REVISIONS = 500
_GIT_TIMEOUT_S = 600
_EVERY = re.compile(r"\s*([1-9][0-9]*)\s*([hdw])\s*")
_UNIT_S = {"h": 3600, "d": 86400, "w": 7 * 86400}


# ---------------------------------------------------------------- git


def _git(repo: str, *args: str) -> str:
    out = git.checked(repo, args, needed_for="to read the repository's history", timeout=_GIT_TIMEOUT_S)
    return out.decode("utf-8", "surrogateescape")


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


def ancestors(repo: str, rev: str) -> set[str]:
    """Every commit in ``rev``'s history, ``rev`` included."""
    return set(_git(repo, "rev-list", "--end-of-options", _check_rev(rev), "--").split())


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
    args = ["archive", "--format=tar", _check_rev(rev)]
    if prefix:
        args += ["--", prefix]
    command, env = git.command(repo, args), git.environment()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
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


def sample_trend(
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


def run_trend(path: str, revisions: Sequence[Revision], config: ScanConfig, rules: RuleSet, teams: TeamOptions,
              runtime: Runtime, progress: Progress | None = None) -> tuple[Trend, tuple[str, ...]]:  # fmt: skip
    """The trend of ``revisions``, each scanned and enriched as ``dupfinder report`` would; also the warnings.

    Without a cache folder, one lives for this run at least: most files do not
    change between two sampled revisions.
    """
    from dupfinder.pipeline import enrich_result, scan

    warnings: set[str] = set()
    with tempfile.TemporaryDirectory(prefix="dupfinder-trend-") as work:
        if runtime.cache_dir is None:
            runtime = replace(runtime, cache_dir=os.path.join(work, "cache"))

        def analyse(folder: str) -> ScanResult:
            enriched, found = enrich_result(scan([folder], config, progress, **runtime.scan_kwargs()), rules, teams)
            warnings.update(found)
            return enriched

        result = sample_trend(path, revisions, analyse, work, progress)
    return result, tuple(sorted(warnings))
