"""The wiring of the whole pipeline: :func:`scan` (clusters of similar code) and :func:`analyse_codebase`.

::

    discover -> analyse (per file, parallel, cached) -> similarity (index, verify, cluster)
    -> analyse.read (code excerpts) -> ownership -> rules -> opportunities -> reporters

Each stage is a function of the previous stage's values and lives in its own
package; this module only wires them together.  ``scan`` knows nothing of teams
or rules; :func:`analyse_codebase` loads the rules and the owner files and
hands both to :func:`~dupfinder.opportunities.enrich.enrich`.  Every command
that reports on teams (``scan``, ``opportunities``, ``report``, ``ci``) goes
through it, so they all agree.

A rescan of exactly the same input (same files, settings and dupfinder) takes
the last result of that scan from the cache as it is.  Cost: O(files) for the
cache look-ups, plus the stages' own (see each package).
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from dupfinder import cache as cache_mod
from dupfinder.analyse.batch import Keyed, analysed, file_keys, stored_streams
from dupfinder.analyse.read import attach_code
from dupfinder.config import ScanConfig
from dupfinder.discover.distributed import discover_distributed
from dupfinder.discover.walk import Discovery, discover
from dupfinder.executors import DaskExecutor, Executor, Runners, make_executor
from dupfinder.model import RuleSet, ScanResult, ScanStats, Skip, TeamOptions, TokenStream, Unit
from dupfinder.ownership.single import one_team_hint
from dupfinder.rules.loading import load_ruleset
from dupfinder.similarity.block_clusters import FileStream, find_block_clusters
from dupfinder.similarity.find import find_clusters
from dupfinder.similarity.index import check_storage, redis_storage_config
from dupfinder.support.progress import Progress, stage


def _storage(lsh_storage: str | Mapping[str, object] | None) -> dict[str, object] | None:
    if lsh_storage is None or lsh_storage == "memory":
        return None
    storage = redis_storage_config(lsh_storage) if isinstance(lsh_storage, str) else dict(lsh_storage)
    check_storage(storage)
    return storage


@dataclass(frozen=True, slots=True)
class _Memo:
    """Where a scan's result is remembered: its key, the digest of its inputs, and the files' keys."""

    key: bytes = b""
    digest: bytes = b""
    keyed: Keyed | None = None


def _remembered(disc: Discovery, config: ScanConfig, cache: cache_mod.Cache) -> tuple[_Memo, cache_mod.ScanMemo | None]:
    """The memo of this scan, and its last result when every input is as it was then."""
    keyed = file_keys(disc.files, config)
    if not all(k is not None for k in keyed.keys):
        return _Memo(keyed=keyed), None
    known = [k for k in keyed.keys if k is not None]
    memo = _Memo(cache_mod.result_key(config, disc.base, disc.roots),
                 cache_mod.result_digest(config, known, disc.skipped), keyed)  # fmt: skip
    return memo, cache.get_result(memo.key, memo.digest, known)


@dataclass(slots=True)
class _Gathered:
    """What the per-file stage produced for every file, gathered for the similarity half."""

    units: list[Unit]
    signatures: list[bytes]
    contents: list[bytes]  #: each file's units' content digests
    skipped: list[Skip]
    file_imports: dict[str, tuple[str, ...]]
    streams: list[FileStream]
    small: list[Unit]  #: every file's small units (:attr:`~dupfinder.model.FileResult.small_units`)
    files: int = 0
    lines: int = 0
    reusable: bool = True  #: every result came from the cache or may be stored in it


def _gather(disc: Discovery, config: ScanConfig, progress: Progress | None, runners: Runners,
            cache: cache_mod.Cache | None, memo: _Memo, units: list[Unit],
            tokens: bool = True, small: list[Unit] | None = None) -> _Gathered:  # fmt: skip
    """``tokens=False``: the streams of cached files come as their heads (see :func:`analysed`);
    ``small``: the list that receives the small units."""
    got = _Gathered(units, [], [], list(disc.skipped), {}, [], small if small is not None else [])
    languages = {f.path: (f.root, f.language) for f in disc.files}
    for done in analysed(disc.files, config, progress, runners, cache, memo.keyed, tokens=tokens):
        res = done.result
        got.reusable = got.reusable and done.reusable
        if res.skip is not None:
            got.skipped.append(res.skip)
            continue
        got.files += 1
        got.lines += res.lines
        got.units.extend(res.units)
        got.small.extend(res.small_units)
        got.signatures.append(done.signatures)
        got.contents.append(done.contents)
        if res.imports:
            got.file_imports[res.path] = res.imports
        if res.stream is not None and len(res.stream):
            root, language = languages[res.path]
            got.streams.append(FileStream(res.path, root, language, res.stream, res.imports))
        elif done.head is not None and done.head.length:
            root, language = languages[res.path]
            got.streams.append(FileStream(res.path, root, language, None, res.imports, done.head))
    return got


def _loader(disc: Discovery, config: ScanConfig, cache: cache_mod.Cache | None, memo: _Memo,
            streams: Sequence[FileStream]) -> Callable[[Sequence[int]], list[TokenStream]]:  # fmt: skip
    """The token streams of some of ``streams`` (by their numbers there) that came as heads."""
    at = {f.path: n for n, f in enumerate(disc.files)}
    keys = memo.keyed.keys if memo.keyed is not None else [None] * len(disc.files)

    def load(wanted: Sequence[int]) -> list[TokenStream]:
        asked = []
        for k in wanted:
            f = streams[k]
            if f.head is None:
                raise ValueError(f"{f.path}: no stream head to load the tokens of")
            n = at[f.path]
            asked.append((disc.files[n], keys[n], f.head))
        return stored_streams(asked, config, cache)

    return load


def _whole(streams: list[FileStream], wanted: Collection[str], load: Callable[[Sequence[int]], list[TokenStream]]
           ) -> None:  # fmt: skip
    """The ``wanted`` paths' streams in ``streams`` made whole (their tokens loaded), in place."""
    numbers = [k for k, f in enumerate(streams) if f.stream is None and f.path in wanted]
    for k, stream in zip(numbers, load(numbers) if numbers else [], strict=True):
        streams[k] = replace(streams[k], stream=stream, head=None)


