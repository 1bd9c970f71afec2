"""The tree-sitter Python path gives exactly the units of the libcst path (spans, names, calls, tokens)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from dupfinder.languages.python import LANGUAGE as PY
from dupfinder.model import Unit
from dupfinder.similarity.normalize import to_unit

REPO = Path(__file__).resolve().parents[1]

TRICKY = '''
import os, a.b as c
from . import sibling
from ..pkg.mod import (x as y, z)
from __future__ import annotations
from os.path import *

@decorator(with_call(1))
@other.attr
async def fetch(url: str = default(), *args, **kwargs) -> "Result":
    """Docstring with a backslash \\
    continued."""
    value = rb'raw\\bytes' + f"{url!r:>10}" + 'it''s' \\
        + u"more"  # trailing comment
    data = [*iter_items(), {**mapping()}]
    type(self).counter = int("3") + 0x_ff + 1_000.5e-3j + .5
    print(super().method(x)[0].attr.call(y)(z))
    (a).b(c)
    "literal".join(parts)
    match = compile(r"[a-z]+")
    return await helper(lambda q: q.strip(), True, None, ...)
    # a comment after the last statement


class Outer(Base, metaclass=Meta):
    field: int = 3

    def method(self, x):
        def inner(y):
            return transform(y, x)
        return [inner(v) for v in self.items if v]

    @property
    def size(self): return len(self.items)


def  spaced ( a ,b ) :
    if a:
        pass
    elif b:
        raise ValueError( "b" )
    else:
        try:
            with open(a) as fh, lock:
                yield from fh
        except (OSError, KeyError) as exc:
            del exc
        finally:
            global g
    while True: break
'''


def libcst_units(source: str, path: str) -> tuple[tuple[Unit, ...], tuple[str, ...]]:
    parsed = PY._parse_libcst(source, path)
    assert parsed.error is None, parsed.error
    imports = tuple(sorted(set(parsed.imports)))
    return tuple(to_unit(r, path=path, root=".", language="python", imports=imports) for r in parsed.units), imports


def fast_units(source: str, path: str) -> tuple[tuple[Unit, ...], tuple[str, ...]]:
    units, imports, error, _ = PY.parse_units(source, path, root=".", language="python", min_tokens=1)
    assert error is None
    return units, imports


def test_tricky_python_gives_the_same_units_both_ways() -> None:
    fast, imports = fast_units(TRICKY, "m.py")
    assert (fast, imports) == libcst_units(TRICKY, "m.py")
    by_name = {u.name: u for u in fast}
    assert set(by_name) == {"fetch", "Outer.method", "Outer.method.inner", "Outer.size", "spaced"}
    assert (by_name["fetch"].start_line, by_name["fetch"].end_line) == (8, 21)  # decorators in, comment out
    assert {"with_call", "decorator", "iter_items", "mapping", "type", "helper", "None.join", "a.b"} <= set(
        by_name["fetch"].calls
    )
    assert by_name["Outer.size"].kind == "method" and by_name["Outer.method.inner"].kind == "function"
    assert {"os", "a.b", ".sibling", "..pkg.mod.x", "__future__.annotations", "os.path"} <= set(imports)


def test_the_protocol_tokens_match_the_stdlib_tokenizer() -> None:
    fast = PY.parse(TRICKY, "m.py").units
    slow = PY._parse_libcst(TRICKY, "m.py").units
    assert [u.tokens for u in fast] == [u.tokens for u in slow]  # kinds, texts and lines


SOURCES = sorted((REPO / "src" / "dupfinder").rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_real_modules_give_the_same_units_both_ways(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert fast_units(source, path.name) == libcst_units(source, path.name)


def test_a_file_only_tree_sitter_can_read_keeps_its_clean_units() -> None:
    source = 'def py2():\n    print "old"\n    return 1\n\n\ndef broken(:\n    pass\n\n\ndef fine(a):\n    return a\n'
    units, _, error, _ = PY.parse_units(source, "m.py", root=".", language="python", min_tokens=1)
    assert error is None
    assert [u.name for u in units] == ["py2", "fine"]
    assert PY.parse("def broken(:\n    pass\n", "m.py").error == "syntax error at line 1"


FORWARDING = """
class Client(Base):
    def __init__(self, host, port=6379, *, timeout=None, retry=False, **options):
        super().__init__(host, port=port, timeout=timeout, **options)
        self.retry = retry
        if timeout is None:
            log.debug("no timeout for %s", host)


def stub(message, *, delay=0):
    raise NotImplementedError
"""


def test_parameters_only_passed_on_are_told_apart_both_ways() -> None:
    fast, _ = fast_units(FORWARDING, "m.py")
    assert fast == libcst_units(FORWARDING, "m.py")[0]
    by_name = {u.name: u for u in fast}
    # host, port and options are only call arguments (host to super() and to the log); timeout is
    # also read, retry is stored
    assert by_name["Client.__init__"].forwarded == ("host", "options", "port")
    assert by_name["stub"].forwarded == ("delay", "message")  # never used: only the interface


PASSING_ON = """
def open_queue(name, *, visibility_timeout=30, wait_time_seconds=0, max_messages=10):
    return connect().queue(name, visibility_timeout=visibility_timeout,
                           wait_time_seconds=wait_time_seconds, max_messages=max_messages)


def open_topic(name, *, visibility_timeout=30, wait_time_seconds=0, max_messages=10):
    return connect().topic(name, visibility_timeout=visibility_timeout,
                           wait_time_seconds=wait_time_seconds, max_messages=max_messages)


def poll(name, *, visibility_timeout=30, wait_time_seconds=0, max_messages=10):
    if name and visibility_timeout > wait_time_seconds:
        return connect().receive(name, max_messages + 1)
    return None
"""


def test_words_both_units_only_pass_on_are_not_shared_identity() -> None:
    import numpy as np

    from dupfinder.similarity.identity import Identity, features

    units, _ = fast_units(PASSING_ON, "m.py")
    forwarders = Identity(units)
    # the same units with nothing marked as passed on: plain weighted Jaccard of their features
    plain = Identity([replace(u, forwarded=()) for u in units])
    first, second, third = np.array([0]), np.array([1]), np.array([2])
    assert units[0].forwarded == ("max_messages", "name", "visibility_timeout", "wait_time_seconds")
    # both only pass the options on: what is left is their own names (queue vs topic) and the calls
    assert forwarders.similarity(first, second)[0] < plain.similarity(first, second)[0] - 0.3
    # poll reads the options itself: shared with a forwarder, they still count
    assert forwarders.similarity(first, third)[0] == pytest.approx(plain.similarity(first, third)[0])
    assert "w:visibility" in features(units[0])  # the words stay features; only the pair leaves them out
