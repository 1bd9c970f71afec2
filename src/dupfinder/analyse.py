"""The per-file stage: read, decode, parse and normalise one file.

This is the unit of parallel work and of caching: a pure function of the
file's bytes and the settings, returning a :class:`FileResult` that holds
either the file's units or the reason it was skipped.  It never raises for
bad input; every problem becomes a recorded skip.
"""

from __future__ import annotations

import codecs
import re

from dupfinder import languages
from dupfinder.config import ScanConfig
from dupfinder.model import FileResult, SourceFile, Skip
from dupfinder.normalize import to_unit

_CODING_RE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
_SNIFF = 8192


def decode(data: bytes, language: str) -> tuple[str | None, str]:
    """``(text, "")`` or ``(None, reason)``.  Handles BOMs and PEP 263 coding lines."""
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
    return None, "undecodable (not valid UTF-8 and no encoding declared)"


def _line_count(text: str) -> int:
    return text.count("\n") + (1 if text and not text.endswith("\n") else 0)


def analyse_text(text: str, source: SourceFile, config: ScanConfig) -> FileResult:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = _line_count(text)
    longest = max((len(line) for line in text.split("\n")), default=0)
    if longest > config.max_line_chars:
        return FileResult(source.path, lines=lines, skip=Skip(source.path, f"minified or generated (a line of {longest} characters)"))
    parsed = languages.get(source.language).parse(text, source.path)
    if parsed.error is not None and not parsed.units:
        return FileResult(source.path, lines=lines, skip=Skip(source.path, f"unparseable: {parsed.error}"))
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
        with open(source.abspath, "rb") as fh:
            data = fh.read(config.max_file_bytes + 1)
    except OSError as exc:
        return FileResult(source.path, skip=Skip(source.path, f"unreadable ({exc.strerror or exc})"))
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
        return FileResult(source.path, skip=Skip(source.path, "unparseable: nested too deeply"))
    except Exception as exc:  # a parser bug must cost one file, not the scan
        return FileResult(source.path, skip=Skip(source.path, f"internal error while parsing: {type(exc).__name__}: {exc}"))


def read_text(abspath: str, language: str) -> str | None:
    """Decoded text with normalised newlines, or None if it cannot be read now."""
    try:
        with open(abspath, "rb") as fh:
            data = fh.read()
    except OSError:
        return None
    text, _ = decode(data, language)
    return None if text is None else text.replace("\r\n", "\n").replace("\r", "\n")
