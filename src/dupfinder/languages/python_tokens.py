"""Python tokens without the tokenizer: one regular expression, and hashes cached per token text.

Used by :mod:`dupfinder.languages.python_treesitter` for the units it found:

1. **Tokens**: a unit's lines are split by one compiled regular expression
   (the stdlib tokenizer's own token grammar, whole-text, with comments, blank
   lines, continuations and layout consumed between tokens), so ``findall``
   returns the code tokens as strings without a Python-level loop.  Names,
   keywords, literals (strings whole, f-strings included, numbers, True and
   False) and punctuation are classified exactly as the tokenizer path
   (:func:`dupfinder.languages.python.tokenize_source`) does.
2. **Normalised hashes** (:func:`hashes_and_names`): each distinct token text is
   classified and hashed once per process through
   :func:`dupfinder.similarity.normalize.normalise_token` and
   :func:`~dupfinder.similarity.normalize.token_hash`, then a unit's hash
   stream is a dict look-up per token, without a ``Token`` per token.

Cost: O(segment length) per ``findall``, in C; O(tokens) dict look-ups per
stream, plus one classification per text the bounded cache has not seen.
"""

from __future__ import annotations

import keyword
import re
import tokenize
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import compress, repeat

import numpy as np
import numpy.typing as npt

from dupfinder.model import KEYWORD, LITERAL, NAME, PUNCT, Token, TokenStream
from dupfinder.similarity.normalize import (
    LITERAL_PLACEHOLDER,
    NAME_PLACEHOLDER,
    informative,
    normalise_token,
    raw_hash,
    token_hash,
)

__all__ = ["FileTokens", "classify", "file_tokens", "hashes_and_names", "names_of", "token_texts", "tokens_with_lines"]

# -- the token grammar ----------------------------------------------------------

_PREFIX = r"(?:[bB][rR]?|[rR][bBfF]?|[uU]|[fF][rR]?)?"
# triple-quoted strings may hold newlines and backslash escapes of anything
_TRIPLE = _PREFIX + (
    r"(?:'''[^'\\]*(?:(?:\\[\s\S]|'(?!''))[^'\\]*)*'''"
    r'|"""[^"\\]*(?:(?:\\[\s\S]|"(?!""))[^"\\]*)*""")'
)
# one-quote strings end at their line, unless a backslash continues them
_SINGLE = _PREFIX + r"""(?:'[^\n'\\]*(?:\\[\s\S][^\n'\\]*)*'|"[^\n"\\]*(?:\\[\s\S][^\n"\\]*)*")"""
# the tokenizer's own number grammar, its groups made non-capturing
_NUMBER = re.sub(r"\((?!\?)", "(?:", tokenize.Number)
#: brackets, commas and semicolons begin no longer operator: one character class, tried early
_BRACKETS = r"[()\[\]{},;~]"
_OPERATORS = "|".join(
    re.escape(t) for t in sorted(tokenize.EXACT_TOKEN_TYPES, key=len, reverse=True) if t not in "()[]{},;~"
)
#: what lies between tokens: white space, comments, newlines and backslash
#: continuations (possessive: a token never starts inside a comment)
_GAP = r"(?:[^\S\n]+|#[^\n]*|\\?\n)*+"
#: names first (most tokens; possessive, and never a string prefix), then
#: brackets, numbers, strings, operators (longest first), and any other
#: visible character alone (the tokenizer's ERRORTOKEN)
_TOKEN = rf"(?:[^\W\d]\w*+(?!['\"])|{_BRACKETS}|{_NUMBER}|{_TRIPLE}|{_SINGLE}|{_OPERATORS}|\S)"
# after a gap comes a token or the end (an empty match, dropped): a match
# always succeeds where the last one ended, so scanning never restarts inside
# a comment or a string
_TOKEN_RE = re.compile(_GAP + "(" + _TOKEN + r"|\Z)")
#: the same with a group for the gap, to count the newlines in it
_TOKEN_GAP_RE = re.compile("(" + _GAP + ")(" + _TOKEN + r"|\Z)")
#: the same again with line ends (and backslash continuations) as tokens of their own, to place every
#: token on its line with one ``findall`` and no tuples
_TOKEN_LINE_RE = re.compile(r"(?:[^\S\n]+|#[^\n]*)*+(\\?\n|" + _TOKEN + r"|\Z)")
_LINE_ENDS = ("\n", "\\\n")

_KEYWORDS = frozenset(keyword.kwlist)  # soft keywords (match, case, type, _) stay names
_BOOLEANS = frozenset({"True", "False"})
_QUOTES = frozenset("'\"")


def classify(text: str) -> str:
    """The token kind of one token text, as the stdlib-tokenizer path classifies it."""
    first = text[0]
    if first.isdigit() or (first == "." and len(text) > 1 and text[1].isdigit()):
        return LITERAL
    if len(text) > 1 and text[-1] in _QUOTES:
        return LITERAL  # a string, prefixed or not
    if text in _BOOLEANS:
        return LITERAL
    if text in _KEYWORDS:
        return KEYWORD
    if first == "_" or first.isalnum():
        return NAME
    return PUNCT


def token_texts(segment: str) -> list[str]:
    """Code token texts of ``segment`` (whole lines), comments and layout dropped."""
    texts: list[str] = _TOKEN_RE.findall(segment)
    while texts and not texts[-1]:  # the end, once after a gap and once more without
        texts.pop()
    return texts


