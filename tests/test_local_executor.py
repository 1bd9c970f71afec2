"""The local pool's ways of starting workers give the same results, in order, as a loop here."""

from __future__ import annotations

import os

import pytest

from dupfinder.executors import LocalExecutor


def _scaled(shared: dict[str, int], item: int) -> tuple[int, int]:
    return item * shared["factor"], os.getpid()


@pytest.mark.parametrize("start", [None, "forkserver", "no-such-start-method"])
def test_map_shared_gives_each_result_in_order_from_other_processes(start: str | None) -> None:
    pool = LocalExecutor(2, start=start)
    try:
        found = list(pool.map_shared(_scaled, {"factor": 3}, range(20)))
    finally:
        pool.close()
    assert [value for value, _ in found] == [3 * k for k in range(20)]
    assert os.getpid() not in {pid for _, pid in found}  # the work ran in the pool's workers