def _keep(got: _Gathered) -> None:
    """The per-file stage's results live until the scan ends: they go to the garbage collector's
    permanent generation (the young garbage collected first), so that the collections of the later
    stages do not walk every unit again (on the 1M-line speed corpus 13 full collections over its
    27,000 units and their names).  They stay freed by reference counting; cycles among them (there
    are none) would not be collected."""
    if got.units:
        gc.collect(1)
        gc.freeze()


def _read_files(disc: Discovery, memo: _Memo) -> list[tuple[str, bytes]] | None:
    """Every file's path and cache key, when every file could be read and keyed."""
    if memo.keyed is None:
        return None
    keys = memo.keyed.keys
    if not all(k is not None for k in keys):
        return None
    return [(f.path, k) for f, k in zip(disc.files, keys, strict=True) if k is not None]


def scan_discovered(
    disc: Discovery,
    config: ScanConfig,
    progress: Progress | None = None,
    *,
    cache_dir: str | None = None,
    executor: str | Executor | None = None,
    scheduler: str | None = None,
    lsh_storage: str | Mapping[str, object] | None = None,
    units_out: list[Unit] | None = None,
    streams_out: dict[str, TokenStream] | None = None,
    focus: Collection[str] | None = None,
    blobs: Mapping[str, bytes] | None = None,
    small_out: list[Unit] | None = None,
) -> ScanResult:
    """Analyse and cluster discovered files; see :func:`scan` for the keyword arguments.

    ``units_out``: a list that receives every unit of the scan (the baseline records them all);
    ``small_out``: a list that receives the functions under the clone minimum that ``config.map_min_tokens``
    keeps for the capability map (:attr:`~dupfinder.model.FileResult.small_units`);
    ``streams_out``: a dict that receives every file's token stream, by path (the gate reads them);
    with a focus and a cache, those of the focus and of the files not read from the cache only;
    ``focus``: paths -- the result holds only the clusters that may have a copy in one of them (every
    such cluster, as a full scan finds it; the CI gate's need) and is never stored as the scan's; the
    token streams of cached files are then read only where the block search extends seeds into them.
    The files' records, the similarity graph and the groups of components are cached as always:
    they do not depend on the focus;
    ``blobs``: path -> git blob id of files whose working-tree bytes git says are that blob's (the gate's
    :func:`~dupfinder.gate.gitdiff.unchanged_blobs`): with a cache that knows the blob, such a file is
    keyed without being read (:func:`~dupfinder.analyse.batch.file_keys`).
    """
    storage_config = _storage(lsh_storage)
    runners = Runners(executor, config.jobs, scheduler)
    cache = cache_mod.Cache(cache_dir) if cache_dir else None
    memo = _Memo()
    if (cache is not None and not cache.disabled and units_out is None and streams_out is None and focus is None
            and small_out is None):  # fmt: skip
        memo, last = _remembered(disc, config, cache)
        if last is not None:
            cache.finish()
            return _result(disc, config, last)
    if cache is not None and not cache.disabled and memo.keyed is None:
        memo = _Memo(keyed=file_keys(disc.files, config, cache, blobs))
    try:
        # around a focus the block search reads the tokens of a few streams only: the rest come as heads
        heads = focus is not None and cache is not None and not cache.disabled
        got = _gather(disc, config, progress, runners, cache, memo, units_out if units_out is not None else [],
                      tokens=not heads, small=small_out)  # fmt: skip
        load = _loader(disc, config, cache, memo, got.streams)
        if focus is not None:
            _whole(got.streams, set(focus), load)  # the focus's own streams, for streams_out
        _keep(got)
        unit_sigs = np.frombuffer(b"".join(got.signatures), dtype="<u4").reshape(-1, config.num_perm)
        files = _read_files(disc, memo) if got.reusable else None
        found = find_clusters(got.units, config, storage_config, unit_signatures=unit_sigs, cache=cache,
                              snapshot_name=(disc.base, *disc.roots), runners=runners, focus=focus,
                              files=files, unit_contents=b"".join(got.contents), progress=progress)  # fmt: skip
        with stage(progress, "blocks"):
            blocks = find_block_clusters(got.streams, got.units, found, config.min_tokens, config.threshold, focus,
                                         load)  # fmt: skip
        if streams_out is not None:
            streams_out.update((f.path, f.stream) for f in got.streams if f.stream is not None)
        found = tuple(sorted((*found, *blocks), key=lambda c: (-len(c.instances), -c.lines, c.id)))
        stats = ScanStats(files=got.files, units=len(got.units), lines=got.lines,
                          skipped=tuple(sorted(got.skipped, key=lambda s: (s.path, s.reason))))  # fmt: skip
        with stage(progress, "excerpts"):
            result = cache_mod.ScanMemo(stats, attach_code(found, disc.base), got.file_imports)
        if cache is not None and memo.key and got.reusable and focus is None:
            cache.put_result(memo.key, memo.digest, result)
    finally:
        runners.close()
        if cache is not None:
            cache.finish()
    return _result(disc, config, result)


