"""Changes that reach one copy of a cluster and not its siblings (``dupfinder ci --base``).

Juergens et al. ("Do code clones matter?", ICSE 2009) found that copies changed
inconsistently are frequent and that about half of those changes are faults: a
bug fixed in one copy stays in the others.  So, per clone cluster of the code
after the change (unit clusters; blocks have no unit of their own to follow):

1. the copies the change touched are looked up at the base revision: the unit
   of the same file (its path after the change) most similar to the copy now,
   same name first, at least as similar as the scan's threshold;
2. a touched copy counts as *edited* when its normalised tokens (trailing
   commas before a closing bracket left out) or its string literals differ from
   that earlier unit: a reformat, a comment, a Python docstring
   (:func:`edit_kind`), or renaming identifiers throughout is no edit, and
   neither is a file rename;
3. an edited copy whose earlier unit was a copy of an untouched sibling (as
   similar as the threshold) is reported when some copies were *not* edited.
   A sibling that is now token for token the same as the edited copy already
   had the change (the edit caught up with it) and is left out.

A copy marked ``# dupfinder: diverge`` (``//`` in C-like languages), inside it
or on the line above, is an intended divergence: neither reported nor named as
left behind.  An edit to every copy alike leaves no sibling behind, so it is not reported;
a new copy has no earlier unit, so it is the new-duplication check's finding,
not this one.  An edit that takes a copy out of its cluster altogether is not
seen (the cluster it left is the one compared).  Cost: per cluster with a
touched copy, O(touched x earlier units of its file) verified similarities,
memoised, and one ``difflib`` diff per finding.
"""

from __future__ import annotations

import ast
import difflib
import hashlib
import re
import sys
import textwrap
from array import array
from collections.abc import Callable, Mapping, Sequence

from dupfinder.gate.history import UnitSimilarity, instance_key
from dupfinder.model import Cluster, Inconsistent, Instance, Unit
from dupfinder.similarity.normalize import token_hash

#: longest diff kept in a finding (lines); the rest is cut with "..."
MAX_DIFF_LINES = 12


_COMMA = token_hash(",")
_CLOSERS = frozenset(token_hash(c) for c in (")", "]", "}"))


def _layout_free(token_hashes: bytes) -> list[int]:
    """Normalised tokens without the trailing commas a formatter adds before a closing bracket."""
    toks = array("I")
    toks.frombytes(token_hashes)
    if sys.byteorder != "little":
        toks.byteswap()
    return [t for n, t in enumerate(toks) if not (t == _COMMA and n + 1 < len(toks) and toks[n + 1] in _CLOSERS)]


def same_code(a: Unit, b: Unit) -> bool:
    if a.literals != b.literals:
        return False
    return a.fingerprint == b.fingerprint or _layout_free(a.token_hashes) == _layout_free(b.token_hashes)


#: an intended divergence, in a comment inside a copy or on the line above it: ``# dupfinder: diverge``
DIVERGE_MARK = re.compile(r"(?:#|//|/\*|--)\s*dupfinder:\s*diverge\b")

#: what an edit changed (:func:`edit_kind`)
NO_EDIT, LITERAL_EDIT, CODE_EDIT = "none", "literal", "code"


def marked_divergent(lines: Sequence[str], start: int, end: int) -> bool:
    """Whether lines ``start``..``end`` (1-indexed) of a file, or the line above them, carry the mark."""
    return any(DIVERGE_MARK.search(line) for line in lines[max(0, start - 2) : end])


def _without_docstrings(source: Sequence[str]) -> str | None:
    """The Python excerpt's syntax tree without docstrings or comments (``ast.dump``), None when it
    does not parse on its own."""
    try:
        tree = ast.parse(textwrap.dedent("\n".join(source)))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant):
            node.kind = None  # a u"" prefix changes nothing in Python 3
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):  # fmt: skip
                node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree)


def edit_kind(before: Unit, after: Unit, before_lines: Sequence[str], after_lines: Sequence[str]) -> str:
    """What an edit from ``before`` to ``after`` (units, with their excerpts) changed.

    :data:`NO_EDIT`: the same code -- a reformat, renamed identifiers throughout, a comment (no
    token), or in Python a docstring or a ``u`` string prefix (the syntax trees without docstrings
    agree);
    :data:`LITERAL_EDIT`: the same tokens with other string literals (a message, a key, a URL);
    :data:`CODE_EDIT`: anything else.  Numbers are no literal of identity (shape only), so a number
    alone changing is no edit.
    """
    if same_code(before, after):
        return NO_EDIT
    if before.language == "python" and after.language == "python":
        a, b = _without_docstrings(before_lines), _without_docstrings(after_lines)
        if a is not None and a == b:
            return NO_EDIT
    if before.fingerprint == after.fingerprint or _layout_free(before.token_hashes) == _layout_free(after.token_hashes):
        return LITERAL_EDIT
    return CODE_EDIT


