"""The tree-sitter language plug-ins (JavaScript, TypeScript/TSX, Java, Go) on real snippets."""

from __future__ import annotations

import importlib
import threading

import pytest

from dupfinder.languages import BUILTINS
from dupfinder.languages.base import Language, UnitParser
from dupfinder.languages.go import LANGUAGE as GO
from dupfinder.languages.java import LANGUAGE as JAVA
from dupfinder.languages.javascript import LANGUAGE as JS
from dupfinder.languages.typescript import LANGUAGE as TS
from dupfinder.model import KEYWORD, LITERAL, NAME, PUNCT, ParsedFile, RawUnit, Token

TREE_SITTER = ("javascript", "typescript", "java", "go")


def parse_ok(lang: Language, source: str, path: str) -> ParsedFile:
    parsed = lang.parse(source, path)
    assert parsed.error is None, parsed.error
    return parsed


def spans(parsed: ParsedFile) -> list[tuple[str | None, str, int, int]]:
    return [(u.name, u.kind, u.start_line, u.end_line) for u in parsed.units]


def unit(parsed: ParsedFile, name: str) -> RawUnit:
    matches = [u for u in parsed.units if u.name == name]
    assert len(matches) == 1, f"{name!r} not found once in {[u.name for u in parsed.units]}"
    return matches[0]


def texts(u: RawUnit) -> list[str]:
    return [t.text for t in u.tokens]


def kind_of(u: RawUnit, text: str) -> str:
    kinds = {t.kind for t in u.tokens if t.text == text}
    assert len(kinds) == 1, (text, kinds)
    return kinds.pop()


# -- JavaScript ---------------------------------------------------------------

JS_SOURCE = """\
import axios from "axios";
const fs = require('fs');

// Fetch a user; retry once.
export async function fetchUser(id) {
  const res = await axios.get(`/users/${id}`, { timeout: 500 }); /* inline */
  return res.data ?? null;
}

class UserRepo extends Base {
  constructor(db) {
    super(db);
    this.db = db;
  }

  findById(id) {
    return this.repo.findById(id).then((row) => row);
  }
}

const toName = (user) => user.name;

module.exports.handler = function (event) {
  return JSON.parse(event.body);
};

const api = {
  list() { return []; },
  remove: (id) => http.del(id),
};

app.get("/health", (req, res) => {
  res.send("ok");
});

[1, 2].map((x) => x * 2);
"""


def test_js_units_names_kinds_and_spans() -> None:
    parsed = parse_ok(JS, JS_SOURCE, "src/users.js")
    assert spans(parsed) == [
        # `export` stays outside the unit: the span is the function node's own
        ("fetchUser", "function", 5, 8),
        ("UserRepo.constructor", "method", 11, 14),
        ("UserRepo.findById", "method", 16, 18),
        ("toName", "function", 21, 21),
        ("module.exports.handler", "function", 23, 25),
        ("api.list", "function", 28, 28),
        ("api.remove", "function", 29, 29),
        # an unbound callback is a unit from three lines up; the one-liner
        # `(row) => row` and `(x) => x * 2` are not
        ("<anonymous>", "function", 32, 34),
    ]


def test_js_tokens_comments_identifiers_literals_keywords() -> None:
    parsed = parse_ok(JS, JS_SOURCE, "src/users.js")
    fetch = unit(parsed, "fetchUser")
    joined = " ".join(texts(fetch))
    assert "Fetch" not in joined and "inline" not in joined and "/*" not in joined and "//" not in joined
    assert kind_of(fetch, "res") == NAME
    assert kind_of(fetch, "axios") == NAME
    assert kind_of(fetch, "get") == NAME
    # a template string with a substitution is ONE literal token
    assert kind_of(fetch, "`/users/${id}`") == LITERAL
    assert kind_of(fetch, "500") == LITERAL
    for word in ("async", "function", "const", "await", "return", "null"):
        assert kind_of(fetch, word) == KEYWORD
    assert kind_of(fetch, "??") == PUNCT
    assert fetch.tokens[0] == Token(KEYWORD, "async", 5)
    assert fetch.tokens[-1] == Token(PUNCT, "}", 8)
    assert all(t.text.strip() == t.text and t.text for t in fetch.tokens)