def _result(disc: Discovery, config: ScanConfig, memo: cache_mod.ScanMemo) -> ScanResult:
    return ScanResult(roots=disc.roots, stats=memo.stats, clusters=memo.clusters, base=disc.base,
                      settings=config.as_dict(), file_imports=memo.file_imports)  # fmt: skip


def scan(
    paths: Sequence[str],
    config: ScanConfig | None = None,
    progress: Progress | None = None,
    *,
    cache_dir: str | None = None,
    executor: str | Executor | None = None,
    scheduler: str | None = None,
    lsh_storage: str | Mapping[str, object] | None = None,
    units_out: list[Unit] | None = None,
    small_out: list[Unit] | None = None,
) -> ScanResult:
    """Scan ``paths`` (files or directories) and return clusters of similar code.

    ``cache_dir``: a folder for the incremental cache (:mod:`dupfinder.cache`);
    None scans without one.  ``executor``: ``"local"`` (a process pool of
    ``config.jobs`` processes, the default), ``"dask"`` (a Dask cluster at
    ``scheduler``, or a ``LocalCluster`` without one), or an
    :class:`~dupfinder.executors.Executor`.  ``lsh_storage``:
    ``"redis://host:port/db"`` (or a datasketch storage config) to keep the LSH
    index in a shared Redis; None keeps it in memory.  None of them changes
    the result.
    """
    config = config or ScanConfig()
    if executor == "dask" and len(paths) > 1:  # one cluster for discovery and analysis
        runner = make_executor("dask", config.jobs, scheduler)
        try:
            with stage(progress, "discover"):
                disc = discover_distributed(paths, config, runner)
            return scan_discovered(disc, config, progress, cache_dir=cache_dir, executor=runner,
                                   lsh_storage=lsh_storage, units_out=units_out, small_out=small_out)  # fmt: skip
        finally:
            runner.close()
    with stage(progress, "discover"):
        if isinstance(executor, DaskExecutor) and len(paths) > 1:
            disc = discover_distributed(paths, config, executor)
        else:
            disc = discover(paths, config)
    return scan_discovered(disc, config, progress, cache_dir=cache_dir, executor=executor, scheduler=scheduler,
                           lsh_storage=lsh_storage, units_out=units_out, small_out=small_out)  # fmt: skip