def tokens_with_lines(segment: str, first_line: int) -> list[Token]:
    """Classified ``Token`` objects of ``segment``, whose first line is ``first_line``."""
    out: list[Token] = []
    line = first_line
    for gap, text in _TOKEN_GAP_RE.findall(segment):
        if not text:  # the end
            break
        line += gap.count("\n")
        out.append(Token(classify(text), text, line))
        if "\n" in text:  # a string over several lines
            line += text.count("\n")
    return out


# -- normalised hashes without Token objects ------------------------------------

#: token text -> hash of its normalised form (bounded: literals are mostly unique)
_NORMALISED: dict[str, int] = {}
_NAMES: set[str] = set()  #: texts known to be names, for the identifier sets
_CACHE_LIMIT = 500_000


def _normalised_hash(text: str) -> int:
    kind = classify(text)
    value = token_hash(normalise_token(Token(kind, text, 0)))
    if len(_NORMALISED) < _CACHE_LIMIT:
        _NORMALISED[text] = value
        if kind == NAME:
            _NAMES.add(text)
    return value


def hashes_and_names(texts: Sequence[str]) -> tuple[bytes, tuple[str, ...]]:
    """(little-endian uint32 normalised hashes, sorted unique names) of a token list."""
    found = list(map(_NORMALISED.get, texts))
    hashes: list[int] = (
        [h if h is not None else _normalised_hash(t) for h, t in zip(found, texts, strict=True)]
        if None in found
        else found  # type: ignore[assignment]  # no None left
    )
    names = _NAMES.intersection(texts)
    if len(_NORMALISED) >= _CACHE_LIMIT:  # names the bounded cache could not keep
        names.update(t for t in texts if t not in _NAMES and classify(t) == NAME)
    return array("I", hashes).tobytes(), tuple(sorted(names))


# -- the whole file's tokens, once -------------------------------------------------

#: token text -> hash of its raw text (identifiers and literals) or its normalised hash (the rest)
_RAW: dict[str, int] = {}


_NAME_HASH = token_hash(NAME_PLACEHOLDER)
_LITERAL_HASH = token_hash(LITERAL_PLACEHOLDER)


def _fill_misses(norm: list[int | None], raw: list[int | None], texts: Sequence[str]) -> None:
    """Both hashes of the tokens the caches did not hold, in one pass over the misses only (mostly
    literals: unique, so they are not cached, the normalised hash of every literal being the same)."""
    misses = [k for k, (n, r) in enumerate(zip(norm, raw, strict=True)) if n is None or r is None]
    for k in misses:
        text = texts[k]
        kind = classify(text)
        if kind == LITERAL:
            norm[k] = _LITERAL_HASH
            raw[k] = raw_hash(text) if informative(kind, text) else _LITERAL_HASH
            continue
        n = _NAME_HASH if kind == NAME else token_hash(text)
        r = raw_hash(text) if kind == NAME else n
        norm[k], raw[k] = n, r
        if len(_NORMALISED) < _CACHE_LIMIT:
            _NORMALISED[text] = n
            _RAW[text] = r
            if kind == NAME:
                _NAMES.add(text)


@dataclass(frozen=True, slots=True)
class FileTokens:
    """A whole file's code tokens: their texts, normalised and raw hashes and lines (for slicing units)."""

    texts: tuple[str, ...]
    norm: npt.NDArray[np.uint32]
    raw: npt.NDArray[np.uint32]
    lines: npt.NDArray[np.uint32]  #: 1-based line each token starts on

    def span(self, start_line: int, end_line: int) -> tuple[int, int]:
        """The tokens ``[lo, hi)`` that start on lines ``start_line`` to ``end_line``."""
        lo = int(np.searchsorted(self.lines, start_line, side="left"))
        hi = int(np.searchsorted(self.lines, end_line, side="right"))
        return lo, hi

    def stream(self) -> TokenStream:
        return TokenStream(self.norm.astype("<u4").tobytes(), self.raw.astype("<u4").tobytes(),
                           self.lines.astype("<u4").tobytes())  # fmt: skip


def file_tokens(source: str) -> FileTokens:
    """Every code token of a source text (whole lines), classified, hashed and placed on its line.

    One ``findall`` that also returns the line ends, then C-level maps and numpy for the hashes
    and the lines; only the tokens the caches do not hold pay a Python step.
    """
    found: list[str] = _TOKEN_LINE_RE.findall(source)
    while found and not found[-1]:  # the end
        found.pop()
    marks = np.array(found, dtype=object)
    ends = (marks == _LINE_ENDS[0]) | (marks == _LINE_ENDS[1])
    inner = np.fromiter(map(str.count, found, repeat("\n")), dtype=np.int64, count=len(found))
    inner[ends] = 0
    step = ends.astype(np.int64) + inner
    keep = ~ends
    lines = (1 + np.cumsum(step) - step)[keep]  # 1 + the line ends before each token (and inside earlier ones)
    texts = tuple(compress(found, keep))
    norm: list[int | None] = list(map(_NORMALISED.get, texts))
    raw: list[int | None] = list(map(_RAW.get, texts))
    if None in norm or None in raw:
        _fill_misses(norm, raw, texts)
    return FileTokens(texts, np.array(norm, dtype=np.uint32), np.array(raw, dtype=np.uint32),
                      lines.astype(np.uint32))  # fmt: skip


def names_of(texts: Sequence[str]) -> tuple[str, ...]:
    """The sorted unique names among token texts (the identifiers of a unit)."""
    names = _NAMES.intersection(texts)
    if len(_NORMALISED) >= _CACHE_LIMIT:  # names the bounded cache could not keep
        names.update(t for t in texts if t not in _NAMES and classify(t) == NAME)
    return tuple(sorted(names))
