#!/usr/bin/env python3
"""How many of jscpd 5's clone pairs a dupfinder report also holds, by the kind of dupfinder cluster.

    python benchmarks/clones/jscpd_recall.py DUPFINDER.json JSCPD-REPORT.json CORPUS

``DUPFINDER.json``: ``dupfinder scan CORPUS --format json``; ``JSCPD-REPORT.json``: jscpd 5's json
reporter on the same folder (paths relative to it, or absolute under it).  A jscpd pair counts as
held when one dupfinder cluster has a copy overlapping each side (same file, overlapping lines).
Pairs whose lines hold only strings, comments and docstrings (no code token, by tokenizing the whole
file: a fragment that starts inside a docstring is prose) are left out, as are
pairs whose sides overlap each other and pairs in a file dupfinder did not analyse (listed in the
report's ``stats.skipped`` with its reason, e.g. an ignore rule for migrations or generated code).
Prints the recall overall, the share held by unit and by block clusters, the missed pairs by where
their first side lies (module-level code, a part of a function, a whole function or more) and size
(at least ``--min-tokens`` or not), and a sample of missed pairs.  Standard library only.
"""

from __future__ import annotations

import argparse
import ast
import io
import json
import sys
import tokenize
from collections import defaultdict
from pathlib import Path

_LAYOUT = {tokenize.STRING, tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
           tokenize.ENDMARKER, tokenize.ENCODING}  # fmt: skip


class Code:
    """A Python file's tokens by line: the lines a code token (a name, number or operator) lies on, and
    how many tokens (code and strings) start on each line."""

    def __init__(self, tokens: list[tokenize.TokenInfo]) -> None:
        self.lines = frozenset(n for t in tokens if t.type not in _LAYOUT for n in range(t.start[0], t.end[0] + 1))
        self.starts: dict[int, int] = defaultdict(int)
        for t in tokens:
            if t.type not in _LAYOUT or t.type == tokenize.STRING:
                self.starts[t.start[0]] += 1

    def tokens(self, first: int, last: int) -> int:
        return sum(self.starts.get(n, 0) for n in range(first, last + 1))


def code_lines(path: Path) -> Code | None:
    """A Python file's tokens by line; None when the file does not tokenize."""
    try:
        with tokenize.open(path) as fh:
            return Code(list(tokenize.generate_tokens(fh.readline)))
    except (OSError, SyntaxError, tokenize.TokenError, UnicodeDecodeError):
        return None


def functions(path: Path) -> list[tuple[int, int]] | None:
    """The line spans of a Python file's functions (methods and nested ones too); None when it does not parse."""
    try:
        tree = ast.parse(path.read_bytes())
    except (OSError, SyntaxError, ValueError):
        return None
    return [
        (node.lineno, node.end_lineno or node.lineno)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]


def where(spans: list[tuple[int, int]] | None, first: int, last: int) -> str:
    """Where lines ``first..last`` lie: in no function (module-level, class bodies), inside one function
    without covering it, or over whole functions."""
    if spans is None:
        return "unparsed"
    inside = [(s, e) for s, e in spans if s <= first and last <= e]
    if inside:
        s, e = min(inside, key=lambda span: span[1] - span[0])
        return "whole function" if first <= s + 1 and e <= last + 1 else "part of a function"
    if any(first <= s and e <= last for s, e in spans):
        return "whole function"
    return "part of a function" if any(s <= last and first <= e for s, e in spans) else "module-level"