def with_rules(config: ScanConfig, rules: RuleSet) -> ScanConfig:
    """``config`` leaving out what the enabled ignore rules name."""
    return replace(config, ignore_rules=tuple(r for r in rules.ignores if r.enabled))


def enrich_result(
    result: ScanResult,
    rules: RuleSet,
    teams: TeamOptions,
    cache_dir: str | None = None,
    jobs: int = 1,
    units: Sequence[Unit] = (),
    progress: Progress | None = None,
) -> tuple[ScanResult, tuple[str, ...]]:
    """Teams, categories, opportunities and adoption for a scan (categories on ``jobs`` local
    processes when there are many clusters); also the owner-file warnings."""
    from dupfinder.opportunities.enrich import enrich
    from dupfinder.ownership.churn import git_churn
    from dupfinder.ownership.resolver import build_resolver
    from dupfinder.rules.kinds import copied_folders

    with stage(progress, "owners"):
        resolver = build_resolver(result.base, result.roots, teams.teams_file, teams.fallback)
        churn = None
        if teams.churn:
            paths = {i.path for c in result.clusters for i in c.instances}
            churn = git_churn(result.base, paths) or None
        seen = set(result.file_imports) | {i.path for c in result.clusters for i in c.instances}
        copied = copied_folders(result.base, seen | {u.path for u in units}, rules) if result.base else frozenset()
    warnings = list(resolver.warnings)
    if teams.teams_file:
        from dupfinder.ownership.teamsfile import unmatched_teams

        warnings += unmatched_teams(teams.teams_file, resolver.teams, sorted(seen))
    enriched = enrich(result, resolver, rules, churn, cache_dir, jobs, teams.include_tests, units, progress=progress,
                      copied=copied)  # fmt: skip
    return enriched, tuple(warnings)


def analyse_codebase(
    paths: Sequence[str],
    config: ScanConfig | None = None,
    *,
    rules: RuleSet | None = None,
    teams: TeamOptions | None = None,
    progress: Progress | None = None,
    units_out: list[Unit] | None = None,
    **scan_options: Any,
) -> tuple[ScanResult, tuple[str, ...]]:
    """Scan ``paths`` and attribute, categorise and rank what it finds; also the warnings (the owner
    files', and a hint when all the code belongs to one team).

    ``units_out``: a list that receives every unit of the scan (as :func:`scan_discovered`'s).
    """
    rules = rules if rules is not None else load_ruleset(paths=paths)
    config = with_rules(config or ScanConfig(), rules)
    teams = teams or TeamOptions()
    # every unit, for the capability map (collecting them skips the whole-result cache), and the functions
    # under the clone minimum down to SMALL_TOKENS
    units: list[Unit] | None = units_out if units_out is not None else ([] if teams.capabilities else None)
    small: list[Unit] | None = [] if teams.capabilities else None
    if teams.capabilities and config.map_min_tokens is None:
        from dupfinder.opportunities.capabilities import SMALL_TOKENS

        config = replace(config, map_min_tokens=SMALL_TOKENS)
    result = scan(paths, config, progress, units_out=units, small_out=small, **scan_options)
    jobs = min(config.effective_jobs, os.cpu_count() or 1)  # categories run on this machine's cores
    mapped = [*(units or ()), *(small or ())]
    enriched, warnings = enrich_result(result, rules, teams, scan_options.get("cache_dir"), jobs, mapped, progress)
    # only when something is copied: then one team hides what would span teams
    hint = one_team_hint(enriched.file_teams, teams.fallback) if enriched.clusters else None
    return enriched, warnings + ((hint,) if hint else ())