def test_js_calls_and_imports() -> None:
    parsed = parse_ok(JS, JS_SOURCE, "src/users.js")
    assert parsed.imports == ("axios", "fs")
    assert unit(parsed, "fetchUser").calls == ("axios.get",)
    assert unit(parsed, "UserRepo.constructor").calls == ("super",)
    # outer call first, then the call it is chained on
    assert unit(parsed, "UserRepo.findById").calls == ("this.repo.findById().then", "this.repo.findById")
    assert unit(parsed, "module.exports.handler").calls == ("JSON.parse",)
    assert unit(parsed, "<anonymous>").calls == ("res.send",)


def test_js_more_imports_and_new() -> None:
    source = """\
export { a } from './a.js';
export * from "./b.js";
import "./side-effect.css";
async function load() {
  const m = await import("./lazy.js");
  const c = new Foo.Bar(1);
  return require('x'), m, c;
}
"""
    parsed = parse_ok(JS, source, "m.mjs")
    assert parsed.imports == ("./a.js", "./b.js", "./side-effect.css", "./lazy.js", "x")
    assert unit(parsed, "load").calls == ("import", "Foo.Bar", "require")


def test_js_nested_functions_share_tokens() -> None:
    source = "function outer(a) {\n  function inner(b) {\n    return b + 1;\n  }\n  return inner(a);\n}\n"
    parsed = parse_ok(JS, source, "n.cjs")
    assert spans(parsed) == [("outer", "function", 1, 6), ("outer.inner", "function", 2, 4)]
    outer, inner = parsed.units
    assert " ".join(texts(inner)) in " ".join(texts(outer))
    assert outer.calls == ("inner",)
    assert inner.calls == ()


def test_jsx_in_javascript() -> None:
    source = 'const App = () => <div className="x" onClick={() => go()}>hi {name}</div>;\n'
    parsed = parse_ok(JS, source, "App.jsx")
    app = unit(parsed, "App")
    assert app.calls == ("go",)
    assert kind_of(app, '"x"') == LITERAL
    assert kind_of(app, "className") == NAME


NAMING = [
    # (source, expected (name, kind) of every unit)
    ("const Repo = class {\n  save() {}\n};\n", [("Repo.save", "method")]),
    (
        "class A {\n  constructor() {\n    this.onTick = () => 1;\n  }\n}\n",
        [("A.constructor", "method"), ("A.constructor.onTick", "function")],
    ),
    (
        "const routes = {\n  'GET /users': function () {},\n  [key]: () => 0,\n};\n",
        [("routes.GET /users", "function"), ("routes.[key]", "function")],
    ),
    ("export default function () {\n  return 1;\n}\n", [("<anonymous>", "function")]),
    ("(function () {\n  run();\n})();\n", [("<anonymous>", "function")]),
    ("setTimeout(() => go(), 10);\n", []),
    ("function* gen() { yield 1; }\nconst g = function* named() {};\n", [("gen", "function"), ("g", "function")]),
    ("foo(function named() {});\n", [("named", "function")]),
]


@pytest.mark.parametrize(("source", "expected"), NAMING)
def test_js_naming(source: str, expected: list[tuple[str, str]]) -> None:
    parsed = parse_ok(JS, source, "n.js")
    assert [(u.name, u.kind) for u in parsed.units] == expected


# -- TypeScript ---------------------------------------------------------------

TS_SOURCE = """\
import { Injectable } from '@angular/core';
import type { User } from "./user";
import fs = require("fs");

namespace Billing {
  export function total(xs: number[]): number {
    return xs.reduce((a, b) => a + b, 0);
  }
}

@Injectable()
export abstract class UserService<T> implements Service {
  private cache: Map<string, User> = new Map();

  constructor(private readonly http: HttpClient) {
    super();
  }

  abstract reset(): void;

  async find(id: string): Promise<User | undefined> {
    const user = this.cache.get(id) as User;
    return user ?? (await this.http.get<User>(`/u/${id}`).toPromise());
  }

  onClick = (e: MouseEvent): void => {
    e.preventDefault();
  };
}

interface Service {
  find(id: string): Promise<User | undefined>;
}

function overloaded(a: string): string;
function overloaded(a: number): number;
function overloaded(a: any): any {
  return a;
}
"""


