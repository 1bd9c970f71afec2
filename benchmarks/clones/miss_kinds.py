#!/usr/bin/env python3
"""What jscpd 5's pairs that dupfinder misses are made of: strings or code, copied verbatim or not.

    python benchmarks/clones/jscpd_recall.py DUPFINDER.json JSCPD.json CORPUS --misses MISSES.jsonl
    python benchmarks/clones/miss_kinds.py MISSES.jsonl CORPUS

For each missed pair (one JSON object a line, as ``jscpd_recall.py --misses`` writes them) the first
side's lines are tokenized with Python's ``tokenize`` over the whole file, and the pair is counted by

* kind: an import list (most lines start with ``import`` or ``from``), string-heavy (at least half
  of the characters of the side's tokens lie in string literals) or code;
* copy: ``verbatim`` when the two sides' lines are equal after stripping, leaving out the first and
  the last line (jscpd's fragments start and end at tokens, inside a line), ``edited`` otherwise;
* for the verbatim string-heavy ones of no import list: the code tokens (every token but strings,
  comments and layout) on the first side, and whether the first side is under a ``tests`` folder
  or a ``test*`` file.

Standard library only.
"""

from __future__ import annotations

import argparse
import io
import json
import tokenize
from collections import Counter
from pathlib import Path

_LAYOUT = {tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER, tokenize.COMMENT,
           tokenize.ENCODING}  # fmt: skip
_STRING_PARTS = {tokenize.STRING, *(getattr(tokenize, n) for n in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END")
                                    if hasattr(tokenize, n))}  # fmt: skip


def side(path: Path, first: int, last: int) -> tuple[list[str], int, float]:
    """(stripped lines, code tokens, share of the tokens' characters in strings) of lines ``first..last``."""
    text = path.read_text(encoding="utf-8", errors="replace")
    lines = [line.strip() for line in text.splitlines()[first - 1 : last]]
    code = in_strings = chars = 0
    try:
        for t in tokenize.generate_tokens(io.StringIO(text).readline):
            if t.end[0] < first or t.start[0] > last or t.type in _LAYOUT:
                continue
            chars += len(t.string)
            if t.type in _STRING_PARTS:
                in_strings += len(t.string)
            else:
                code += 1
    except (tokenize.TokenError, SyntaxError):
        pass  # counted up to where tokenizing stopped
    return lines, code, in_strings / max(chars, 1)


def _size(code: int) -> str:
    return "under 10" if code < 10 else "10-19" if code < 20 else "20-29" if code < 30 else "30 or more"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("misses", type=Path, help="jscpd_recall.py --misses output")
    ap.add_argument("corpus", type=Path)
    a = ap.parse_args()
    kinds: Counter[tuple[str, str]] = Counter()
    sizes: Counter[str] = Counter()
    where: Counter[str] = Counter()
    total = 0
    for line in a.misses.read_text(encoding="utf-8").splitlines():
        m = json.loads(line)
        total += 1
        la, code, strings = side(a.corpus / m["a"], *m["a_lines"])
        lb, _, _ = side(a.corpus / m["b"], *m["b_lines"])
        imports = 2 * sum(x.startswith(("import ", "from ")) for x in la) >= len(la)
        kind = "import list" if imports else "string-heavy" if strings >= 0.5 else "code"
        copy = "verbatim" if la[1:-1] == lb[1:-1] else "edited"
        kinds[(kind, copy)] += 1
        if kind == "string-heavy" and copy == "verbatim":
            sizes[_size(code)] += 1
            parts = Path(m["a"]).parts
            where["tests" if any(p in ("tests", "test", "testing") or p.startswith("test") for p in parts) else
                  "other"] += 1  # fmt: skip
    print(f"missed pairs: {total}")
    for (kind, copy), n in sorted(kinds.items()):
        print(f"  {kind:13s} {copy:9s} {n}")
    print("verbatim string-heavy pairs by code tokens on the first side:")
    for size in ("under 10", "10-19", "20-29", "30 or more"):
        print(f"  {size:11s} {sizes[size]}")
    print("  in tests: {}, elsewhere: {}".format(where["tests"], where["other"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
