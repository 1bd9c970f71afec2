"""Identifier words: ``getHTTPResponse_code`` -> get, http, response, code (one splitter for every stage)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


@functools.lru_cache(maxsize=65_536)
def split_identifier(identifier: str) -> tuple[str, ...]:
    """Lower-case words of an identifier: ``getHTTPRetry_count2`` -> get, http, retry, count, 2.

    Memoised: the same identifiers recur in thousands of units.
    """
    return tuple(w.lower() for w in _WORD.findall(identifier))


def vocabulary(identifiers: Iterable[str]) -> frozenset[str]:
    """The set of lower-case words of a unit's identifiers (what verification and the index compare)."""
    return frozenset().union(*map(split_identifier, identifiers))