def test_ts_units_names_kinds_and_spans() -> None:
    parsed = parse_ok(TS, TS_SOURCE, "src/user.service.ts")
    assert spans(parsed) == [
        ("Billing.total", "function", 6, 8),
        ("UserService.constructor", "method", 15, 17),
        ("UserService.find", "method", 21, 24),
        ("UserService.onClick", "method", 26, 28),
        # overload signatures and the abstract method have no body: no unit
        ("overloaded", "function", 37, 39),
    ]


def test_ts_tokens_calls_imports() -> None:
    parsed = parse_ok(TS, TS_SOURCE, "src/user.service.ts")
    assert parsed.imports == ("@angular/core", "./user", "fs")
    find = unit(parsed, "UserService.find")
    assert find.calls == ("this.cache.get", "this.http.get().toPromise", "this.http.get")
    assert kind_of(find, "User") == NAME  # a type name is an identifier
    assert kind_of(find, "string") == KEYWORD  # a predefined type is not
    assert kind_of(find, "undefined") == KEYWORD
    assert kind_of(find, "`/u/${id}`") == LITERAL
    assert unit(parsed, "UserService.onClick").calls == ("e.preventDefault",)


def test_ts_consistent_renaming_keeps_kinds_and_structure() -> None:
    original = """\
class OrderService {
  async loadOrder(orderId: string, retries: number): Promise<Order> {
    const response = await this.client.fetch(`/orders/${orderId}`, { retries });
    if (!response.ok) {
      throw new OrderError(response.status, "order not found");
    }
    return response.json() as Order;
  }
}
"""
    renamed = """\
class InvoiceService {
  async getInvoice(invoiceKey: string, attempts: number): Promise<Invoice> {
    // a comment that the original does not have
    const reply = await this.http.request(`/invoices/${invoiceKey}`, { attempts });
    if (!reply.ok) {
      throw new InvoiceError(reply.status, "no such invoice");
    }
    return reply.json() as Invoice;
  }
}
"""
    a = parse_ok(TS, original, "a.ts").units[0]
    b = parse_ok(TS, renamed, "b.ts").units[0]
    assert (a.name, b.name) == ("OrderService.loadOrder", "InvoiceService.getInvoice")
    assert [t.kind for t in a.tokens] == [t.kind for t in b.tokens]
    fixed = (NAME, LITERAL)
    assert [t.text for t in a.tokens if t.kind not in fixed] == [t.text for t in b.tokens if t.kind not in fixed]
    assert [t.text for t in a.tokens if t.kind == NAME] != [t.text for t in b.tokens if t.kind == NAME]


def test_tsx_grammar_only_for_tsx() -> None:
    jsx = "export function Page({ title }: Props) {\n  return <h1 className='t'>{title}</h1>;\n}\n"
    page = unit(parse_ok(TS, jsx, "Page.tsx"), "Page")
    assert kind_of(page, "'t'") == LITERAL
    # an old-style cast is valid TypeScript but not TSX
    cast = "function f(x: unknown) {\n  return <string>x;\n}\n"
    assert spans(parse_ok(TS, cast, "cast.ts")) == [("f", "function", 1, 3)]
    assert parse_ok(TS, cast, "cast.mts").units[0].name == "f"
    assert TS.parse(cast, "cast.tsx").error is not None


# -- Java ---------------------------------------------------------------------

JAVA_SOURCE = """\
package com.acme.users;

import java.util.List;
import java.io.*;
import static org.junit.Assert.assertEquals;

/** Users, from the database. */
public class UserRepo extends Repo {
  private static final Comparator<User> BY_NAME = (a, b) -> {
    return a.name().compareTo(b.name());
  };

  public UserRepo(DataSource ds) {
    super(ds);
  }

  @Override
  @Transactional(readOnly = true)
  public User findById(long id) throws IOException {
    // look it up
    char sep = ',';
    double ratio = 1.5e3;
    String sql = "SELECT * FROM users WHERE id = ?";
    Thread.sleep(100L);
    User u = this.jdbc.queryForObject(sql, new UserMapper(), id);
    return u != null ? u : null;
  }

  interface Listener {
    void onUser(User u);

    default void onNone() {
      log.info("none");
    }
  }

  void start() {
    new Thread(new Runnable() {
      public void run() {
        process();
      }
    }).start();
  }
}
"""


