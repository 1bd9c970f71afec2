"""What differs between two copies, for the HTML report's side-by-side evidence.

Each copy is compared with the cluster's representative by
:class:`difflib.SequenceMatcher` on lines, aligned by their *shape*
(identifiers -> $, literals -> #, keywords and punctuation kept, as the scanner
compares code) so that a renamed copy lines up with its original; lines paired
inside a changed block are then compared by words to mark what differs.
Cost: O(lines^2) per pair at worst.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import Any

_MAX_INTRALINE_CHARS = 400  #: longer changed lines are marked whole


_SHAPE_TOKEN = re.compile(r"\"(?:\\.|[^\"\\])*\"?|'(?:\\.|[^'\\])*'?|`[^`]*`?|\w+|\S")


_WORD = re.compile(r"\w+|\s+|[^\w\s]")


# one string reads better than seventy list items
_KEYWORDS = frozenset(
    """
    and as assert async await break case catch class const continue def default defer del do elif else enum except
    export extends false False final finally for from func function go if implements import in instanceof interface
    is let new nil None not null of or package pass private protected public raise return select static struct super
    switch this throw throws true True try type typeof var void while with yield
    """.split()  # noqa: SIM905
)


def line_shape(line: str) -> str:
    """``line`` with identifiers as ``$`` and literals as ``#`` (keywords and punctuation kept)."""
    out: list[str] = []
    for tok in _SHAPE_TOKEN.findall(line):
        if tok[0] in "\"'`" or tok[0].isdigit():
            out.append("#")
        elif tok[0].isalpha() or tok[0] == "_":
            out.append(tok if tok in _KEYWORDS else "$")
        else:
            out.append(tok)
    return " ".join(out)


def word_spans(a: str, b: str) -> tuple[list[list[int]], list[list[int]]]:
    """Character spans of the words of ``a`` and of ``b`` that differ between them (whole words, merged)."""
    if len(a) > _MAX_INTRALINE_CHARS or len(b) > _MAX_INTRALINE_CHARS:
        return [[0, len(a)]] if a else [], [[0, len(b)]] if b else []
    wa, wb = _WORD.findall(a), _WORD.findall(b)
    offsets_a = [0]
    for w in wa:
        offsets_a.append(offsets_a[-1] + len(w))
    offsets_b = [0]
    for w in wb:
        offsets_b.append(offsets_b[-1] + len(w))
    spans_a: list[list[int]] = []
    spans_b: list[list[int]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, wa, wb, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        for spans, offsets, lo, hi in ((spans_a, offsets_a, i1, i2), (spans_b, offsets_b, j1, j2)):
            if hi > lo:
                start, end = offsets[lo], offsets[hi]
                if spans and spans[-1][1] == start:
                    spans[-1][1] = end
                else:
                    spans.append([start, end])
    return spans_a, spans_b


def line_diff(left: Sequence[str], right: Sequence[str]) -> dict[str, Any]:
    """Opcodes aligning ``left`` with ``right`` by line shape, and the differing words of each paired line.

    ``ops`` are :meth:`difflib.SequenceMatcher.get_opcodes` with the tag cut to
    its first letter (e, r, d, i); ``marks`` are ``[left line, right line, left
    spans, right spans]`` for paired lines whose text differs.
    """
    sm = difflib.SequenceMatcher(None, [line_shape(s) for s in left], [line_shape(s) for s in right], autojunk=False)
    ops = sm.get_opcodes()
    marks: list[list[Any]] = []
    for tag, i1, i2, j1, j2 in ops:
        if tag not in ("equal", "replace"):
            continue
        for k in range(min(i2 - i1, j2 - j1)):
            a, b = left[i1 + k], right[j1 + k]
            if a.strip() != b.strip():
                sa, sb = word_spans(a, b)
                marks.append([i1 + k, j1 + k, sa, sb])
    return {"ops": [[tag[0], i1, i2, j1, j2] for tag, i1, i2, j1, j2 in ops], "marks": marks}
