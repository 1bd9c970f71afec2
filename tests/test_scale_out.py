"""Scale-out for real: a Dask LocalCluster runs the per-file work, a redis-server keeps the LSH index."""

from __future__ import annotations

import io
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from dupfinder import pipeline as scan_mod
from dupfinder import reporters
from dupfinder.cli.app import cli
from dupfinder.config import ScanConfig
from dupfinder.discover.distributed import discover_distributed
from dupfinder.discover.walk import discover
from dupfinder.executors import DaskExecutor, LocalExecutor
from dupfinder.model import ScanResult
from dupfinder.similarity import fanout
from dupfinder.similarity.index import candidate_pair_codes, index_name, lsh_params, lsh_threshold
from dupfinder.similarity.signatures import signatures_of
from synthetic import make_corpus

CONFIG = ScanConfig(jobs=1)


def as_json(result: ScanResult) -> str:
    out = io.StringIO()
    reporters.get("json")(result, out)
    return out.getvalue()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("teams")
    make_corpus(root, teams=4, files_per_team=12)
    return root


def roots(corpus: Path) -> list[str]:
    return sorted(str(p) for p in corpus.iterdir())


@pytest.fixture(scope="module")
def dask_cluster() -> Iterator[Any]:
    distributed = pytest.importorskip("dask.distributed", reason="dask[distributed] is not installed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    try:
        yield cluster
    finally:
        cluster.close()


# -- Dask ---------------------------------------------------------------------------------


def test_a_dask_cluster_finds_exactly_what_a_local_scan_finds(corpus: Path, dask_cluster: Any) -> None:
    expected = as_json(scan_mod.scan(roots(corpus), CONFIG))
    executor = DaskExecutor(dask_cluster.scheduler_address, 2)
    try:
        assert executor.workers == 2
        # one root per task: the same files, skips and labels as one local walk
        assert discover_distributed(roots(corpus), CONFIG, executor) == discover(roots(corpus), CONFIG)
        assert as_json(scan_mod.scan(roots(corpus), CONFIG, executor=executor)) == expected
    finally:
        executor.close()


def test_the_cli_runs_on_a_dask_scheduler(corpus: Path, dask_cluster: Any) -> None:
    args = ["scan", *roots(corpus), "-q", "--format", "json", "--no-cache"]
    local = CliRunner().invoke(cli, args)
    assert local.exit_code == 0, local.output
    remote = CliRunner().invoke(cli, [*args, "--executor", "dask", "--scheduler", dask_cluster.scheduler_address])
    assert remote.exit_code == 0, remote.output
    assert remote.output == local.output


def test_verification_on_workers_equals_verification_here(
    corpus: Path, dask_cluster: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = as_json(scan_mod.scan([str(corpus)], CONFIG))
    monkeypatch.setattr(fanout, "_PARALLEL_VERIFY", 1)  # every candidate pair goes to the workers
    pool = LocalExecutor(2)
    dask = DaskExecutor(dask_cluster.scheduler_address, 2)
    try:
        for executor in (pool, dask):
            assert as_json(scan_mod.scan([str(corpus)], CONFIG, executor=executor)) == expected
    finally:
        pool.close()
        dask.close()


def test_executor_options_are_checked(corpus: Path) -> None:
    res = CliRunner().invoke(cli, ["scan", str(corpus), "-q", "--scheduler", "tcp://127.0.0.1:1"])
    assert res.exit_code == 2
    assert res.output.strip() == "dupfinder: error: --scheduler needs --executor dask"
    res = CliRunner().invoke(cli, ["scan", str(corpus), "-q", "--executor", "spark"])
    assert res.exit_code == 2


# -- Redis --------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (Debian: apt-get install redis-server; .ci/run installs it)")
    redis = pytest.importorskip("redis", reason="the redis package is not installed (pip install -e '.[scale]')")
    port = _free_port()
    folder = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    client = redis.Redis(host="127.0.0.1", port=port)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        client.close()
        proc.terminate()
        proc.wait(timeout=20)


def _redis(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url)


def test_a_redis_index_finds_what_the_memory_index_finds(redis_url: str) -> None:
    rng = np.random.default_rng(5)
    base = [rng.integers(0, 30, 120, dtype=np.uint32) for _ in range(40)]
    streams = []
    for n in range(400):
        tokens = base[n % 40].copy()
        changed = rng.random(len(tokens)) < rng.random() * 0.5
        tokens[changed] = rng.integers(0, 30, int(changed.sum()))
        streams.append(tokens.astype("<u4").tobytes())
    sigs = signatures_of(streams, 3, 128)
    keys = [f"python:{n:04d}" for n in range(len(sigs))]
    storage = {"type": "redis", "redis": {"host": "127.0.0.1", "port": int(redis_url.rsplit(":", 1)[1].split("/")[0])},
               "basename": b"dupfinder-test-pairs"}  # fmt: skip
    memory = candidate_pair_codes(keys, sigs, 0.7)
    assert len(memory) > 100
    assert np.array_equal(candidate_pair_codes(keys, sigs, 0.7, storage_config=storage), memory)
    only = np.array([3, 77, 399], dtype=np.int64)
    with_only = memory[np.isin(memory // len(keys), only) | np.isin(memory % len(keys), only)]
    assert np.array_equal(candidate_pair_codes(keys, sigs, 0.7, storage_config=storage, only=only), with_only)
    # the index is shared: another scan's units (other keys) do not leak into these pairs
    other = candidate_pair_codes([k + "x" for k in keys[:200]], sigs[:200], 0.7, storage_config=storage)
    first = memory[memory % len(keys) < 200]  # both rows among the first 200 (i < j)
    assert np.array_equal(other, first // len(keys) * 200 + first % len(keys))


def test_scans_share_one_redis_index(corpus: Path, redis_url: str) -> None:
    with _redis(redis_url) as server:
        server.flushdb()
        expected = as_json(scan_mod.scan([str(corpus)], CONFIG))
        assert as_json(scan_mod.scan([str(corpus)], CONFIG, lsh_storage=redis_url)) == expected
        b, r = lsh_params(lsh_threshold(CONFIG.threshold), CONFIG.num_perm)
        held = server.hlen(index_name(CONFIG.num_perm, b, r) + b"_keys")
        assert held > 20  # one key per distinct unit
        size = server.dbsize()
        # a second scan (another CI job) inserts nothing and finds the same
        assert as_json(scan_mod.scan([str(corpus)], CONFIG, lsh_storage=redis_url)) == expected
        assert server.dbsize() == size
    # a scan of part of the code base, through the shared index, equals its own scan in memory
    team = str(corpus / "team-1")
    assert as_json(scan_mod.scan([team], CONFIG, lsh_storage=redis_url)) == as_json(scan_mod.scan([team], CONFIG))


def test_the_cli_uses_redis_and_reports_bad_urls_in_one_line(corpus: Path, redis_url: str) -> None:
    args = ["scan", str(corpus), "-q", "--format", "json", "--no-cache"]
    local = CliRunner().invoke(cli, args)
    shared = CliRunner().invoke(cli, [*args, "--lsh-storage", redis_url])
    assert shared.exit_code == 0, shared.output
    assert shared.output == local.output
    res = CliRunner().invoke(cli, [*args, "--lsh-storage", "http://127.0.0.1:6379"])
    assert res.exit_code == 2
    assert res.output.startswith("dupfinder: error: --lsh-storage 'http://127.0.0.1:6379': expected redis://")
    res = CliRunner().invoke(cli, [*args, "--lsh-storage", f"redis://127.0.0.1:{_free_port()}/0"])
    assert res.exit_code == 2
    assert res.output.startswith("dupfinder: error: cannot use the Redis LSH index at 127.0.0.1:")
    assert len(res.output.strip().splitlines()) == 1