def test_java_units_names_kinds_and_spans() -> None:
    parsed = parse_ok(JAVA, JAVA_SOURCE, "UserRepo.java")
    assert spans(parsed) == [
        ("UserRepo.BY_NAME", "method", 9, 11),
        ("UserRepo.UserRepo", "method", 13, 15),
        # annotations and modifiers belong to the method node
        ("UserRepo.findById", "method", 17, 27),
        ("UserRepo.Listener.onNone", "method", 32, 34),
        ("UserRepo.start", "method", 37, 43),
        ("UserRepo.start.<anonymous Runnable>.run", "method", 39, 41),
    ]


def test_java_tokens_calls_imports() -> None:
    parsed = parse_ok(JAVA, JAVA_SOURCE, "UserRepo.java")
    assert parsed.imports == ("java.util.List", "java.io.*", "org.junit.Assert.assertEquals")
    find = unit(parsed, "UserRepo.findById")
    assert find.calls == ("Thread.sleep", "this.jdbc.queryForObject", "UserMapper")
    assert "look" not in " ".join(texts(find))
    assert find.tokens[0] == Token(PUNCT, "@", 17)
    for text, kind in [
        ("Override", NAME),
        ("User", NAME),
        ("sql", NAME),
        ("','", LITERAL),
        ("1.5e3", LITERAL),
        ('"SELECT * FROM users WHERE id = ?"', LITERAL),
        ("100L", LITERAL),
        ("true", LITERAL),
        ("null", KEYWORD),
        ("char", KEYWORD),
        ("double", KEYWORD),
        ("this", KEYWORD),
        ("throws", KEYWORD),
        ("!=", PUNCT),
    ]:
        assert kind_of(find, text) == kind, text
    assert unit(parsed, "UserRepo.UserRepo").calls == ("super",)
    assert unit(parsed, "UserRepo.start").calls == ("Thread().start", "Thread", "Runnable", "process")
    assert unit(parsed, "UserRepo.BY_NAME").calls == ("a.name().compareTo", "a.name", "b.name")


def test_java_enum_record_and_generic_constructor() -> None:
    source = """\
enum Color {
  RED, GREEN;

  String lower() { return name().toLowerCase(); }
}

record Point(int x, int y) {
  Point {
    if (x < 0) throw new IllegalArgumentException("x");
  }

  List<Point> around() { return new ArrayList<Point>(List.of(this)); }
}
"""
    parsed = parse_ok(JAVA, source, "Shapes.java")
    assert spans(parsed) == [
        ("Color.lower", "method", 4, 4),
        ("Point.Point", "method", 8, 10),
        ("Point.around", "method", 12, 12),
    ]
    assert unit(parsed, "Point.around").calls == ("ArrayList", "List.of")
    assert unit(parsed, "Color.lower").calls == ("name().toLowerCase", "name")


# -- Go -----------------------------------------------------------------------

GO_SOURCE = """\
package users

import "fmt"
import (
	h "net/http"
	`os`
)

// Store keeps users.
type Store struct {
	client *h.Client
}

func (s *Store) Get(id int) (*User, error) {
	req, err := h.NewRequest("GET", fmt.Sprintf("/users/%d", id), nil)
	if err != nil {
		return nil, err
	}
	_ = 'x' + 1.5 + 0x1F
	return s.do(req)
}

func (Store) Name() string { return `store` }

func (l *List[T]) Push(v T) { l.items = append(l.items, v) }

func Run(ctx context.Context) {
	go func() {
		os.Exit(1)
	}()
	f := func() { fmt.Println(true, iota) }
	f()
}

func Asm(x int) int
"""


def test_go_units_names_kinds_and_spans() -> None:
    parsed = parse_ok(GO, GO_SOURCE, "store.go")
    assert spans(parsed) == [
        ("Store.Get", "method", 14, 21),
        ("Store.Name", "method", 23, 23),
        ("List.Push", "method", 25, 25),
        ("Run", "function", 27, 33),
        ("Run.<anonymous>", "function", 28, 30),
        # `f := func() {...}` is one line and not followed through the
        # expression list: no unit; `Asm` has no body: no unit
    ]


