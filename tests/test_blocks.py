"""Block clones on token streams: winnowing, seeds, maximal regions on whole lines, identity, groups."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import write
from dupfinder import cache as cache_mod
from dupfinder.cli.app import cli
from dupfinder.model import TokenStream
from dupfinder.similarity.block_clusters import FileStream, find_block_clusters
from dupfinder.similarity.blocks import (
    ALL_PAIRS,
    MAX_PLACES,
    MIN_LINES,
    VERBATIM_LINES,
    VERBATIM_TOKENS,
    K,
    Seeded,
    Stream,
    W,
    block_groups,
    extend,
    extend_all,
    fingerprints,
    matches,
    pack_marks,
    rarity,
    seeds,
    stream_marks,
    unpack_marks,
    window_hashes,
    winnow,
)
from dupfinder.similarity.normalize import NAME_PLACEHOLDER, token_hash

NAME = 7  # the normalised hash an identifier gets in these streams


def stream(path: str, tokens: list[int], per_line: int = 6, names: dict[int, int] | None = None) -> Stream:
    """A stream of ``tokens``, ``per_line`` to a line; ``names``: position -> raw hash of an identifier there."""
    norm = np.array(tokens, dtype=np.uint32)
    raw = norm.copy()
    for at, h in (names or {}).items():
        norm[at] = NAME
        raw[at] = h
    lines = (np.arange(len(tokens)) // per_line + 1).astype(np.uint32)
    return Stream(path, "python", norm, raw, lines)


def noise(seed: int, n: int, low: int) -> list[int]:
    return np.random.default_rng(seed).integers(low, low + 5000, n).tolist()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 40), min_size=K + W, max_size=400))
def test_every_window_of_w_hashes_keeps_its_minimum(tokens: list[int]) -> None:
    hashes = window_hashes(np.array(tokens, dtype=np.uint32))
    kept, positions = winnow(hashes)
    assert list(kept) == [hashes[p] for p in positions] and list(positions) == sorted(set(positions))
    for lo in range(len(hashes) - W + 1):  # the winnowing guarantee: each window holds a fingerprint
        inside = [p for p in positions if lo <= p < lo + W]
        assert inside and min(hashes[p] for p in inside) == hashes[lo : lo + W].min()


def test_extension_finds_the_maximal_equal_run() -> None:
    a = np.array([1, 2, 3, 4, 5, 6, 9], dtype=np.uint32)
    b = np.array([8, 3, 4, 5, 6, 7], dtype=np.uint32)
    assert extend(a, b, 3, 2) == (2, 1, 4)


def test_a_block_pasted_into_an_unrelated_stream_is_found_on_whole_lines() -> None:
    block = noise(1, 90, 0)
    a = stream("a.py", noise(2, 123, 10_000) + block + noise(3, 200, 20_000))
    b = stream("b.py", noise(4, 60, 30_000) + block + noise(5, 100, 40_000))
    (m,) = matches([a, b, stream("c.py", noise(6, 400, 50_000))], min_tokens=50, min_identity=0.5)
    assert (m.a.stream, m.b.stream) == (0, 1)
    # a's block starts mid-line (token 123 is on line 21): the region starts on the next whole line
    assert (m.a.first_line, m.b.first_line) == (22, 11)
    assert m.a.stop - m.a.start == m.b.stop - m.b.start >= 50 and m.identity == 1.0
    assert m.a.last_line - m.a.first_line + 1 >= MIN_LINES


def test_short_runs_and_overlapping_repeats_are_no_blocks() -> None:
    short = noise(1, 40, 0)  # under min_tokens
    spots = list(range(0, 40, 4))
    a = stream("a.py", noise(2, 100, 10_000) + short + noise(3, 100, 20_000),
               names={100 + at: 1_000_000 + at for at in spots})  # fmt: skip
    b = stream("b.py", noise(4, 100, 30_000) + short + noise(5, 100, 40_000),
               names={100 + at: 2_000_000 + at for at in spots})  # fmt: skip
    assert matches([a, b], min_tokens=50, min_identity=0.0) == []  # renamed: no verbatim copy
    tiny = noise(1, VERBATIM_TOKENS - 6, 0)  # verbatim, but too few tokens even for a verbatim copy
    a = stream("a.py", noise(2, 100, 10_000) + tiny + noise(3, 100, 20_000), per_line=2)
    b = stream("b.py", noise(4, 100, 30_000) + tiny + noise(5, 100, 40_000), per_line=2)
    assert matches([a, b], min_tokens=50, min_identity=0.0) == []
    periodic = stream("p.py", [1, 2, 3, 4, 5] * 60)  # a file matching itself one period later
    assert matches([periodic], min_tokens=50, min_identity=0.0) == []


def test_a_verbatim_stretch_of_enough_lines_is_a_block_under_min_tokens() -> None:
    """A run of equal shape whose first part was renamed: as a whole its identity is too low, but its
    verbatim last 42 tokens (7 lines) are a copy, though under min_tokens."""
    run = noise(1, 90, 0)
    run[60:62] = [token_hash(NAME_PLACEHOLDER), token_hash("(")]  # a call: a short copy must hold one
    spots = list(range(0, 48, 4))
    a = stream("a.py", noise(2, 96, 10_000) + run + noise(3, 96, 20_000),
               names={96 + at: 1_000_000 + at for at in spots})  # fmt: skip
    b = stream("b.py", noise(4, 96, 30_000) + run + noise(5, 96, 40_000),
               names={96 + at: 2_000_000 + at for at in spots})  # fmt: skip
    (m,) = matches([a, b], min_tokens=50, min_identity=0.5)
    assert (m.a.start, m.a.stop, m.b.start, m.b.stop) == (96 + 48, 96 + 90, 96 + 48, 96 + 90)
    assert m.identity == 1.0 and VERBATIM_TOKENS <= m.a.stop - m.a.start < 50
    assert m.a.last_line - m.a.first_line + 1 >= VERBATIM_LINES
    # without the call (declarations or data, not code that does something) it is no block
    a_, b_ = (replace(s, norm=s.norm.copy()) for s in (a, b))
    a_.norm[96 + 60], b_.norm[96 + 60] = 1, 1
    assert matches([a_, b_], min_tokens=50, min_identity=0.5) == []
    # the same stretch on fewer lines (8 tokens to a line: 5 lines and a part) is too short a copy
    a, b = replace(a, lines=(np.arange(len(a)) // 8 + 1).astype(np.uint32)), replace(b, lines=a.lines)
    assert matches([a, replace(b, lines=(np.arange(len(b)) // 8 + 1).astype(np.uint32))], 50, 0.5) == []


def test_renamed_copies_need_shared_rare_names_to_count() -> None:
    block = noise(1, 90, 0)
    spots = list(range(0, 90, 9))
    same = {at: 1_000_000 + at for at in spots}
    renamed = {at: 2_000_000 + at for at in spots}
    a = stream("a.py", block, names=same)
    b = stream("b.py", block, names=same)
    c = stream("c.py", block, names=renamed)
    found = matches([a, b, c], min_tokens=50, min_identity=0.5)
    assert [(m.a.stream, m.b.stream) for m in found] == [(0, 1)]
    assert all(m.identity == 1.0 for m in found)


def test_regions_of_three_files_form_one_group() -> None:
    block = noise(1, 90, 0)
    streams = [stream(f"{k}.py", noise(10 + k, 60, 10_000 * (k + 1)) + block) for k in range(3)]
    (group,) = block_groups(matches(streams, min_tokens=50, min_identity=0.5))
    assert sorted(r.stream for r, _ in group) == [0, 1, 2]


def test_a_block_pasted_after_itself_twice_pairs_its_first_two_periods() -> None:
    block = noise(1, 84, 0)  # 14 lines of 6 tokens; three copies in a row match themselves one period on
    a = stream("a.py", noise(2, 60, 10_000) + block * 3 + noise(3, 60, 20_000))
    (m, *_) = matches([a], min_tokens=50, min_identity=0.5)
    assert (m.a.stream, m.b.stream) == (0, 0)
    assert (m.a.first_line, m.a.last_line, m.b.first_line, m.b.last_line) == (11, 24, 25, 38)
    assert m.a.stop <= m.b.start and m.identity == 1.0


def test_verbatim_copies_are_paired_among_many_renamed_look_alikes() -> None:
    # twelve files hold the same shape with names of their own; files 3 and 9 are verbatim copies
    block = noise(1, 90, 0)
    spots = list(range(0, 90, 9))
    streams = []
    for k in range(12):
        owner = 3 if k in (3, 9) else k
        streams.append(stream(f"{k}.py", block, names={at: 1_000_000 * (owner + 1) + at for at in spots}))
    found = matches(streams, min_tokens=50, min_identity=0.5)
    assert (3, 9) in [(m.a.stream, m.b.stream) for m in found]
    assert all(m.identity == 1.0 for m in found)


def test_stored_fingerprints_give_the_matches_of_computed_ones() -> None:
    block = noise(1, 90, 0)
    streams = [
        stream("a.py", noise(2, 123, 10_000) + block + noise(3, 200, 20_000), names={130: 1, 140: 2}),
        stream("b.py", noise(4, 60, 30_000) + block + noise(5, 100, 40_000), names={67: 1, 77: 2}),
        stream("c.py", noise(6, 40, 50_000) + block, names={47: 3}),
        stream("d.py", noise(7, 10, 60_000)),  # shorter than a window: no fingerprint
    ]
    stored = []
    for s in streams:
        marks = stream_marks(s.norm, s.raw)
        back = unpack_marks(pack_marks(marks))
        assert all(np.array_equal(x, y) and x.dtype == y.dtype for x, y in zip(marks, back, strict=True))
        stored.append(replace(s, marks=back))
    found = matches(streams, min_tokens=50, min_identity=0.0)
    assert len(found) >= 2 and matches(stored, min_tokens=50, min_identity=0.0) == found
    assert unpack_marks(b"")[0].size == 0
    with pytest.raises(ValueError):
        unpack_marks(b"x" * 21)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.integers(0, 30), max_size=60), max_size=8))
def test_rarity_weighs_each_name_by_the_streams_it_occurs_in(texts: list[list[int]]) -> None:
    streams = [stream(f"{k}.py", [1] * len(t), names={at: 100 + h for at, h in enumerate(t)})
               for k, t in enumerate(texts)]  # fmt: skip
    expected = {}
    for h in {100 + h for t in texts for h in t}:
        df = sum(1 for t in texts if h - 100 in t)
        expected[h] = math.log1p((len(texts) + 1) / (df + 1))
    assert rarity(streams) == expected


def test_few_places_of_a_fingerprint_are_all_paired_and_many_are_chained() -> None:
    few = np.array([5] * 3 + [6] * 2, dtype=np.uint64)
    rows = np.arange(len(few), dtype=np.int64)
    assert seeds(few, rows, rows).tolist() == [[0, 1], [0, 2], [1, 2], [3, 4]]
    many = np.full(ALL_PAIRS + 1, 5, dtype=np.uint64)
    rows = np.arange(len(many), dtype=np.int64)
    assert seeds(many, rows, rows).tolist() == [[k, k + 1] for k in range(ALL_PAIRS)]


def test_a_hash_in_too_many_places_pairs_only_the_places_with_the_same_raw_window() -> None:
    hashes = np.full(5, 5, dtype=np.uint64)
    rows = np.arange(len(hashes), dtype=np.int64)
    raws = np.array([1, 1, 2, 3, 3], dtype=np.uint64)
    assert seeds(hashes, rows, rows, max_places=4).tolist() == []
    assert seeds(hashes, rows, rows, max_places=4, raws=raws).tolist() == [[0, 1], [3, 4]]
    assert seeds(hashes, rows, rows, max_places=5, all_pairs=1, raws=raws).tolist() == [[k, k + 1] for k in range(4)]


def test_a_verbatim_copy_of_a_shape_found_everywhere_is_a_block() -> None:
    # a table of number tuples: one shape in more than MAX_PLACES places, its numbers differ in each;
    # two files hold the same table, numbers and all
    def numbers(seed: int) -> dict[int, int]:
        return {1 + 5 * k + 2: 100_000 + n for k, n in enumerate(noise(seed, 12, 0))}

    shape = [9000] + [9001, 9002, 0, 9002, 9003] * 12 + [9004]  # each 0: a number (NAME once normalised)
    others = [stream(f"t{k}.py", shape, per_line=5, names=numbers(k)) for k in range(MAX_PLACES + 1)]
    copy = stream("copy.py", shape, per_line=5, names=numbers(3))
    found = matches([*others, copy], min_tokens=50, min_identity=0.5)
    assert [(m.a.stream, m.b.stream, m.identity) for m in found] == [(3, MAX_PLACES + 1, 1.0)]


def test_a_copy_is_found_when_a_short_look_alike_lies_between_it_and_its_original() -> None:
    block = noise(1, 54, 0)  # a few tokens over K + W - 1: a and c share only a fingerprint or two
    a = stream("a.py", noise(2, 60, 10_000) + block + noise(3, 60, 20_000))
    c = stream("c.py", noise(4, 60, 30_000) + block + noise(5, 60, 40_000))
    in_block = set(winnow(window_hashes(a.norm))[0].tolist()) & set(winnow(window_hashes(c.norm))[0].tolist())
    # b holds 45 tokens of the block (too few for a block clone) and every fingerprint a and c share:
    # in the order of each fingerprint's places it lies between a and c
    for start in range(len(block) - 45):
        # on 10 tokens to a line: under VERBATIM_LINES lines, so no verbatim copy either
        b = stream("b.py", noise(6, 60, 50_000) + block[start : start + 45] + noise(7, 60, 60_000), per_line=10)
        if in_block <= set(winnow(window_hashes(b.norm))[0].tolist()):
            break
    else:
        raise AssertionError("no such look-alike in this draw")
    streams = [a, b, c]
    assert [(m.a.stream, m.b.stream) for m in matches(streams, min_tokens=50, min_identity=0.5)] == [(0, 2)]
    hashes, _, owner, position = fingerprints(streams)
    chained = Seeded(streams, owner, position, seeds(hashes, owner, position, all_pairs=1), rarity(streams))
    assert matches(chained, min_tokens=50, min_identity=0.5) == []  # a chain pairs a-b and b-c only


def test_a_last_line_mostly_copied_stays_in_the_block_and_one_barely_copied_does_not() -> None:
    block = noise(1, 54, 0)  # lines 11-19 of both streams; line 20 is edited after some of its tokens
    last = noise(2, 6, 10_000)
    for kept, expected in ((4, 20), (2, 19)):
        a = stream("a.py", noise(3, 60, 20_000) + block + last + noise(4, 60, 30_000))
        b = stream("b.py", noise(5, 60, 40_000) + block + last[:kept] + noise(6, 66 - kept, 50_000))
        (m,) = matches([a, b], min_tokens=50, min_identity=0.5)
        assert (m.a.first_line, m.a.last_line, m.b.last_line) == (11, expected, expected)
        assert m.a.stop - m.a.start == 54 + (kept if expected == 20 else 0)


IMPORTS = """\
import os
import sys
import json
import time
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterable
"""

PASTED = """\
        retries = settings.get("retries", 3)
        delay = settings.get("delay", 0.5)
        for attempt in range(retries):
            if probe(host, attempt):
                break
            time.sleep(delay * attempt)
