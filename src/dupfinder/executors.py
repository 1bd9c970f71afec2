"""Where per-file work runs: in this process, a local process pool, or a Dask cluster.

One small interface, :class:`Executor`: ``map(fn, items)`` yields
``fn(item)`` for every item *in the order of the items*, as results arrive,
with a bounded number of tasks in flight, so memory holds a window of
results rather than all of them, and the output of a scan never depends on
scheduling.  ``map_shared(fn, shared, items)`` is the same with
``fn(shared, item)``: ``shared`` (the units that candidate pairs point into)
reaches each worker once -- inherited by forked pool processes, broadcast
once to Dask workers -- instead of once per task.  The scan hands it batches of files (:mod:`dupfinder.pipeline`), so
the per-task overhead (pickling, a scheduler round trip: about 1 ms on Dask)
is paid per batch, not per file.

* :class:`SerialExecutor` -- in this process (tiny inputs, ``--jobs 1``).
* :class:`LocalExecutor` -- a ``concurrent.futures`` process pool on this
  machine, one process per core by default.
* :class:`DaskExecutor` -- a ``dask.distributed`` cluster: the scheduler at
  ``--scheduler ADDRESS``, or, without one, a ``LocalCluster`` started for the
  scan.  Workers run the same functions as the local pool and must see the
  scanned files at the same absolute paths (a shared file system, or the same
  checkout on every worker) and have dupfinder installed.  Optional: needs
  ``pip install 'dupfinder[scale]'``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import importlib
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Protocol, TypeVar

from dupfinder.errors import DupfinderError

T = TypeVar("T")
R = TypeVar("R")
S = TypeVar("S")

KINDS = ("local", "dask")
SERIAL_BELOW = 32  #: pieces of work; a local pool costs more than it saves for fewer


class Executor(Protocol):
    """Runs a function over items, yielding results in item order."""

    #: workers available, for sizing batches
    workers: int
    #: whether tasks run in other processes (their functions and results are pickled)
    distributed: bool

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]: ...

    def map_shared(self, fn: Callable[[S, T], R], shared: S, items: Iterable[T]) -> Iterator[R]: ...

    def close(self) -> None: ...


class SerialExecutor:
    """Everything in this process."""

    workers = 1
    distributed = False

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        return map(fn, items)

    def map_shared(self, fn: Callable[[S, T], R], shared: S, items: Iterable[T]) -> Iterator[R]:
        return (fn(shared, item) for item in items)

    def close(self) -> None:
        pass


def _ordered(submit: Callable[[T], Any], result: Callable[[Any], R], items: Iterable[T], window: int) -> Iterator[R]:
    """Submit at most ``window`` items ahead of the one being yielded."""
    pending: deque[Any] = deque()
    for item in items:
        pending.append(submit(item))
        if len(pending) >= window:
            yield result(pending.popleft())
    while pending:
        yield result(pending.popleft())


class LocalExecutor:
    """A process pool on this machine (started on first use).

    ``start`` names the way :meth:`map_shared`'s workers start (a :mod:`multiprocessing` start
    method).  The default forks them from this process, which shares its pages with them for free;
    ``"forkserver"`` starts them from a small server process instead, for a short stage at the end
    of a scan: a forked worker writes into the free slots of the heap it inherited, and each page it
    writes becomes a private copy, so that two forked workers of a large process cost about 90 MB
    each more than two fresh ones (the categories of the speed corpus's cold scan).  Where the start
    method does not exist on this platform, the workers are forked (or started the platform's way).
    """

    distributed = True

    def __init__(self, workers: int, start: str | None = None) -> None:
        self.workers = max(1, workers)
        self.start = start
        self._pool: ProcessPoolExecutor | None = None

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        if self._pool is None:
            _freeze()
            self._pool = ProcessPoolExecutor(max_workers=self.workers)
        pool = self._pool

        def submit(item: T) -> Future[R]:
            return pool.submit(fn, item)

        return _ordered(submit, lambda f: f.result(), items, window=4 * self.workers)

    def map_shared(self, fn: Callable[[S, T], R], shared: S, items: Iterable[T]) -> Iterator[R]:
        # a pool of its own, whose workers get ``shared`` when they start (forked: without pickling;
        # from a server process: pickled once per worker)
        if self.start is None or self.start not in multiprocessing.get_all_start_methods():
            _freeze()
            pool = ProcessPoolExecutor(max_workers=self.workers, initializer=_install, initargs=(shared,))
        else:
            gc.collect()
            _trim()  # this process's free heap, back to the system before the pool adds its own
            context = multiprocessing.get_context(self.start)
            pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context, initializer=_install,
                                       initargs=(shared,))  # fmt: skip

        def submit(item: T) -> Future[R]:
            return pool.submit(_call_installed, fn, item)

        try:
            yield from _ordered(submit, lambda f: f.result(), items, window=4 * self.workers)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _freeze() -> None:
    """Before forking workers: move every object to the collector's permanent generation, so that a
    collection in a worker does not write to (and copy) the pages it shares with this process.  The
    objects stay collectable by reference counting; cycles among them are not collected any more,
    which a scan, whose big objects live until it ends, does not miss.  The garbage of the stages
    before is collected first and the free heap handed back to the system (glibc's ``malloc_trim``,
    where there is one), so that the workers do not inherit it: the proportional set size of the
    pool counts it in every process that has it."""
    gc.collect()
    _trim()
    gc.freeze()


def _trim() -> None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to hand back this way
        return
    trim(0)


_INSTALLED: list[Any] = []  #: in a worker process: the ``shared`` value of its pool


def _install(shared: Any) -> None:
    _INSTALLED[:] = [shared]


def _call_installed(fn: Callable[[Any, T], R], item: T) -> R:
    return fn(_INSTALLED[0], item)


class DaskExecutor:
    """A ``dask.distributed`` client: to ``scheduler``, or to a ``LocalCluster`` of ``workers`` processes."""

    distributed = True

    def __init__(self, scheduler: str | None, workers: int) -> None:
        try:
            # untyped: the names come through a module object (dask is an optional extra)
            distributed: Any = importlib.import_module("dask.distributed")
        except ImportError:
            raise DupfinderError("--executor dask needs dask.distributed: pip install 'dupfinder[scale]'") from None
        self._cluster: Any = None
        self._client: Any = None
        try:
            if scheduler:
                self._client = distributed.Client(scheduler, timeout=30)
            else:
                self._cluster = distributed.LocalCluster(n_workers=max(1, workers), threads_per_worker=1,
                                                         processes=True, dashboard_address=None)  # fmt: skip
                self._client = distributed.Client(self._cluster)
        except (OSError, TimeoutError) as exc:
            self.close()
            raise DupfinderError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        # one task per worker thread is in flight at a time; keep twice that queued
        threads = sum(self._client.nthreads().values()) or 1
        self.workers = threads

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        client = self._client

        def submit(item: T) -> Any:
            return client.submit(fn, item, pure=False)

        return _ordered(submit, lambda f: f.result(), items, window=2 * self.workers + 2)

    def map_shared(self, fn: Callable[[S, T], R], shared: S, items: Iterable[T]) -> Iterator[R]:
        client = self._client
        on_workers = client.scatter(shared, broadcast=True)

        def submit(item: T) -> Any:
            return client.submit(fn, on_workers, item, pure=False)

        try:
            yield from _ordered(submit, lambda f: f.result(), items, window=2 * self.workers + 2)
        finally:
            client.cancel(on_workers)

    def close(self) -> None:
        client = self._client
        if client is not None:
            client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None


def check_choice(executor: str | Executor | None, scheduler: str | None) -> None:
    """Refuse an unknown ``--executor`` and a ``--scheduler`` without ``--executor dask``."""
    if isinstance(executor, str) and executor not in KINDS:
        raise DupfinderError(f"--executor must be one of {', '.join(KINDS)}, got {executor!r}")
    if scheduler and executor not in ("dask", None) and not isinstance(executor, DaskExecutor):
        raise DupfinderError("--scheduler needs --executor dask")


def make_executor(kind: str | None, jobs: int, scheduler: str | None = None, *, items: int | None = None) -> Executor:
    """The executor for ``--executor kind`` (default ``local``) with ``jobs`` workers (0: all cores).

    A local scan of fewer than ``items`` worth a pool, or with one job, runs in this process.
    """
    kind = kind or "local"
    check_choice(kind, scheduler)
    workers = jobs or os.cpu_count() or 1
    if kind == "dask":
        return DaskExecutor(scheduler, workers)
    if workers <= 1 or (items is not None and items < 2):
        return SerialExecutor()
    return LocalExecutor(workers)


class Runners:
    """The executor of a scan, made when first needed and shared by its stages."""

    def __init__(self, executor: str | Executor | None, jobs: int, scheduler: str | None) -> None:
        check_choice(executor, scheduler)
        self._given = executor if executor is not None and not isinstance(executor, str) else None
        self._kind = "dask" if scheduler and executor is None else (executor if isinstance(executor, str) else "local")
        self._jobs = jobs
        self._scheduler = scheduler
        self._made: Executor | None = None

    def get(self, items: int) -> Executor:
        """The executor for ``items`` pieces of work (this process for a few, locally)."""
        if self._given is not None:
            return self._given
        if self._made is not None:
            return self._made
        if self._kind == "local" and items < SERIAL_BELOW:
            return SerialExecutor()
        self._made = make_executor(self._kind, self._jobs, self._scheduler, items=items)
        return self._made

    def idle(self) -> None:
        """Between stages: a local pool's processes go (a cluster stays for the next stage)."""
        if isinstance(self._made, LocalExecutor):
            self._made.close()

    def close(self) -> None:
        if self._made is not None:
            self._made.close()
            self._made = None


__all__ = [
    "KINDS",
    "SERIAL_BELOW",
    "DaskExecutor",
    "Executor",
    "LocalExecutor",
    "Runners",
    "SerialExecutor",
    "check_choice",
    "make_executor",
]
