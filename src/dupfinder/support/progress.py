"""Progress of the pipeline's stages: the one small interface every stage reports through.

A :data:`Progress` is a function ``(stage, done, total)`` handed down from the
command line, never a global: the per-file stage reports each file
(``("parse", 17, 120)``), and a stage with no count of its own reports that it
began, ``(stage, 0, 0)``, and ended, ``(stage, 1, 1)`` (:func:`stage`). None
means no one is watching; the stages then do no extra work.  What a terminal
shows is the command line's business (:func:`dupfinder.cli.output.progress_bar`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

#: progress callback: (stage, done, total); total 0: a stage that has begun and has no count
Progress = Callable[[str, int, int], None]


@contextmanager
def stage(progress: Progress | None, name: str) -> Iterator[None]:
    """Report stage ``name`` as begun, then, when the block ends, as done."""
    if progress is None:
        yield
        return
    progress(name, 0, 0)
    yield
    progress(name, 1, 1)


__all__ = ["Progress", "stage"]