def _excerpt(text: str | None, start: int, end: int) -> list[str]:
    if text is None:
        return []
    return text.splitlines()[start - 1 : end]


def short_diff(before: list[str], after: list[str], limit: int = MAX_DIFF_LINES) -> tuple[str, ...]:
    """The hunks of a unified diff of two excerpts (no file headers), cut to ``limit`` lines."""
    lines = [ln for ln in difflib.unified_diff(before, after, lineterm="", n=1)][2:]
    if len(lines) > limit:
        lines = [*lines[:limit], "..."]
    return tuple(lines)


class _Earlier:
    """The base revision's units of the touched files, by their path after the change."""

    def __init__(self, units: Sequence[Unit], measure: UnitSimilarity, threshold: float) -> None:
        self._by_path: dict[str, list[Unit]] = {}
        for u in units:
            self._by_path.setdefault(u.path, []).append(u)
        self._sim, self._threshold = measure, threshold

    def version(self, unit: Unit) -> Unit | None:
        """The earlier unit ``unit`` is a later version of, or None."""
        best: tuple[tuple[bool, float, int], Unit] | None = None
        for e in self._by_path.get(unit.path, ()):
            if e.language != unit.language:
                continue
            sim = self._sim.similarity(unit, e)
            if sim < self._threshold:
                continue
            rank = (e.name == unit.name, sim, -abs(e.start_line - unit.start_line))
            if best is None or rank > best[0]:
                best = (rank, e)
        return best[1] if best else None


def find_inconsistent(
    clusters: Sequence[Cluster],
    changed: Callable[[Instance], bool],
    earlier: Sequence[Unit],
    current: Mapping[str, Unit],
    threshold: float,
    text_before: Callable[[str], str | None],
    text_now: Callable[[str], str | None],
    *,
    fails: bool = False,
) -> tuple[Inconsistent, ...]:
    """Edits to some copies of a cluster that their siblings did not get (see the module docstring).

    ``earlier``: the base revision's units of the touched files, named by their path after the
    change; ``current``: the units after the change, by :func:`instance_key`; ``text_before`` and
    ``text_now``: a file's text at the base revision and now, by its path after the change.
    """
    measure = UnitSimilarity()
    versions = _Earlier(earlier, measure, threshold)
    out: list[Inconsistent] = []

    def unit_of(i: Instance) -> Unit | None:
        return current.get(instance_key(i.path, i.start_line, i.end_line))

    def is_marked(i: Instance) -> bool:
        text = text_now(i.path)
        return text is not None and marked_divergent(text.splitlines(), i.start_line, i.end_line)

    for cluster in clusters:
        if cluster.kind != "unit":
            continue
        marked = {id(i) for i in cluster.instances if is_marked(i)}
        edited: list[tuple[Instance, Unit, Unit]] = []
        for inst in cluster.instances:
            unit = unit_of(inst) if changed(inst) and id(inst) not in marked else None
            before = versions.version(unit) if unit is not None else None
            if unit is None or before is None:
                continue
            was = _excerpt(text_before(inst.path), before.start_line, before.end_line)
            now = _excerpt(text_now(inst.path), inst.start_line, inst.end_line)
            if edit_kind(before, unit, was, now) != NO_EDIT:
                edited.append((inst, unit, before))
        if not edited:
            continue
        edited_keys = {id(e[0]) for e in edited}
        left = [i for i in cluster.instances if id(i) not in edited_keys and id(i) not in marked]
        left_units = [(i, u) for i in left if (u := unit_of(i)) is not None]
        for inst, unit, before in edited:
            if not any(measure.similarity(before, u) >= threshold for _, u in left_units):
                continue  # it was no copy of an untouched sibling before the change
            behind = tuple(i for i, u in left_units if not same_code(u, unit))
            if not behind:
                continue
            diff = short_diff(
                _excerpt(text_before(inst.path), before.start_line, before.end_line),
                _excerpt(text_now(inst.path), inst.start_line, inst.end_line),
            )
            key = f"inconsistent\0{inst.path}\0{before.fingerprint}\0{unit.fingerprint}"
            out.append(
                Inconsistent(
                    instance=inst,
                    cluster=cluster,
                    changed=tuple(e[0] for e in edited),
                    not_changed=behind,
                    diff=diff,
                    fingerprint=hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:32],
                    fails=fails,
                )
            )
    out.sort(key=lambda f: (f.instance.path, f.instance.start_line, f.cluster.id))
    return tuple(out)


__all__ = [
    "CODE_EDIT",
    "DIVERGE_MARK",
    "LITERAL_EDIT",
    "MAX_DIFF_LINES",
    "NO_EDIT",
    "edit_kind",
    "find_inconsistent",
    "marked_divergent",
    "short_diff",
]
