"""The per-file stage: read, decode, parse and normalise one file.

This is the unit of parallel work and of caching: a pure function of the
file's bytes and the settings, returning a :class:`FileResult` that holds
either the file's units or the reason it was skipped.  It never raises for
bad input; every problem becomes a recorded skip.

Limits keep one pathological file from stalling a scan: size in bytes, in
lines and in the length of the longest line (minified or generated code),
checked before parsing, and a per-file time limit (:func:`time_limit`).
Skip reasons are one line of printable text, whatever the file holds.
"""

from __future__ import annotations

import codecs
import ctypes
import os
import re
import signal
import stat
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from dupfinder import languages
from dupfinder.config import ScanConfig
from dupfinder.model import FileResult, Skip, SourceFile
from dupfinder.similarity.normalize import to_unit

_CODING_RE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
_SNIFF = 8192
_MAX_REASON = 300  #: characters of a skip reason (parser messages can quote whole lines)


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
    running = True

    def expire() -> None:
        with lock:
            if running:
                set_async_exc(target, ctypes.py_object(FileTimeout))

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        with lock:
            running = False
        timer.cancel()
        set_async_exc(target, None)  # one that expired but was not raised yet must not strike later


def _skip(path: str, reason: str) -> FileResult:
    """A skipped file; the reason made one line of printable text (it may quote the file)."""
    reason = " ".join(reason.split())
    if not reason.isprintable():
        reason = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in reason)
    if len(reason) > _MAX_REASON:
        reason = reason[: _MAX_REASON - 3] + "..."
    return FileResult(path, skip=Skip(path, reason))


def decode(data: bytes, language: str) -> tuple[str | None, str]:
    """``(text, "")`` or ``(None, reason)``.  Handles BOMs and PEP 263 coding lines.

    Python that is not UTF-8 needs a coding line (as for Python itself); other
    languages fall back to Latin-1.
    """
    for bom, enc in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                     (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                     (codecs.BOM_UTF16_BE, "utf-16")):  # fmt: skip
        if data.startswith(bom):
            try:
                return data.decode(enc), ""
            except UnicodeDecodeError:
                return None, f"undecodable (invalid {enc} after a byte-order mark)"
    if b"\x00" in data[:_SNIFF]:
        return None, "binary file"
    try:
        return data.decode("utf-8"), ""
    except UnicodeDecodeError:
        pass
    if language == "python":
        for line in data.split(b"\n", 2)[:2]:
            m = _CODING_RE.match(line)
            if m:
                enc = m.group(1).decode("ascii", "replace")
                try:
                    return data.decode(enc), ""
                except (LookupError, UnicodeDecodeError):
                    return None, f"undecodable (declared coding {enc!r} does not fit)"
        # Python itself refuses such a file, so it is not code anyone runs
        return None, "undecodable (not valid UTF-8 and no encoding declared)"
    # Other languages have no coding line; legacy files are mostly Latin-1 or
    # cp1252, whose code tokens are ASCII anyway.  Latin-1 maps every byte, so
    # the structure is always kept; only non-ASCII text in strings and
    # comments can come out wrong.  (Binary files were caught by the NUL test.)
    return data.decode("latin-1"), ""


def _line_count(text: str) -> int:
    return text.count("\n") + (1 if text and not text.endswith("\n") else 0)