"""


A_REST = """\
    by_customer = defaultdict(list)
    for invoice in ledger_invoices(account):
        by_customer[invoice.customer].append(invoice.amount - invoice.discount)
    overdue = {name: sum(amounts) for name, amounts in by_customer.items() if sum(amounts) > paid}
    with open(Path(settings["report_dir"]) / "overdue.json", "w") as out:
        json.dump(overdue, out, indent=2, sort_keys=True)
    return len(overdue), paid
"""

B_REST = """\
    try:
        host.swap(ready, timeout=settings.get("swap_timeout", 30))
    except TimeoutError as exc:
        sys.stderr.write(f"swap of {len(names)} shards timed out: {exc}\\n")
        raise SystemExit(2) from exc
    finally:
        host.release()
"""


def test_a_short_verbatim_paste_is_a_block_and_an_import_list_is_not(tmp_path: Path) -> None:
    """Six lines pasted verbatim (45 tokens, under --min-tokens) into unrelated functions of two files,
    after three lines of the same shape but other names (so the run of equal shape is long enough to
    be seeded, but too unlike as a whole), make a block cluster at the six lines; the import list both
    files open with makes none."""
    a_prelude = ("    rows = fetch_ledger(account, period)\n    owed = compute_total(rows, tax_rate)\n"
                 "    paid = settle_invoice(owed, currency)\n")  # fmt: skip
    b_prelude = ("    shards = list_shards(cluster, region)\n    names = sort_names(shards, locale)\n"
                 "    ready = warm_cache(names, capacity)\n")  # fmt: skip
    write(tmp_path, "billing/sync.py", IMPORTS + "\n\ndef refresh_invoices(settings, host, account):\n"
          + a_prelude + PASTED + A_REST)  # fmt: skip
    write(tmp_path, "search/index.py", IMPORTS + "\n\ndef rebuild(settings, host, cluster):\n"
          + b_prelude + PASTED + B_REST)  # fmt: skip
    res = CliRunner().invoke(cli, ["scan", str(tmp_path), "--format", "json", "-q", "--jobs", "1"])
    assert res.exit_code == 0, res.output
    blocks = [c for c in json.loads(res.stdout)["clusters"] if c["kind"] == "block"]
    assert [sorted((i["path"], i["start_line"], i["end_line"], i["name"]) for i in c["instances"]) for c in blocks] == [
        [("billing/sync.py", 15, 20, "refresh_invoices"), ("search/index.py", 15, 20, "rebuild")]
    ]


def _file(s: Stream, whole: bool) -> FileStream:
    """``s`` as the pipeline hands it to the block search: whole, or as the head a cached file gives."""
    tokens = TokenStream(s.norm.astype("<u4").tobytes(), s.raw.astype("<u4").tobytes(),
                         s.lines.astype("<u4").tobytes(), pack_marks(stream_marks(s.norm, s.raw)))  # fmt: skip
    if whole:
        return FileStream(s.path, ".", s.language, tokens)
    return FileStream(s.path, ".", s.language, None, head=cache_mod.stream_head(tokens))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.tuples(st.integers(0, 5), st.booleans()), min_size=1, max_size=4), min_size=2, max_size=7),
       st.data())  # fmt: skip
def test_the_focused_search_over_stream_heads_loads_the_linked_streams_and_finds_what_whole_streams_give(
    layouts: list[list[tuple[int, bool]]], data: st.DataObject
) -> None:
    # each stream: pieces of six shared blocks (renamed or not) between noise of its own
    blocks = [noise(100 + b, 60, 1000 * b) for b in range(6)]
    streams = []
    for k, layout in enumerate(layouts):
        tokens: list[int] = noise(k, 40, 100_000 + 1000 * k)
        names: dict[int, int] = {}
        for b, renamed in layout:
            if not renamed:
                names.update({len(tokens) + at: 500 + b for at in (5, 25)})
            tokens += blocks[b] + noise(50 + k, 30, 200_000 + 1000 * k)
        streams.append(stream(f"f{k}.py", tokens, names=names))
    focus = {f"f{k}.py" for k in data.draw(st.sets(st.integers(0, len(streams) - 1), min_size=1))}
    fresh = data.draw(st.sets(st.integers(0, len(streams) - 1)))  # analysed now: whole
    whole = [_file(s, True) for s in streams]
    heads = [_file(s, k in fresh) for k, s in enumerate(streams)]
    loaded: list[int] = []

    def load(wanted: Sequence[int]) -> list[TokenStream]:
        assert all(heads[k].stream is None for k in wanted)
        loaded.extend(wanted)
        return [t for k in wanted if (t := whole[k].stream) is not None]

    expected = find_block_clusters(whole, [], [], 50, 0.5, focus)
    assert find_block_clusters(heads, [], [], 50, 0.5, focus, load) == expected
    assert len(loaded) == len(set(loaded))  # each stream's tokens read once
    # the streams read are those a seed links to the search's streams: none that shares no fingerprint
    marks = [set(winnow(window_hashes(s.norm))[0].tolist()) for s in streams]
    around = {k for k, s in enumerate(streams) if s.path in focus}
    reached = around | {k for c in expected for k, s in enumerate(streams) for i in c.instances if i.path == s.path}
    assert all(any(marks[k] & marks[j] for j in reached) or k in around for k in loaded)
    unfocused = find_block_clusters(whole, [], [], 50, 0.5)
    assert [c for c in unfocused if any(i.path in focus for i in c.instances)] == [
        c for c in expected if any(i.path in focus for i in c.instances)
    ]
    with pytest.raises(ValueError):  # without a focus, every stream must be whole
        find_block_clusters([_file(streams[0], False), *whole[1:]], [], [], 50, 0.5)


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_extending_many_places_at_once_gives_each_place_its_maximal_run(data: st.DataObject) -> None:
    """Places on one diagonal (many of them on one long run, some between runs) and on others: each
    gets the run a walk from it alone finds."""
    n = data.draw(st.integers(40, 300))
    a = np.array(data.draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)), dtype=np.uint32)
    b = a.copy()
    for k in data.draw(st.lists(st.integers(0, n - 1), max_size=6)):  # a few edits break the run
        b[k] = 9
    shift = data.draw(st.integers(0, 5))
    b = np.concatenate((np.full(shift, 7, dtype=np.uint32), b))
    places = sorted(set(data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=40))))
    extra = data.draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n + shift - 1)), max_size=5))
    pairs = sorted([(p, p + shift) for p in places] + extra, key=lambda q: (q[0] - q[1], q[0]))
    pa = np.array([p for p, _ in pairs], dtype=np.int64)
    pb = np.array([q for _, q in pairs], dtype=np.int64)
    diagonal = pa - pb
    back, fwd = extend_all(np.concatenate((a, b)), pa, len(a) + pb, np.minimum(pa, pb),
                           np.minimum(len(a) - pa, len(b) - pb), diagonal[1:] == diagonal[:-1])  # fmt: skip
    for k, (p, q) in enumerate(pairs):
        before = 0
        while before < min(p, q) and a[p - before - 1] == b[q - before - 1]:
            before += 1
        after = 0
        while p + after < len(a) and q + after < len(b) and a[p + after] == b[q + after]:
            after += 1
        assert (int(back[k]), int(fwd[k])) == (before, after)


def test_copies_across_languages_are_no_blocks() -> None:
    """The same tokens in a Python and a JavaScript file (a data table both hold): every seed pairs two
    languages, so there is no match, in each language's files or together."""
    block = noise(1, 90, 0)
    py, js = stream("a.py", block), replace(stream("a.js", block), language="javascript")
    assert len(matches([py, py], min_tokens=50, min_identity=0.0)) == 1
    assert matches([py, js], min_tokens=50, min_identity=0.0) == []