def test_go_tokens_calls_imports() -> None:
    parsed = parse_ok(GO, GO_SOURCE, "store.go")
    assert parsed.imports == ("fmt", "net/http", "os")
    get = unit(parsed, "Store.Get")
    assert get.calls == ("h.NewRequest", "fmt.Sprintf", "s.do")
    for text, kind in [
        ("func", KEYWORD),
        ("nil", KEYWORD),
        ("err", NAME),
        ("NewRequest", NAME),
        ("User", NAME),
        ('"GET"', LITERAL),
        ('"/users/%d"', LITERAL),
        ("'x'", LITERAL),
        ("1.5", LITERAL),
        ("0x1F", LITERAL),
        (":=", PUNCT),
    ]:
        assert kind_of(get, text) == kind, text
    run = unit(parsed, "Run")
    assert run.calls == ("os.Exit", "fmt.Println", "f")
    assert kind_of(run, "true") == LITERAL
    assert kind_of(run, "iota") == KEYWORD
    assert unit(parsed, "Store.Name").tokens[-2] == Token(LITERAL, "`store`", 23)
    assert unit(parsed, "List.Push").calls == ("append",)


# -- every language: comments, errors, hostile input ----------------------------

COMMENTED = {
    "javascript": ("a.js", "// SECRET\nfunction f() { /* SECRET */ return 1; } // SECRET\n"),
    "typescript": ("a.ts", "// SECRET\nfunction f(): number { /* SECRET */ return 1; } // SECRET\n"),
    "java": ("A.java", "// SECRET\nclass A { /** SECRET */ int f() { /* SECRET */ return 1; } // SECRET\n}\n"),
    "go": ("a.go", "// SECRET\npackage a\nfunc f() int { /* SECRET */ return 1 } // SECRET\n"),
}


@pytest.mark.parametrize("name", TREE_SITTER)
def test_comments_never_appear_in_tokens(name: str) -> None:
    lang = load(name)
    path, source = COMMENTED[name]
    parsed = parse_ok(lang, source, path)
    assert len(parsed.units) == 1
    assert not [t for t in parsed.units[0].tokens if "SECRET" in t.text or "//" in t.text or "/*" in t.text]


BROKEN = {
    # a clean unit, then one with a syntax error of its own
    "javascript": ("a.js", "function ok(a) {\n  return a + 1;\n}\n\nfunction bad() {\n  return (1 + ;\n}\n"),
    "typescript": ("a.ts", "function ok(a: number) {\n  return a + 1;\n}\n\nfunction bad(): {\n  let = ;\n}\n"),
    "java": ("A.java", "class A {\n  int ok(int a) {\n    return a + 1;\n  }\n  void bad() { int x = ; }\n}\n"),
    "go": ("a.go", "package a\n\nfunc ok(a int) int {\n\treturn a + 1\n}\n\nfunc bad() { x := }\n"),
}


@pytest.mark.parametrize("name", TREE_SITTER)
def test_syntax_error_elsewhere_keeps_clean_units(name: str) -> None:
    lang = load(name)
    path, source = BROKEN[name]
    parsed = lang.parse(source, path)
    assert parsed.error is None
    assert [u.name.rsplit(".", 1)[-1] for u in parsed.units if u.name] == ["ok"]
    assert "1" in texts(parsed.units[0])


GARBAGE = {
    "javascript": "a.js",
    "typescript": "a.ts",
    "java": "A.java",
    "go": "a.go",
}


@pytest.mark.hostile
@pytest.mark.parametrize("name", TREE_SITTER)
def test_garbage_file_returns_error_with_line(name: str) -> None:
    parsed = load(name).parse("\n\n}}} {{{ ))) <<< @@@ ### %%% ]]] ;;;\n", GARBAGE[name])
    assert parsed.units == ()
    assert parsed.error == "syntax error at line 3"


@pytest.mark.hostile
@pytest.mark.parametrize("name", TREE_SITTER)
@pytest.mark.parametrize(
    "source",
    ["\x00\x01\x02 binary \xff", "\ud800 lone surrogate", "é" * 1000, "\n" * 1000, "{" * 3000, "(" * 3000 + "'"],
    ids=["binary", "surrogate", "non-ascii", "blank", "open-braces", "open-parens"],
)
def test_never_raises(name: str, source: str) -> None:
    parsed = load(name).parse(source, GARBAGE[name])
    assert isinstance(parsed, ParsedFile)


