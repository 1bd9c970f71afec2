"""Token normalisation: the stage that makes renamed and re-formatted copies match.

Language modules emit classified tokens (``NAME``, ``LITERAL``, ``KEYWORD``,
``PUNCT``) with comments and layout already dropped, which is what makes
Type-1 clones (layout/comment changes) identical.  Here every identifier
becomes ``$`` and every literal ``#`` so that Type-2 clones (renamed
identifiers, changed literals) are identical too; keywords and punctuation
keep their text because they carry the structure.

Each normalised token is then hashed to 32 bits with CRC-32 (reproducible
across processes and machines, unlike ``hash()``), and the unit's
fingerprint is a BLAKE2b digest of that hash stream: it has no positions in
it, so it survives line shifts.  Cost: O(tokens), one dict lookup per token.
"""

from __future__ import annotations

import hashlib
import zlib
from array import array
from collections.abc import Collection, Iterable, Sequence
from dataclasses import replace

import numpy as np

from dupfinder.model import KEYWORD, LITERAL, NAME, Fingerprint, RawUnit, Token, TokenStream, Unit
from dupfinder.support.words import split_identifier, vocabulary

NAME_PLACEHOLDER = "$"
LITERAL_PLACEHOLDER = "#"

_hash_cache: dict[str, int] = {}


def token_hash(text: str) -> int:
    """32-bit reproducible hash of one normalised token."""
    h = _hash_cache.get(text)
    if h is None:
        h = zlib.crc32(text.encode("utf-8"))
        if len(_hash_cache) < 100_000:  # keywords and punctuation: a small vocabulary
            _hash_cache[text] = h
    return h


def normalise_token(tok: Token) -> str:
    if tok.kind == NAME:
        return NAME_PLACEHOLDER
    if tok.kind == LITERAL:
        return LITERAL_PLACEHOLDER
    return tok.text


def normalised_texts(tokens: Iterable[Token]) -> list[str]:
    return [normalise_token(t) for t in tokens]


def hash_stream(texts: Sequence[str]) -> bytes:
    """The normalised token stream as little-endian uint32 hashes."""
    arr = array("I", (token_hash(t) for t in texts))
    if arr.itemsize != 4:  # pragma: no cover - every supported platform has 4-byte "I"
        raise RuntimeError("array('I') is not 32-bit on this platform")
    return arr.tobytes()


def fingerprint(token_hashes: bytes) -> Fingerprint:
    return Fingerprint(hashlib.blake2b(token_hashes, digest_size=16).hexdigest())


def _sorted_unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(items)))


def to_unit(raw: RawUnit, *, path: str, root: str, language: str, imports: Sequence[str]) -> Unit:
    """Normalise a parsed unit into the value the similarity stages use."""
    hashes = hash_stream(normalised_texts(raw.tokens))
    texts = [t.text for t in raw.tokens]
    identifiers = _sorted_unique(t.text for t in raw.tokens if t.kind == NAME)
    return Unit(
        path=path,
        root=root,
        language=language,
        name=raw.name,
        kind=raw.kind,
        start_line=raw.start_line,
        end_line=raw.end_line,
        fingerprint=fingerprint(hashes),
        token_hashes=hashes,
        identifiers=identifiers,
        calls=_sorted_unique(raw.calls),
        imports=_sorted_unique(imports),
        forwarded=forwarded_of(texts, identifiers) if language == "python" else (),
    )


_BEFORE_ARGUMENT = frozenset({"(", ",", "*", "**"})
_AFTER_ARGUMENT = frozenset({",", ")"})


