"""A time limit per file: one pathological file must not stall a scan.

On the main thread a ``SIGALRM`` timer interrupts the parse; elsewhere (a
thread of a Dask worker) a timer thread raises :class:`FileTimeout` in the
analysing thread.  Either way the file becomes a recorded skip.
"""

from __future__ import annotations

import ctypes
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

_REDELIVER = 0.05  #: seconds between deliveries of an expired limit to a thread


class FileTimeout(BaseException):
    """The per-file time limit ran out.

    A ``BaseException``, like ``KeyboardInterrupt``, so that the ``except
    Exception`` with which language modules turn parser failures into errors
    cannot swallow it.
    """


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise FileTimeout


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`FileTimeout` in the block once it has run ``seconds`` (0: no limit).

    In the main thread of a process -- a serial run, each process-pool worker
    -- ``SIGALRM`` from ``setitimer``; the previous handler and any timer
    already running are restored.  In other threads (a Dask worker's), a timer
    thread raises the exception in the analysing thread with CPython's
    ``PyThreadState_SetAsyncExc``.  Either way Python code is interrupted at
    once, while a native call (libcst's or tree-sitter's parser) runs to its
    end and the limit strikes as soon as it returns -- which is why sizes are
    limited before parsing too.
    """
    if seconds <= 0:
        yield
        return
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        with _thread_time_limit(seconds):
            yield
        return
    started = time.monotonic()
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    outer_delay, outer_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        try:
            signal.setitimer(signal.ITIMER_REAL, 0)
        finally:
            signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)
            if outer_delay > 0:
                left = outer_delay - (time.monotonic() - started)
                signal.setitimer(signal.ITIMER_REAL, max(left, 0.001), outer_interval)


@contextmanager
def _thread_time_limit(seconds: float) -> Iterator[None]:
    set_async_exc = getattr(getattr(ctypes, "pythonapi", None), "PyThreadState_SetAsyncExc", None)
    if set_async_exc is None:  # not CPython: no limit
        yield
        return
    target = ctypes.c_ulong(threading.get_ident())
    lock = threading.Lock()
    done = threading.Event()

    def expire() -> None:
        # Delivered again until the block ends: an exception that strikes while the thread
        # runs a gc callback or a ``__del__`` is swallowed there ("Exception ignored in"),
        # so one delivery is not enough.
        if done.wait(seconds):
            return
        while True:
            with lock:
                if done.is_set():
                    return
                set_async_exc(target, ctypes.py_object(FileTimeout))
            if done.wait(_REDELIVER):
                return

    timer = threading.Thread(target=expire, name="dupfinder-file-timeout", daemon=True)
    timer.start()
    try:
        yield
    finally:
        with lock:
            done.set()
            set_async_exc(target, None)  # one that expired but was not raised yet must not strike later
        timer.join()