DEEP = 5000
NESTED = {
    "js-parens": (JS, "a.js", "function f() {\n  return " + "(" * DEEP + "1" + ")" * DEEP + ";\n}\n"),
    "js-arrays": (JS, "a.js", "function f() {\n  return " + "[" * DEEP + "1" + "]" * DEEP + ";\n}\n"),
    "js-calls": (JS, "a.js", "function f() {\n  return " + "g(" * DEEP + "1" + ")" * DEEP + ";\n}\n"),
    "js-chain": (JS, "a.js", "function f() {\n  return a" + ".b()" * DEEP + ";\n}\n"),
    "js-closures": (JS, "a.js", "function f() {\n" + "x(function () {\n" * DEEP + "});\n" * DEEP + "}\n"),
    "ts-parens": (TS, "a.ts", "function f(): number {\n  return " + "(" * DEEP + "1" + ")" * DEEP + ";\n}\n"),
    "java-blocks": (JAVA, "A.java", "class A {\n  void f() " + "{" * DEEP + "}" * DEEP + "\n}\n"),
    "java-classes": (JAVA, "A.java", "class A { void f() {} " + "class B { void f() {} " * DEEP + "}" * DEEP + "}"),
    "go-parens": (GO, "a.go", "package a\nfunc f() int {\n\treturn " + "(" * DEEP + "1" + ")" * DEEP + "\n}\n"),
}


@pytest.mark.hostile
@pytest.mark.parametrize("case", list(NESTED))
def test_deep_nesting_does_not_crash(case: str) -> None:
    lang, path, source = NESTED[case]
    parsed = parse_ok(lang, source, path)
    assert parsed.units
    outer = parsed.units[0]
    assert outer.name in ("f", "A.f")
    # nested units are capped, so hostile nesting stays linear
    assert len(parsed.units) <= 32
    assert all(len(c) < 200 for u in parsed.units for c in u.calls)


# -- the registry -------------------------------------------------------------


def load(name: str) -> Language:
    module_name, _, attr = BUILTINS[name].partition(":")
    lang = getattr(importlib.import_module(module_name), attr)
    assert isinstance(lang, Language)
    return lang


@pytest.mark.parametrize("name", TREE_SITTER)
def test_builtin_language_contract(name: str) -> None:
    lang = load(name)
    assert lang.name == name
    assert lang.extensions
    assert all(ext.startswith(".") and ext == ext.lower() for ext in lang.extensions)
    for ext in lang.extensions:
        assert lang.parse("", "empty" + ext) == ParsedFile(units=())


class _ParseOnly:
    """A third-party language as the entry point may give it: ``parse`` and nothing more."""

    name = "plain"
    extensions: tuple[str, ...] = (".plain",)

    def parse(self, source: str, path: str) -> ParsedFile:
        return ParsedFile(units=())


class _OptedOut(_ParseOnly):
    parse_units = None


def test_the_fast_path_is_an_optional_capability() -> None:
    assert isinstance(load("python"), UnitParser)
    assert not any(isinstance(load(name), UnitParser) for name in TREE_SITTER)
    assert isinstance(_ParseOnly(), Language)
    assert not isinstance(_ParseOnly(), UnitParser)
    assert not isinstance(_OptedOut(), UnitParser)


def test_extensions() -> None:
    assert JS.extensions == (".js", ".jsx", ".mjs", ".cjs")
    assert TS.extensions == (".ts", ".tsx", ".mts", ".cts")
    assert JAVA.extensions == (".java",)
    assert GO.extensions == (".go",)


def test_grammars_and_parsers_are_cached() -> None:
    JAVA.parse("class A {}", "A.java")
    grammar = JAVA._grammar("")
    assert JAVA._grammar("") is grammar
    assert JAVA._parser(grammar) is JAVA._parser(grammar)
    assert TS._grammar_key("x/App.TSX") == ".tsx"
    assert TS._grammar_key("x/app.ts") == ""
    assert TS._grammar(".tsx") is not TS._grammar("")


def test_parsers_are_safe_across_threads() -> None:
    expected = JAVA.parse(JAVA_SOURCE, "UserRepo.java")
    results: list[ParsedFile] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(20):
            parsed = JAVA.parse(JAVA_SOURCE, "UserRepo.java")
            with lock:
                results.append(parsed)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 80
    assert all(r == expected for r in results)
