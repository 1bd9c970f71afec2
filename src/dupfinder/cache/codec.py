"""The cache's one record format: a frame around each stored value, and the checks its fields pass.

A record is ``magic`` (``DF``, one letter naming the kind of record, one digit for its version),
an optional fixed *head* the reader must know beforehand (the result's input digest), a 4-byte
CRC-32 check of the payload, then the payload: data, never pickles.  :func:`frame` writes one;
:func:`read` opens one and hands the payload to the record's own decoder, and whatever fails (the
magic, the head, the check, a field that is not what it must be) makes the record a miss: ``None``,
never an exception.  Opening a record costs one CRC of its payload: the check is against damage, not
tampering (the cache folder is the user's own), and over the 104 MB of file records a rescan of the
speed corpus reads, CRC-32 takes well under half the time of BLAKE2b (see the eighth round of
benchmarks/speed/README.md).  The records' own encoders and
decoders are in :mod:`dupfinder.cache.records` and :mod:`dupfinder.cache.memo`.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

V = TypeVar("V")

_CHECK = 4  #: bytes of the payload's check


@dataclass(frozen=True, slots=True)
class Kind:
    """A kind of record: its letter and the version of its payload's layout."""

    letter: bytes
    version: int

    @property
    def magic(self) -> bytes:
        return b"DF" + self.letter + str(self.version).encode()


class Bad(Exception):
    """A record that fails validation."""


#: what a decoder may raise on damaged data (all of it means: a miss)
_FAULTS = (Bad, KeyError, ValueError, TypeError, struct.error, RecursionError)


def _check(payload: bytes | memoryview) -> bytes:
    return struct.pack("<I", zlib.crc32(payload))


def frame(kind: Kind, payload: bytes, head: bytes = b"") -> bytes:
    """The record of ``payload``: magic, ``head``, check, payload."""
    return kind.magic + head + _check(payload) + payload


def check_of(*parts: bytes) -> int:
    """The check :func:`frame` writes for the payload that is ``parts`` joined."""
    value = 0
    for part in parts:
        value = zlib.crc32(part, value)
    return value


def read(kind: Kind, blob: bytes, decode: Callable[[memoryview], V], head: bytes = b"",
         check: int | None = None) -> V | None:  # fmt: skip
    """``decode(payload)`` of the record in ``blob``, or None if it is not a sound ``kind`` record with ``head``
    (and, with ``check``, the payload whose :func:`check_of` that is)."""
    if not isinstance(blob, bytes):
        return None
    magic = kind.magic
    start = len(magic) + len(head)
    if len(blob) < start + _CHECK or blob[: len(magic)] != magic or blob[len(magic) : start] != head:
        return None
    stored = blob[start : start + _CHECK]
    if check is not None and stored != struct.pack("<I", check & 0xFFFFFFFF):
        return None
    payload = memoryview(blob)[start + _CHECK :]
    if _check(payload) != stored:
        return None
    try:
        return decode(payload)
    except _FAULTS:
        return None


# -- the fields' checks: each returns its value or raises Bad ---------------------------


def str_(value: object) -> str:
    if not isinstance(value, str):
        raise Bad
    return value


def opt_str(value: object) -> str | None:
    return None if value is None else str_(value)


def strs(value: object) -> tuple[str, ...]:
    if type(value) is not list:
        raise Bad
    try:
        "".join(value)  # every element a string, checked in C (a million per rescan)
    except TypeError:
        raise Bad from None
    return tuple(value)


def int_(value: object) -> int:
    if type(value) is not int or value < 0:
        raise Bad
    return value


def fraction(value: object) -> float:
    """A number from 0 to 1 (a similarity, a confidence)."""
    if type(value) not in (int, float) or not 0.0 <= value <= 1.0:  # type: ignore[operator]
        raise Bad
    return float(value)  # type: ignore[arg-type]
