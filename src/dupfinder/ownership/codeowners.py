"""CODEOWNERS files: where a repository keeps one, and what its lines own.

At a folder, the first of ``.github/CODEOWNERS``, ``CODEOWNERS``,
``docs/CODEOWNERS``, ``.gitlab/CODEOWNERS`` that exists is its file
(:data:`CODEOWNERS_LOCATIONS`); patterns are relative to that folder.

Semantics (GitHub's, which differ from ``.gitignore``, so ``pathspec`` is not
used here): a leading ``/`` anchors to the repository root; a pattern with a
slash elsewhere (not only at its end) is anchored too; one without matches at
any depth; a trailing ``/`` means the folder and everything below it; a pattern
also matches everything below a folder it names, except when its last segment
is a lone ``*`` (``docs/*`` owns ``docs/a.md`` but not ``docs/sub/b.md``);
``*`` and ``?`` do not cross ``/``; ``**`` spans folders; ``\\`` escapes the
next character (``\\#`` for a leading hash, ``\\ `` for a space); ``#`` starts a
comment; paths are case-sensitive; the **last matching line wins**, and a
matching line with no owners leaves the path **unowned**. ``!`` negation and
``***`` are not supported by GitHub: such lines are skipped with a warning, as
are lines whose owners are not ``@user``, ``@org/team`` or an e-mail. GitLab
sections (``[Section]``, ``^[Optional]``, ``[Section][2]``) are read with their
default owners, which apply to the section's lines that name none; GitLab
combines the owners of every section, but one team is needed here, so the last
matching line of the whole file wins. With several owners, **the first owner
is the team**.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

#: Where a repository keeps its CODEOWNERS file; the first that exists is used
#: (GitHub's order, then GitLab's extra location).
CODEOWNERS_LOCATIONS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS")


def _is_owner(token: str) -> bool:
    # GitHub accepts @user, @org/team and e-mail addresses; anything else makes the line invalid.
    return "@" in token


def _segment_regex(seg: str) -> str:
    out: list[str] = []
    escape = False
    for ch in seg:
        if escape:
            out.append(re.escape(ch))
            escape = False
        elif ch == "\\":
            escape = True
        elif ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        else:  # CODEOWNERS has no [ranges]: brackets are literal
            out.append(re.escape(ch))
    return "".join(out)


def compile_codeowners_pattern(pattern: str) -> re.Pattern[str]:
    """A regex matching the file paths (relative to the repository root) that ``pattern`` owns.

    Raises ValueError for patterns GitHub rejects (negation, ``***``, empty).
    """
    if not pattern or pattern.startswith("!"):
        raise ValueError("negation (!) is not supported in CODEOWNERS")
    if "***" in pattern:
        raise ValueError("three consecutive asterisks are not a valid pattern")
    if pattern == "/":
        return re.compile(r"(?!)")  # matches nothing
    anchored = pattern.startswith("/")
    body = pattern[1:] if anchored else pattern
    dir_only = body.endswith("/")
    segs = [s for s in body.split("/") if s != ""]
    if not segs:
        return re.compile(r"(?!)")
    # "/" only at the end (or nowhere) -> the pattern matches at any depth
    if not anchored and len(segs) == 1 and segs[0] != "**":
        segs = ["**", *segs]
    if dir_only:
        segs.append("**")
    collapsed: list[str] = []
    for s in segs:  # "a/**/**/b" is "a/**/b"
        if not (s == "**" and collapsed and collapsed[-1] == "**"):
            collapsed.append(s)
    segs = collapsed

    out = ["^"]
    need_sep = False
    last = len(segs) - 1
    for i, seg in enumerate(segs):
        if seg == "**":
            if last == 0:
                out.append(".+")
            elif i == 0:
                out.append("(?:.+/)?")
                need_sep = False
            elif i == last:
                out.append("/.+")
            else:
                out.append("(?:/.+)?")
                need_sep = True
            continue
        if need_sep:
            out.append("/")
        if seg == "*":
            out.append("[^/]+")
            # a trailing lone "*" owns direct children only (GitHub: docs/* is not recursive)
        else:
            out.append(_segment_regex(seg))
            if i == last:
                out.append("(?:/.*)?")  # a named folder owns everything below it
        need_sep = True
    out.append("$")
    return re.compile("".join(out))


def _tokens(line: str) -> list[str]:
    """Split on unescaped whitespace, keeping backslash escapes inside tokens."""
    tokens: list[str] = []
    cur: list[str] = []
    escape = False
    for ch in line:
        if escape:
            cur.append(ch)
            escape = False
        elif ch == "\\":
            cur.append(ch)
            escape = True
        elif ch.isspace():
            if cur:
                tokens.append("".join(cur))
                cur = []
        else:
            cur.append(ch)
    if cur:
        tokens.append("".join(cur))
    return tokens


def _owners(tokens: Sequence[str]) -> tuple[list[str], bool]:
    """Owners up to an inline comment; the flag is False when a token is not an owner."""
    owners: list[str] = []
    for tok in tokens:
        if tok.startswith("#"):
            break
        if not _is_owner(tok):
            return owners, False
        owners.append(tok)
    return owners, True


_SECTION = re.compile(r"^\^?\[(?P<name>[^\]]*)\](?:\[\d+\])?(?P<rest>.*)$")


@dataclass(frozen=True, slots=True)
class CodeOwnersRule:
    """One line of a CODEOWNERS file."""

    pattern: str  #: as written (escapes kept)
    owners: tuple[str, ...]  #: as written; empty means "no owner"
    line: int  #: 1-indexed line in the file
    section: str | None  #: GitLab section name, None before any section
    regex: re.Pattern[str] = field(compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class CodeOwners:
    """A parsed CODEOWNERS file."""

    file: str  #: path shown in evidence and warnings
    rules: tuple[CodeOwnersRule, ...]
    warnings: tuple[str, ...] = ()

    def match(self, path: str) -> CodeOwnersRule | None:
        """The last rule matching ``path`` (relative to the repository root), or None."""
        for rule in reversed(self.rules):
            if rule.regex.match(path):
                return rule
        return None


def parse_codeowners(text: str, file: str = "CODEOWNERS") -> CodeOwners:
    """Parse CODEOWNERS text; invalid lines become warnings (``file:line: what``), as GitHub skips them."""
    rules: list[CodeOwnersRule] = []
    warnings: list[str] = []
    section: str | None = None
    section_owners: tuple[str, ...] = ()
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        sec = _SECTION.match(line)
        if sec is not None and not line.startswith("\\"):
            section = sec["name"].strip()
            owners, ok = _owners(_tokens(sec["rest"]))
            if not ok:
                warnings.append(f"{file}:{lineno}: section default owners must be @user, @group or e-mails")
            section_owners = tuple(owners)
            continue
        tokens = _tokens(line)
        pattern, rest = tokens[0], tokens[1:]
        if pattern.startswith("\\#"):
            pattern = pattern[1:]  # "\#file" names a file starting with "#"
        owners, ok = _owners(rest)
        if not ok:
            warnings.append(f"{file}:{lineno}: owners must be @user, @org/team or e-mails; line skipped")
            continue
        try:
            regex = compile_codeowners_pattern(pattern)
        except ValueError as exc:
            warnings.append(f"{file}:{lineno}: {exc}; line skipped")
            continue
        rules.append(CodeOwnersRule(pattern, tuple(owners) or section_owners, lineno, section, regex))
    return CodeOwners(file, tuple(rules), tuple(warnings))


__all__ = ["CODEOWNERS_LOCATIONS", "CodeOwners", "CodeOwnersRule", "compile_codeowners_pattern", "parse_codeowners"]