def import_list(path: Path, first: int, last: int) -> bool:
    """Whether most code lines of lines ``first..last`` of a file are import statements."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()[first - 1 : last]
    except OSError:
        return False
    code = [s for s in (line.strip() for line in lines) if s and not s.startswith("#")]
    return bool(code) and 2 * sum(s.startswith(("import ", "from ")) for s in code) >= len(code)


def code_free(fragment: str) -> bool:
    """Whether a Python fragment holds only strings, comments and layout (no name, number or operator),
    for a file that does not tokenize as a whole."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(fragment).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        tokens = []
        for line in fragment.splitlines():
            stripped = line.strip()
            if stripped and not stripped.startswith(("#", '"', "'")):
                return False
        return True
    return all(t.type in _LAYOUT for t in tokens)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dupfinder")
    ap.add_argument("jscpd")
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--show", type=int, default=15, help="missed pairs to print")
    ap.add_argument("--min-tokens", type=int, default=50, help="size of the pairs also counted apart (default 50)")
    ap.add_argument(
        "--short",
        type=int,
        default=30,
        help="tokens under which a missed pair is counted as short (default 30, a verbatim block's least)",
    )
    ap.add_argument("--misses", type=Path, help="write every missed pair here, one JSON object a line")
    a = ap.parse_args()
    report = json.loads(Path(a.dupfinder).read_text(encoding="utf-8"))
    spans: dict[str, list[tuple[int, int, int, str]]] = defaultdict(list)  # path -> (start, end, cluster, kind)
    for n, c in enumerate(report["clusters"]):
        for i in c["instances"]:
            spans[i["path"]].append((i["start_line"], i["end_line"], n, c.get("kind", "unit")))
    skipped = {s["path"] for s in report["stats"]["skipped"]}
    root = str(a.corpus.resolve()) + "/"
    prefix = a.corpus.resolve().name + "/"

    def rel(name: str) -> str:
        name = name[len(root) :] if name.startswith(root) else name
        # dupfinder's paths are relative to the corpus folder's parent when it scanned the folder itself
        return name if any(p.startswith(prefix) for p in spans) is False else prefix + name

    total = held = left_out = not_analysed = 0
    by_kind: dict[str, int] = defaultdict(int)
    missed: list[str] = []
    every_miss: list[dict[str, object]] = []
    lines_of: dict[str, Code | None] = {}  # a file's tokens by line, read once
    defs_of: dict[str, list[tuple[int, int]] | None] = {}  # a file's functions, read once
    misses: dict[tuple[str, bool], int] = defaultdict(int)  # (where, at least --min-tokens) -> missed pairs
    kinds: dict[str, int] = defaultdict(int)  # missed pairs: import lists, short, the others
    sized = [0, 0]  # pairs whose first side has at least --min-tokens tokens: all, held
    for d in json.loads(Path(a.jscpd).read_text(encoding="utf-8"))["duplicates"]:
        first, second = d["firstFile"], d["secondFile"]
        fa, fb = rel(first["name"]), rel(second["name"])
        sa = (first["startLoc"]["line"], first["endLoc"]["line"])
        sb = (second["startLoc"]["line"], second["endLoc"]["line"])
        if fa in skipped or fb in skipped:
            not_analysed += 1
            continue
        if fa not in lines_of:
            file_a = a.corpus.resolve().parent / fa if fa.startswith(prefix) else a.corpus / fa
            lines_of[fa], defs_of[fa] = code_lines(file_a), functions(file_a)
        code = lines_of[fa]
        if code is not None:
            no_code = not any(n in code.lines for n in range(sa[0], sa[1] + 1))
        else:
            no_code = code_free(d.get("fragment", ""))
        if no_code or (fa == fb and sa[0] <= sb[1] and sb[0] <= sa[1]):
            left_out += 1
            continue
        total += 1
        at_a = {(n, k) for s, e, n, k in spans.get(fa, ()) if s <= sa[1] and sa[0] <= e}
        at_b = {(n, k) for s, e, n, k in spans.get(fb, ()) if s <= sb[1] and sb[0] <= e}
        both = at_a & at_b
        big = code is not None and code.tokens(*sa) >= a.min_tokens
        sized[0] += big
        if both:
            held += 1
            sized[1] += big
            by_kind["unit" if any(k == "unit" for _, k in both) else "block"] += 1
        else:
            place = where(defs_of[fa], *sa)
            file_a = a.corpus.resolve().parent / fa if fa.startswith(prefix) else a.corpus / fa
            size = code.tokens(*sa) if code is not None else None
            if import_list(file_a, *sa):
                kinds["import lists"] += 1
            elif size is not None and size < a.short:
                kinds[f"under {a.short} tokens"] += 1
            else:
                kinds["others"] += 1
            misses[(place, big)] += 1
            every_miss.append({"a": fa, "a_lines": sa, "b": fb, "b_lines": sb, "where": place,
                               "tokens": size})  # fmt: skip
            if len(missed) < a.show:
                missed.append(f"  {fa}:{sa[0]}-{sa[1]}  ~  {fb}:{sb[0]}-{sb[1]}")
    print(f"jscpd 5 pairs with code: {total} ({left_out} left out: only strings/comments/docstrings, or self-overlap;"
          f" {not_analysed} in files dupfinder skips with a reason)")  # fmt: skip
    print(f"held by a dupfinder cluster: {held} ({held / max(total, 1):.3f})")
    for kind in ("unit", "block"):
        print(f"  by {kind} clusters: {by_kind[kind]} ({by_kind[kind] / max(total, 1):.3f})")
    print(f"of the {sized[0]} pairs with at least {a.min_tokens} tokens (Python's, on the first side's lines):"
          f" held {sized[1]} ({sized[1] / max(sized[0], 1):.3f})")  # fmt: skip
    if misses:
        print(f"missed, by where the first side lies (>= / < {a.min_tokens} tokens):")
        for place in sorted({p for p, _ in misses}):
            print(f"  {place}: {misses[(place, True)]} / {misses[(place, False)]}")
    if kinds:
        print("missed, by what the first side is: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
    if a.misses is not None:
        a.misses.write_text("".join(json.dumps(m) + "\n" for m in every_miss), encoding="utf-8")
    if missed:
        print("missed (first ones):")
        print("\n".join(missed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
