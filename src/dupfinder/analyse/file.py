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

from dataclasses import replace

from dupfinder import languages
from dupfinder.analyse.limits import FileTimeout, time_limit
from dupfinder.analyse.read import decode, read_bytes
from dupfinder.config import ScanConfig
from dupfinder.model import FileResult, Fingerprint, Skip, SourceFile, Unit
from dupfinder.similarity.normalize import to_unit, token_stream, with_literals

_MAX_REASON = 300  #: characters of a skip reason (parser messages can quote whole lines)


def _skip(path: str, reason: str) -> FileResult:
    """A skipped file; the reason made one line of printable text (it may quote the file)."""
    reason = " ".join(reason.split())
    if not reason.isprintable():
        reason = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in reason)
    if len(reason) > _MAX_REASON:
        reason = reason[: _MAX_REASON - 3] + "..."
    return FileResult(path, skip=Skip(path, reason))


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
    floor = config.small_floor or config.min_tokens
    if isinstance(language, languages.UnitParser):  # a language's fast path: the same units without Token objects
        fast_units, imports, error, stream = language.parse_units(
            text, source.path, root=source.root, language=source.language, min_tokens=floor
        )
        if error is not None and not fast_units:
            return _skip(source.path, f"unparseable: {error}")
        fast_units, small = _split_small(fast_units, config.min_tokens)
        if stream is not None:
            fast_units = with_literals(fast_units, stream)
        return FileResult(source.path, units=fast_units, lines=lines, imports=imports, stream=stream, small_units=small)
    parsed = language.parse(text, source.path)
    if parsed.error is not None and not parsed.units:
        return _skip(source.path, f"unparseable: {parsed.error}")
    units, small = _split_small(tuple(
        unit
        for unit in (
            to_unit(raw, path=source.path, root=source.root, language=source.language, imports=parsed.imports)
            for raw in parsed.units
        )
        if unit.n_tokens >= floor
    ), config.min_tokens)  # fmt: skip
    stream = token_stream(parsed.tokens) if parsed.tokens else None
    if stream is not None:
        units = with_literals(units, stream)
    return FileResult(source.path, units=units, lines=lines, imports=tuple(sorted(set(parsed.imports))), stream=stream,
                      small_units=small)  # fmt: skip


def _split_small(units: tuple[Unit, ...], min_tokens: int) -> tuple[tuple[Unit, ...], tuple[Unit, ...]]:
    """The units of at least ``min_tokens`` tokens, and the others without their tokens (small units)."""
    if all(u.n_tokens >= min_tokens for u in units):
        return units, ()
    small = tuple(
        replace(u, fingerprint=Fingerprint(""), token_hashes=b"", literals=(), forwarded=())
        for u in units
        if u.n_tokens < min_tokens
    )
    return tuple(u for u in units if u.n_tokens >= min_tokens), small


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


def _analyse_file(source: SourceFile, config: ScanConfig) -> FileResult:
    try:
        data = read_bytes(source.abspath, config.max_file_bytes + 1)
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


def analyse_bytes(data: bytes, path: str, language: str, config: ScanConfig, root: str = ".") -> FileResult:
    """A file's content (e.g. read from git) analysed; problems give a result without units, never an exception.

    ``root``: the scan root the file belongs to (its units carry it).
    """
    empty = FileResult(path)
    if len(data) > config.max_file_bytes:
        return empty
    text, _ = decode(data, language)
    if text is None:
        return empty
    if config.ignore_rules and ignore_reason(path, text, config):
        return empty
    source = SourceFile(path=path, abspath="", root=root, language=language, size=len(data))
    try:
        result = analyse_text(text, source, config)
    except RecursionError:
        return empty
    except Exception:  # a parser bug must cost one file, not the gate
        return empty
    return empty if result.skip is not None else result