def forwarded_of(texts: Sequence[str], names: Collection[str]) -> tuple[str, ...]:
    """The parameters a Python function only passes on, from its token texts (``names``: its identifiers).

    A parameter is passed on where every use of it outside the signature is a call argument of its
    own (``f(a, *rest)``) or a keyword argument of its own name (``f(a=a)``, ``super().__init__(a=a)``);
    a parameter never used counts too.  Such names are the callee's interface (or the caller's), not
    what identifies the function: a constructor forwarding a long list of options shares them with
    every other one that forwards the same options.  Sorted and unique.
    """
    try:
        start = texts.index("def") + 2
    except ValueError:
        return ()
    if start >= len(texts) or texts[start] != "(":
        return ()
    params: set[str] = set()
    depth, end = 0, start
    for end in range(start, len(texts)):
        t = texts[end]
        if t in ("(", "[", "{"):
            depth += 1
        elif t in (")", "]", "}"):
            depth -= 1
            if depth == 0:
                break
        elif depth == 1 and texts[end - 1] in _BEFORE_ARGUMENT and t in names:
            params.add(t)
    params.difference_update(("self", "cls"))
    uses = dict.fromkeys(params, 0)
    passed = dict.fromkeys(params, 0)
    for k in range(end + 1, len(texts)):
        t = texts[k]
        if t not in uses:
            continue
        uses[t] += 1
        before, after = texts[k - 1], texts[k + 1] if k + 1 < len(texts) else ""
        if before in _BEFORE_ARGUMENT and after in _AFTER_ARGUMENT:
            passed[t] += 1
        elif before == "=" and after in _AFTER_ARGUMENT and texts[k - 2] == t and texts[k - 3] in _BEFORE_ARGUMENT:
            passed[t] += 2  # the keyword and the value
    return tuple(sorted(p for p in params if passed[p] == uses[p]))


def raw_hash(text: str) -> int:
    """32-bit reproducible hash of an identifier's or a literal's raw text (identity beyond shape)."""
    return zlib.crc32(text.encode("utf-8", "surrogatepass"))


#: shortest literal text (quotes included) that carries identity: numbers and short strings are shape
MIN_LITERAL = 6


def informative(kind: str, text: str) -> bool:
    """Whether a token's raw text carries identity: an identifier, or a string literal of some length."""
    return kind == NAME or (kind == LITERAL and len(text) >= MIN_LITERAL and not text[0].isdigit())


def token_stream(tokens: Sequence[Token]) -> TokenStream:
    """A file's :class:`TokenStream` from its code tokens."""
    norm = array("I", (token_hash(normalise_token(t)) for t in tokens))
    raw = array(
        "I", (raw_hash(t.text) if informative(t.kind, t.text) else h for t, h in zip(tokens, norm, strict=True))
    )
    lines = array("I", (t.line for t in tokens))
    return TokenStream(norm.tobytes(), raw.tobytes(), lines.tobytes())


#: the normalised hash every literal gets (its stream position marks a literal)
LITERAL_HASH = token_hash(LITERAL_PLACEHOLDER)


def with_literals(units: Sequence[Unit], stream: TokenStream) -> tuple[Unit, ...]:
    """``units`` with the digests of the informative literals on their lines (from the file's stream)."""
    if not units or not len(stream):
        return tuple(units)
    norm = np.frombuffer(stream.norm, dtype="<u4")
    raw = np.frombuffer(stream.raw, dtype="<u4")
    lines = np.frombuffer(stream.lines, dtype="<u4")
    out = []
    for u in units:
        lo = int(np.searchsorted(lines, u.start_line, side="left"))
        hi = int(np.searchsorted(lines, u.end_line, side="right"))
        found = np.unique(raw[lo:hi][norm[lo:hi] == LITERAL_HASH])
        out.append(replace(u, literals=tuple(f"{h:08x}" for h in found.tolist())))
    return tuple(out)


def words(identifier: str) -> list[str]:
    """Split an identifier into lower-case words: ``getHTTPResponse_code`` -> get, http, response, code."""
    return list(split_identifier(identifier))


__all__ = [
    "KEYWORD",
    "fingerprint",
    "forwarded_of",
    "hash_stream",
    "normalise_token",
    "normalised_texts",
    "to_unit",
    "token_hash",
    "vocabulary",
    "words",
]
