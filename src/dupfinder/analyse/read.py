"""Reading source files: bytes of regular files only, decoded by BOM, PEP 263 or UTF-8, newlines normalised.

Also :func:`attach_code`: after clustering, each instance gets its source text
(read once per file) for excerpts and evidence.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
from collections.abc import Sequence
from dataclasses import replace

from dupfinder.model import Cluster

_CODING_RE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")


_SNIFF = 8192


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


def read_bytes(abspath: str, limit: int) -> bytes:
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


def read_text(abspath: str, language: str) -> str | None:
    """Decoded text with normalised newlines, or None if it cannot be read now."""
    try:
        data = read_bytes(abspath, -1)
    except OSError:
        return None
    text, _ = decode(data, language)
    return None if text is None else text.replace("\r\n", "\n").replace("\r", "\n")


def attach_code(clusters: Sequence[Cluster], base: str) -> tuple[Cluster, ...]:
    """Clusters whose instances carry their source text (read once per file)."""
    texts: dict[str, list[str] | None] = {}
    out: list[Cluster] = []
    for c in clusters:
        instances = []
        for inst in c.instances:
            if inst.path not in texts:
                text = read_text(os.path.join(base, inst.path), inst.language)
                texts[inst.path] = None if text is None else text.split("\n")
            lines = texts[inst.path]
            code = "" if lines is None else "\n".join(lines[inst.start_line - 1 : inst.end_line])
            instances.append(replace(inst, code=code))
        out.append(replace(c, instances=tuple(instances)))
    return tuple(out)