def analyse_text(text: str, source: SourceFile, config: ScanConfig) -> FileResult:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = _line_count(text)
    if lines > config.max_file_lines:
        return _skip(source.path, f"too many lines ({lines} > {config.max_file_lines})")
    longest = max((len(line) for line in text.split("\n")), default=0)
    if longest > config.max_line_chars:
        return FileResult(
            source.path, lines=lines, skip=Skip(source.path, f"minified or generated (a line of {longest} characters)")
        )
    if not text.strip():  # empty or blank (many __init__.py): nothing to parse
        return FileResult(source.path, lines=lines)
    language = languages.get(source.language)
    parse_units = getattr(language, "parse_units", None)
    if parse_units is not None:  # a language's fast path: the same units without Token objects
        fast_units, imports, error = parse_units(
            text, source.path, root=source.root, language=source.language, min_tokens=config.min_tokens
        )
        if error is not None and not fast_units:
            return _skip(source.path, f"unparseable: {error}")
        return FileResult(source.path, units=fast_units, lines=lines, imports=imports)
    parsed = language.parse(text, source.path)
    if parsed.error is not None and not parsed.units:
        return _skip(source.path, f"unparseable: {parsed.error}")
    units = tuple(
        unit
        for unit in (
            to_unit(raw, path=source.path, root=source.root, language=source.language, imports=parsed.imports)
            for raw in parsed.units
        )
        if unit.n_tokens >= config.min_tokens
    )
    return FileResult(source.path, units=units, lines=lines, imports=tuple(sorted(set(parsed.imports))))


def ignore_reason(path: str, text: str, config: ScanConfig) -> str | None:
    """Which enabled ignore rule leaves this file out (generated code, migrations...), if any."""
    from dupfinder.rules import HEADER_LINES, RuleSet, is_ignored

    header = text.split("\n", HEADER_LINES)[:HEADER_LINES]
    return is_ignored(path, header, RuleSet(categories=(), platforms=(), ignores=config.ignore_rules))


def analyse_file(source: SourceFile, config: ScanConfig) -> FileResult:
    """Read and analyse one file; problems come back as a skip, never as an exception."""
    try:
        with time_limit(config.file_timeout):
            return _analyse_file(source, config)
    except FileTimeout:
        return _skip(source.path, f"timed out (over the limit of {config.file_timeout:g} s per file)")


def _read(abspath: str, limit: int) -> bytes:
    """Up to ``limit`` bytes of a regular file; OSError for anything else.

    Opened non-blocking and checked after opening: the file may have become
    a FIFO or a device since discovery, and reading one must not hang.
    """
    fd = os.open(abspath, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(0, "not a regular file")
        # plain reads, up to the size seen now: four system calls for a small file (buffered
        # I/O makes several more), which matters at 100,000 files
        # (a size of 0 may not be true: some file systems report it for files with content)
        size = st.st_size or 1 << 62
        want = size + 1 if limit < 0 else min(limit, size + 1)
        chunks: list[bytes] = []
        got = 0
        while got < want:
            chunk = os.read(fd, min(want - got, 1 << 24))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
            if got >= size:
                break
        return b"".join(chunks)
    finally:
        os.close(fd)


def _analyse_file(source: SourceFile, config: ScanConfig) -> FileResult:
    try:
        data = _read(source.abspath, config.max_file_bytes + 1)
    except OSError as exc:
        return _skip(source.path, f"unreadable ({exc.strerror or exc})")
    if len(data) > config.max_file_bytes:
        return FileResult(source.path, skip=Skip(source.path, f"too large (over {config.max_file_bytes} bytes)"))
    text, reason = decode(data, source.language)
    if text is None:
        return FileResult(source.path, skip=Skip(source.path, reason))
    if config.ignore_rules:
        ignored = ignore_reason(source.path, text, config)
        if ignored:
            return FileResult(source.path, skip=Skip(source.path, f"ignored by rule {ignored}"))
    try:
        return analyse_text(text, source, config)
    except RecursionError:
        return _skip(source.path, "unparseable: nested too deeply")
    except Exception as exc:  # a parser bug must cost one file, not the scan
        return _skip(source.path, f"internal error while parsing: {type(exc).__name__}: {exc}")


def read_text(abspath: str, language: str) -> str | None:
    """Decoded text with normalised newlines, or None if it cannot be read now."""
    try:
        data = _read(abspath, -1)
    except OSError:
        return None
    text, _ = decode(data, language)
    return None if text is None else text.replace("\r\n", "\n").replace("\r", "\n")
