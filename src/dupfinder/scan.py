"""The scan pipeline: discover -> analyse (parallel) -> signatures -> index -> verify -> cluster.

Each stage is a function of the previous stage's values; this module only
wires them together.  Per-file work runs in a local process pool (results
come back in path order, so output never depends on scheduling); the
similarity stages run in the main process on compact arrays.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from functools import partial

from dupfinder import signatures
from dupfinder.analyse import analyse_file, read_text
from dupfinder.cluster import build_clusters
from dupfinder.config import ScanConfig
from dupfinder.discover import Discovery, discover
from dupfinder.index import candidate_pairs
from dupfinder.model import Cluster, FileResult, ScanResult, ScanStats, SourceFile, Unit
from dupfinder.verify import verify_pairs

#: progress callback: (stage, done, total)
Progress = Callable[[str, int, int], None]

_SERIAL_BELOW = 32  # files; a pool costs more than it saves for tiny inputs


def analyse_all(files: Sequence[SourceFile], config: ScanConfig, progress: Progress | None = None) -> Iterator[FileResult]:
    """FileResults in the order of ``files``, computed in a process pool when worthwhile."""
    jobs = min(config.effective_jobs, max(1, len(files)))
    work = partial(analyse_file, config=config)
    results: Iterable[FileResult]
    if jobs <= 1 or len(files) < _SERIAL_BELOW:
        results = map(work, files)
        for n, r in enumerate(results, 1):
            if progress:
                progress("parse", n, len(files))
            yield r
        return
    chunk = max(1, min(64, len(files) // (jobs * 8)))
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for n, r in enumerate(pool.map(work, files, chunksize=chunk), 1):
            if progress:
                progress("parse", n, len(files))
            yield r


def find_clusters(units: Sequence[Unit], config: ScanConfig, storage_config: dict[str, object] | None = None) -> tuple[Cluster, ...]:
    """Clusters among ``units``: the similarity half of the pipeline."""
    groups: dict[tuple[str, str], list[Unit]] = defaultdict(list)
    for u in units:
        groups[(u.language, u.fingerprint)].append(u)
    keys = sorted(groups)
    nodes = [groups[k] for k in keys]
    shingle_sets = [signatures.shingles(n[0].token_hashes, config.shingle) for n in nodes]
    sigs = signatures.minhash_matrix(shingle_sets, config.num_perm)
    pairs = candidate_pairs([f"{lang}:{fp}" for lang, fp in keys], sigs, config.threshold, storage_config=storage_config)
    # clones never cross languages: token vocabularies differ
    pairs = [(i, j) for i, j in pairs if keys[i][0] == keys[j][0]]
    edges = verify_pairs(shingle_sets, pairs, config.threshold)
    return build_clusters(nodes, edges)


def attach_code(clusters: Sequence[Cluster], base: str) -> tuple[Cluster, ...]:
    """Clusters whose instances carry their source text (read once per file)."""
    cache: dict[str, list[str] | None] = {}
    out: list[Cluster] = []
    for c in clusters:
        instances = []
        for inst in c.instances:
            if inst.path not in cache:
                text = read_text(os.path.join(base, inst.path), inst.language)
                cache[inst.path] = None if text is None else text.split("\n")
            lines = cache[inst.path]
            code = "" if lines is None else "\n".join(lines[inst.start_line - 1 : inst.end_line])
            instances.append(replace(inst, code=code))
        out.append(replace(c, instances=tuple(instances)))
    return tuple(out)


def scan_discovered(disc: Discovery, config: ScanConfig, progress: Progress | None = None) -> ScanResult:
    units: list[Unit] = []
    skipped = list(disc.skipped)
    file_imports: dict[str, tuple[str, ...]] = {}
    files = lines = 0
    for res in analyse_all(disc.files, config, progress):
        if res.skip is not None:
            skipped.append(res.skip)
            continue
        files += 1
        lines += res.lines
        units.extend(res.units)
        if res.imports:
            file_imports[res.path] = res.imports
    clusters = attach_code(find_clusters(units, config), disc.base)
    return ScanResult(
        roots=disc.roots,
        stats=ScanStats(
            files=files,
            units=len(units),
            lines=lines,
            skipped=tuple(sorted(skipped, key=lambda s: (s.path, s.reason))),
        ),
        clusters=clusters,
        base=disc.base,
        settings=config.as_dict(),
        file_imports=file_imports,
    )


def scan(paths: Sequence[str], config: ScanConfig | None = None, progress: Progress | None = None) -> ScanResult:
    """Scan ``paths`` (files or directories) and return clusters of similar code."""
    config = config or ScanConfig()
    return scan_discovered(discover(paths, config), config, progress)
