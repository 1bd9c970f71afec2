"""Verification of many candidate pairs, fanned out over an executor.

Many candidate pairs are verified on the executor, one task per worker (a
range of nodes, whose pairs the worker finds itself from the shared
signatures), because preparing a unit for verification costs as much as a few
dozen comparisons: each worker prepares each unit at most once.  Fewer pairs
than ``_PARALLEL_VERIFY`` are verified in this process.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dupfinder.executors import SERIAL_BELOW, Executor, Runners, SerialExecutor
from dupfinder.similarity.index import Bands, Pairs
from dupfinder.similarity.verify import Verifier

Signatures = npt.NDArray[np.uint32]


_PAIRS_PER_CHUNK = 100_000  #: candidate pairs generated at a time (bounds memory: about 10 MB a worker)


_PARALLEL_VERIFY = 200_000  #: fewer candidate pairs are verified in this process


@dataclass(frozen=True, slots=True)
class Graph:
    """What verification needs of every node (shared by the workers)."""

    signatures: Signatures  #: each node's MinHash row
    language: npt.NDArray[np.int64]  #: each node's language, numbered
    threshold: float
    bands: tuple[int, int]  #: (b, r) of the index
    verifier: Verifier  #: each node's representative, prepared for verification
    #: the band index of ``signatures`` when this process built it: forked workers share it instead of
    #: each building its own (on the speed corpus, about 50 MB of the verification stage's peak)
    index: Bands | None = None


def _verify_pairs(graph: Graph, codes: Iterable[Pairs]) -> list[tuple[int, int, float]]:
    """Verified edges among candidate pair codes, in code order."""
    n = len(graph.language)
    out: list[tuple[int, int, float]] = []
    for chunk in codes:
        first, second = chunk // n, chunk % n
        same = graph.language[first] == graph.language[second]  # clones never cross languages
        a, b, sims = graph.verifier.verify(first[same], second[same], graph.threshold)
        out.extend(zip(a.tolist(), b.tolist(), sims.tolist(), strict=True))
    return out


def _verify_span(graph: Graph, span: tuple[int, int]) -> list[tuple[int, int, float]]:
    """On a worker: the candidate pairs whose smaller node is in ``span``, found and verified."""
    bands = graph.index if graph.index is not None else Bands(graph.signatures, *graph.bands)
    return _verify_pairs(graph, bands.chunks(_PAIRS_PER_CHUNK, *span))


def _verify_codes(graph: Graph, codes: Pairs) -> list[tuple[int, int, float]]:
    return _verify_pairs(graph, (codes,))


def verified(
    graph: Graph, bands: Bands | None, codes: Pairs | None, runners: Runners | None
) -> list[tuple[int, int, float]]:
    """Verified edges, sorted by pair: of all candidate pairs of ``bands``, or of ``codes``.

    Many candidates are verified on the executor, one task per worker (a
    range of nodes, whose pairs the worker finds itself from the shared
    signatures), because preparing a unit for verification costs as much as
    a few dozen comparisons: each worker prepares each unit at most once.
    """
    expected = int(bands.partners().sum()) if bands is not None else len(codes if codes is not None else ())
    runner: Executor = SerialExecutor()
    if runners is not None and expected >= _PARALLEL_VERIFY:
        runner = runners.get(SERIAL_BELOW + expected // _PARALLEL_VERIFY)
    parts = runner.workers if runner.distributed else 1
    if bands is not None:
        spans = bands.spans(parts)
        if parts == 1:
            return _verify_pairs(graph, bands.chunks(_PAIRS_PER_CHUNK))
        return [edge for part in runner.map_shared(_verify_span, graph, spans) for edge in part]
    assert codes is not None
    if parts == 1:
        return _verify_codes(graph, codes)
    pieces = np.array_split(codes, parts)
    return [edge for part in runner.map_shared(_verify_codes, graph, pieces) for edge in part]
