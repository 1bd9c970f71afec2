"""Rules as data: schema validation, loading errors, categorisation, ignores, platforms, annotated examples."""

from __future__ import annotations

import ast
import dataclasses
import json
import re
import subprocess
import sys
from dataclasses import FrozenInstanceError
from pathlib import Path

import jsonschema
import pytest
import yaml

from dupfinder.errors import ConfigError
from dupfinder.model import Cluster, ClusterId, Fingerprint, Instance
from dupfinder.rules import (
    RuleSet,
    builtin_rules_dir,
    categorize,
    is_ignored,
    is_platform_code,
    load_rules,
    platform_for_import,
    platform_owning_path,
    rules_schema,
    split_identifier,
)

RULES = builtin_rules_dir()
ACME_RULES = Path(__file__).resolve().parents[1] / "fixtures" / "acme-monorepo" / ".dupfinder" / "rules"
EXAMPLES = RULES / "examples"
ISSUE_CATEGORIES = {
    "auth",
    "passwords-tokens",
    "data-access",
    "http-retry",
    "caching",
    "config",
    "logging-setup",
    "feature-flags",
    "pagination",
    "serialization",
    "messaging",
    "file-storage",
    "notifications",
}


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    # the built-in rules plus the acme fixture's own platform declarations
    return load_rules([ACME_RULES])


def inst(
    path: str = "a.py",
    name: str | None = "f",
    identifiers: tuple[str, ...] = (),
    calls: tuple[str, ...] = (),
    imports: tuple[str, ...] = (),
    language: str = "python",
) -> Instance:
    return Instance(
        path=path,
        start_line=1,
        end_line=10,
        name=name,
        language=language,
        root=".",
        fingerprint=Fingerprint("f" * 8),
        similarity=1.0,
        identifiers=tuple(sorted(set(identifiers))),
        calls=tuple(sorted(set(calls))),
        imports=tuple(sorted(set(imports))),
    )


def cluster_of(*instances: Instance) -> Cluster:
    return Cluster(ClusterId("c1"), 1.0, instances)


# ---------------------------------------------------------------- shipped rules


def test_builtin_dir_is_the_checkout_rules_folder() -> None:
    assert (RULES / "schema.json").is_file()
    assert (RULES / "categories.yaml").is_file()


def test_schema_is_a_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(rules_schema())


#: every file the built-in folder gives a run: a run reads them without the schema, this test validates them
SHIPPED = sorted(p.name for p in RULES.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def test_shipped_rule_files_are_the_three_known() -> None:
    assert SHIPPED == ["categories.yaml", "ignores.yaml", "platforms.yaml"]


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_rule_files_validate_against_the_schema(name: str) -> None:
    data = yaml.safe_load((RULES / name).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(rules_schema()).validate(data)


def test_builtin_rules_load_without_jsonschema_and_an_extra_folder_is_validated(tmp_path: Path) -> None:
    # a fresh interpreter: this one has imported jsonschema already
    extra = write_rules(tmp_path, "categories:\n  - id: x\n    title: X\n    names: [x]\n    vocabulary: [a]\n")
    script = (
        "import sys\n"
        "from dupfinder.errors import ConfigError\n"
        "from dupfinder.rules.loading import load_ruleset\n"
        "rules = load_ruleset(paths=[sys.argv[1]])\n"
        "print(len(rules.categories), 'jsonschema' in sys.modules)\n"
        "try:\n"
        "    load_ruleset([sys.argv[2]])\n"
        "except ConfigError as exc:\n"
        "    print(exc, 'jsonschema' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", script, str(tmp_path), str(extra)], capture_output=True, text=True,
                         check=True).stdout.splitlines()  # fmt: skip
    assert out[0] == f"{len(load_rules().categories)} False"
    assert out[1].startswith(f"{extra / 'extra.yaml'}:5: categories[0]: unknown key 'vocabulary'")
    assert out[1].endswith(" True")


def test_shipped_rules_load_with_every_category_of_the_issue(rules: RuleSet) -> None:
    assert {c.id for c in rules.categories} >= ISSUE_CATEGORIES
    assert [c.id for c in rules.categories] == sorted(c.id for c in rules.categories)
    for c in rules.categories:
        assert c.names and c.calls and c.identifiers and c.imports, c.id
        assert c.source.startswith(str(RULES))


def test_shipped_platform_and_ignores(rules: RuleSet) -> None:
    assert load_rules().platforms == ()  # no platform is built in: each organisation declares its own
    (acme,) = [p for p in rules.platforms if p.id == "acme-auth"]
    assert acme.category == "auth"
    assert acme.packages == {"npm": ("@acme/auth",), "python": ("acme_auth",)}
    enabled = {i.id: i.enabled for i in rules.ignores}
    assert enabled == {"generated": True, "migrations": True, "vendored": True, "vendored-packages": False,
                       "tests": False, "build-scripts": False, "legacy-copies": False}  # fmt: skip


def test_rule_values_are_frozen(rules: RuleSet) -> None:
    with pytest.raises(FrozenInstanceError):
        rules.categories[0].id = "x"  # type: ignore[misc]


# ---------------------------------------------------------------- malformed rule files


def write_rules(tmp_path: Path, text: str, name: str = "extra.yaml") -> Path:
    folder = tmp_path / "myrules"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def load_error(folder: Path) -> str:
    with pytest.raises(ConfigError) as err:
        load_rules([folder])
    return str(err.value)


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    folder = write_rules(tmp_path, "categories:\n  - id: x\n    title: [unclosed\n")
    msg = load_error(folder)
    assert msg.startswith(f"{folder / 'extra.yaml'}:")
    assert re.match(r".*extra\.yaml:[34]: invalid YAML", msg)


def test_unknown_key_points_at_the_key_line(tmp_path: Path) -> None:
    text = "categories:\n  - id: retry-x\n    title: Retry\n    names: [retry]\n    vocabulary: [oops]\n"
    msg = load_error(write_rules(tmp_path, text))
    assert msg.endswith("extra.yaml:5: categories[0]: unknown key 'vocabulary' (allowed: " + msg.split("allowed: ")[1])
    assert "'vocabulary'" in msg


def test_wrong_type_points_at_the_value_line(tmp_path: Path) -> None:
    text = "categories:\n  - id: retry-x\n    title: Retry\n    calls:\n      - requests.*\n      - 42\n"
    msg = load_error(write_rules(tmp_path, text))
    assert "extra.yaml:6: categories[0].calls[1]: 42 is not of type 'string'" in msg


def test_bad_vocabulary_word_is_rejected(tmp_path: Path) -> None:
    text = "categories:\n  - id: retry-x\n    title: Retry\n    names: [Retry]\n"
    msg = load_error(write_rules(tmp_path, text))
    assert "extra.yaml:4: categories[0].names[0]:" in msg


def test_category_without_matchers_is_rejected(tmp_path: Path) -> None:
    msg = load_error(write_rules(tmp_path, "categories:\n  - id: empty\n    title: Empty\n"))
    assert "extra.yaml:2: categories[0]:" in msg


def test_duplicate_id_in_one_folder(tmp_path: Path) -> None:
    folder = write_rules(tmp_path, "categories:\n  - id: x\n    title: X\n    names: [x]\n", "a.yaml")
    write_rules(tmp_path, "categories:\n  - id: x\n    title: X2\n    names: [y]\n", "b.yaml")
    msg = load_error(folder)
    assert re.search(r"b\.yaml:2: duplicate category id 'x' \(also at .*a\.yaml:2\)", msg)


def test_duplicate_key_is_an_error(tmp_path: Path) -> None:
    msg = load_error(write_rules(tmp_path, "categories: []\ncategories: []\n"))
    assert msg.endswith("extra.yaml:2: duplicate key 'categories'")


def test_platform_with_unknown_category(tmp_path: Path) -> None:
    text = "platforms:\n  - id: p\n    title: P\n    category: nope\n    packages: {python: [p]}\n"
    msg = load_error(write_rules(tmp_path, text))
    assert "extra.yaml:4: platform 'p': unknown category 'nope'" in msg


def test_invalid_marker_regex(tmp_path: Path) -> None:
    text = "ignores:\n  - id: gen\n    enabled: true\n    markers:\n      - ok\n      - '(unclosed'\n"
    msg = load_error(write_rules(tmp_path, text))
    assert "extra.yaml:6: invalid regex '(unclosed'" in msg


def test_new_ignore_rule_needs_paths_or_markers(tmp_path: Path) -> None:
    msg = load_error(write_rules(tmp_path, "ignores:\n  - id: brand-new\n    enabled: true\n"))
    assert "extra.yaml:2: ignore rule 'brand-new' needs paths, markers or folder_files" in msg


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    msg = load_error(write_rules(tmp_path, "- id: x\n"))
    assert "extra.yaml:1:" in msg and "is not of type 'object'" in msg


def test_missing_rules_folder(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="rules folder not found"):
        load_rules([tmp_path / "nope"])


def test_empty_rule_file_is_fine(tmp_path: Path) -> None:
    folder = write_rules(tmp_path, "# nothing yet\n")
    assert load_rules([folder]).categories == load_rules().categories


# ---------------------------------------------------------------- extending and overriding


def test_extra_folder_adds_and_replaces_by_id(tmp_path: Path) -> None:
    text = """
categories:
  - id: caching
    title: Our caching
    names: [stash]
  - id: rate-limiting
    title: Rate limiting
    names: [rate_limit, throttle]
    identifiers: [bucket, tokens]
platforms:
  - id: acme-cache
    title: Acme cache
    category: caching
    packages: {python: [acme_cache], go: [github.com/acme/cache]}
ignores:
  - {id: tests, enabled: true}
"""
    rs = load_rules([write_rules(tmp_path, text)])
    caching = rs.category("caching")
    assert caching is not None and caching.title == "Our caching" and caching.names == ("stash",)
    assert rs.category("rate-limiting") is not None
    assert [p.id for p in rs.platforms] == ["acme-cache"]
    tests = next(i for i in rs.ignores if i.id == "tests")
    assert tests.enabled and tests.paths  # switched on, paths kept from the built-in rule
    assert len(rs.directories) == 2


def test_defaults_and_per_category_weights(tmp_path: Path) -> None:
    text = """
defaults:
  min_confidence: 0.9
categories:
  - id: retry-only
    title: Retry only
    names: [retry]
    weights: {names: 0.95}
"""
    rs = load_rules([write_rules(tmp_path, text)])
    cat = rs.category("retry-only")
    assert cat is not None and cat.min_confidence == 0.9 and cat.weights.names == 0.95
    assert cat.weights.calls == 0.35  # the rest inherited


def test_with_ignore_toggles(rules: RuleSet) -> None:
    on = rules.with_ignore("tests", True)
    assert [i.enabled for i in on.ignores if i.id == "tests"] == [True]
    assert [i.enabled for i in rules.ignores if i.id == "tests"] == [False]  # not mutated
    with pytest.raises(KeyError):
        rules.with_ignore("nope", True)


# ---------------------------------------------------------------- categorisation


@pytest.mark.parametrize(
    ("ident", "words"),
    [
        ("getHTTPRetryCount", ("get", "http", "retry", "count")),
        ("max_retries", ("max", "retries")),
        ("HTTPClient", ("http", "client")),
        ("IOError2", ("io", "error", "2")),
        ("__init__", ("init",)),
        ("sign_in", ("sign", "in")),
        ("", ()),
    ],
)
def test_split_identifier(ident: str, words: tuple[str, ...]) -> None:
    assert split_identifier(ident) == words


def test_name_alone_is_enough(rules: RuleSet) -> None:
    cat, conf, ev = categorize(cluster_of(inst(name="paginate"), inst(name="paginate")), rules)
    assert cat == "pagination" and conf >= 0.5 and ev.names == ("paginate",) and ev.named


def test_purpose_over_mechanism(rules: RuleSet) -> None:
    # the body is mostly password hashing, but the name says it signs members in
    copy = inst(
        name="login_member",
        identifiers=("member", "passphrase", "salt", "digest", "pepper", "session_key", "store"),
        calls=("hashlib.pbkdf2_hmac", "hmac.compare_digest", "secrets.token_hex"),
        imports=("hashlib", "hmac", "secrets"),
    )
    cat, _, ev = categorize(cluster_of(copy, copy), rules)
    assert cat == "auth" and ev.named
    assert dict(ev.candidates)["passwords-tokens"] >= 0.5  # the body alone would have said passwords


def test_body_evidence_without_a_speaking_name(rules: RuleSet) -> None:
    copy = inst(
        name="handle",
        identifiers=("attempt", "backoff", "url", "response"),
        calls=("requests.get", "time.sleep"),
        imports=("requests", "time"),
    )
    cat, conf, ev = categorize(cluster_of(copy), rules)
    assert cat == "http-retry"
    assert ev.calls == ("requests.get", "time.sleep") and ev.imports == ("requests",)
    assert not ev.named and 0.5 <= conf <= 1.0


def test_imports_alone_are_weak(rules: RuleSet) -> None:
    copy = inst(name="compute", imports=("requests", "tenacity", "backoff", "httpx"))
    cat, conf, ev = categorize(cluster_of(copy), rules)
    assert cat is None and conf < 0.5
    assert ev.candidates[0][0] == "http-retry"


def test_nothing_matches(rules: RuleSet) -> None:
    cat, conf, ev = categorize(cluster_of(inst(name="tax_rate_for", identifiers=("region", "rate"))), rules)
    assert (cat, conf, ev.candidates) == (None, 0.0, ())


def test_plural_prefix_and_phrase_vocabulary(tmp_path: Path) -> None:
    text = """
categories:
  - id: zz-test
    title: Test
    names: [widget, gizmo*, sign_in]
    min_confidence: 0.1
"""
    rs = load_rules([write_rules(tmp_path, text)])
    cases = {"widgets": "widget", "gizmology": "gizmo*", "signIn": "sign_in", "user_signin": "sign_in"}
    for name, entry in cases.items():
        _, _, ev = categorize(cluster_of(inst(name=name)), rs)
        assert entry in ev.names, name


def test_tie_breaks_by_category_id(tmp_path: Path) -> None:
    text = """
categories:
  - id: zz-b
    title: B
    names: [frob]
  - id: zz-a
    title: A
    names: [frob]
"""
    rs = load_rules([write_rules(tmp_path, text)])
    cat, _, ev = categorize(cluster_of(inst(name="frob")), rs)
    assert cat == "zz-a"
    assert [c for c, _ in ev.candidates][:2] == ["zz-a", "zz-b"]


def test_cluster_confidence_is_the_mean_of_its_copies(rules: RuleSet) -> None:
    strong = inst(name="paginate")
    unrelated = inst(name="frobnicate")
    cat, conf, _ = categorize(cluster_of(strong, unrelated), rules)
    assert conf == pytest.approx(0.3)  # (0.6 + 0) / 2, below the threshold
    assert cat is None


# ---------------------------------------------------------------- ignores


@pytest.mark.parametrize(
    ("path", "header", "reason"),
    [
        ("api/users_pb2.py", "", "generated: path matches '*_pb2.py'"),
        ("svc/types.go", "// Code generated by protoc-gen-go. DO NOT EDIT.", "generated: header matches 'DO NOT EDIT'"),
        ("web/src/schema.ts", "/* @generated by relay */", "generated: header matches '@generated'"),
        ("billing/migrations/0001_initial.py", "", "migrations: path matches 'migrations/'"),
        ("app/alembic/versions/abc.py", "", "migrations: path matches '**/alembic/versions/'"),
        ("vendor/lib/x.go", "", "vendored: path matches 'vendor/'"),
        ("billing/tests/test_tax.py", "", None),  # tests are off by default
        ("billing/billing/tax.py", "import math", None),
    ],
)
def test_is_ignored(rules: RuleSet, path: str, header: str, reason: str | None) -> None:
    assert is_ignored(path, header, rules) == reason


def test_tests_rule_switched_on(rules: RuleSet) -> None:
    on = rules.with_ignore("tests", True)
    assert is_ignored("billing/tests/test_tax.py", [], on) == "tests: path matches 'test_*.py'"
    assert is_ignored("web/src/cart.test.ts", [], on) == "tests: path matches '*.test.ts'"
    assert is_ignored("billing/billing/tax.py", [], on) is None


def test_marker_only_in_the_header(rules: RuleSet) -> None:
    lines = ["x = 1"] * 20 + ["# DO NOT EDIT"]
    assert is_ignored("a.py", lines, rules) is None


# ---------------------------------------------------------------- platforms


@pytest.mark.parametrize(
    ("name", "language", "expected"),
    [
        ("acme_auth", "python", "acme-auth"),
        ("acme_auth.sessions", "python", "acme-auth"),
        ("acme_authx", "python", None),
        ("@acme/auth", "typescript", "acme-auth"),
        ("@acme/auth/react", "javascript", "acme-auth"),
        ("@acme/auth", "python", None),  # another ecosystem's name
        ("@acme/auth", None, "acme-auth"),  # unknown language: every ecosystem
        ("requests", "python", None),
    ],
)
def test_platform_for_import(rules: RuleSet, name: str, language: str | None, expected: str | None) -> None:
    found = platform_for_import(name, language, rules)
    assert (found.id if found else None) == expected


def test_platform_own_code(rules: RuleSet) -> None:
    (acme,) = rules.platforms
    assert is_platform_code(acme, "platform/acme_auth/sessions.py")
    assert is_platform_code(acme, "platform/acme-auth-js/src/index.ts")
    assert not is_platform_code(acme, "services/billing/billing/auth.py")
    assert platform_owning_path("platform/acme_auth/__init__.py", rules) == acme


# ---------------------------------------------------------------- annotated examples

_ANNOTATION = re.compile(r"^\s*(?:#|//)\s*(category|ok):\s*([a-z][a-z0-9-]*)\s*$")
_KEYWORDS = frozenset(
    {"if", "for", "while", "switch", "catch", "function", "func", "return", "new", "typeof", "await", "async"}
    | {"public", "private", "protected", "static", "class", "interface", "export", "const", "let", "var", "else"}
    | {"try", "throw", "import", "package"}
)
_IDENT = re.compile(r"[A-Za-z_$][\w$]*")
_CALL = re.compile(r"([A-Za-z_$][\w$]*(?:\s*\.\s*[A-Za-z_$][\w$]*)*)\s*(?:<[^<>()]*>)?\s*\(")
_STRINGS = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`(?:\\.|[^`\\])*`|//[^\n]*')


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else None
    return None


def _python_units(text: str) -> list[tuple[int, str, tuple[str, ...], tuple[str, ...]]]:
    """(first line, qualified name, identifiers, calls) of each top-level function or method."""
    units: list[tuple[int, str, tuple[str, ...], tuple[str, ...]]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                idents: set[str] = {child.name}
                calls: set[str] = set()
                for sub in ast.walk(child):
                    if isinstance(sub, ast.Name):
                        idents.add(sub.id)
                    elif isinstance(sub, ast.arg):
                        idents.add(sub.arg)
                    elif isinstance(sub, ast.Attribute):
                        idents.add(sub.attr)
                    elif isinstance(sub, ast.keyword) and sub.arg:
                        idents.add(sub.arg)
                    if isinstance(sub, ast.Call) and (dotted := _dotted(sub.func)):
                        calls.add(dotted)
                first = min([child.lineno, *(d.lineno for d in child.decorator_list)])
                units.append((first, prefix + child.name, tuple(sorted(idents)), tuple(sorted(calls))))

    visit(ast.parse(text), "")
    return units


def _python_imports(text: str) -> tuple[str, ...]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
    return tuple(sorted(out))


def _brace_imports(text: str, language: str) -> tuple[str, ...]:
    if language == "java":
        return tuple(sorted(set(re.findall(r"^import\s+(?:static\s+)?([\w.]+)\s*;", text, re.M))))
    if language == "go":
        block = re.search(r"^import\s*\((.*?)\)", text, re.S | re.M)
        found = re.findall(r'"([^"]+)"', block.group(1)) if block else []
        return tuple(sorted(set(found + re.findall(r'^import\s+"([^"]+)"', text, re.M))))
    return tuple(sorted(set(re.findall(r"""(?:from|import)\s+["']([^"']+)["']""", text))))


def _brace_unit(lines: list[str], start: int) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """(name, identifiers, calls) of the function whose header is at ``lines[start]`` (0-indexed)."""
    text = "\n".join(lines[start:])
    header = text[: text.index("{")]
    name = next(
        m.group(1)
        for m in re.finditer(r"\b([A-Za-z_$][\w$]*)\s*(?:<[^>]*>)?\s*\(", header)
        if m.group(1) not in _KEYWORDS
    )
    depth, end = 0, len(text)
    for i in range(text.index("{"), len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            end = i + 1
            break
    code = _STRINGS.sub('""', text[:end])
    idents = {w for w in _IDENT.findall(code) if w not in _KEYWORDS}
    calls = {re.sub(r"\s+", "", c) for c in _CALL.findall(code)} - _KEYWORDS
    return name, tuple(sorted(idents)), tuple(sorted(c for c in calls if c.split(".")[0] not in _KEYWORDS))


def _example_cases() -> list[tuple[str, int, str, str]]:
    """(file, line of the annotation, kind, category) for every annotation in rules/examples."""
    cases = []
    for path in sorted(EXAMPLES.iterdir()):
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            m = _ANNOTATION.match(line)
            if m:
                cases.append((path.name, lineno, m.group(1), m.group(2)))
    return cases


_LANGUAGES = {".py": "python", ".ts": "typescript", ".go": "go", ".java": "java"}


def _unit_after(path: Path, lineno: int) -> Instance:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    language = _LANGUAGES[path.suffix]
    start = lineno  # 0-indexed line after the annotation
    while _ANNOTATION.match(lines[start]) or not lines[start].strip():
        start += 1
    if language == "python":
        units = {first: (name, idents, calls) for first, name, idents, calls in _python_units(text)}
        name, idents, calls = units[start + 1]
        imports = _python_imports(text)
    else:
        name, idents, calls = _brace_unit(lines, start)
        imports = _brace_imports(text, language)
    return inst(path=path.name, name=name, identifiers=idents, calls=calls, imports=imports, language=language)


def test_examples_cover_every_category_and_language() -> None:
    cases = _example_cases()
    assert {c for _, _, kind, c in cases if kind == "category"} >= ISSUE_CATEGORIES | {"none"}
    assert {Path(f).suffix for f, *_ in cases} == set(_LANGUAGES)


@pytest.mark.parametrize(("file", "line", "kind", "category"), _example_cases())
def test_annotated_example(rules: RuleSet, file: str, line: int, kind: str, category: str) -> None:
    copy = _unit_after(EXAMPLES / file, line)
    other = dataclasses.replace(copy, path="copy/" + file)
    got, conf, ev = categorize(cluster_of(copy, other), rules)
    where = f"{file}:{line} {copy.name} (confidence {conf}, candidates {ev.candidates[:3]})"
    if kind == "ok":
        assert got != category, where
    elif category == "none":
        assert got is None, where
    else:
        assert got == category, where


def test_examples_are_valid_python() -> None:
    for path in EXAMPLES.glob("*.py"):
        compile(path.read_text(encoding="utf-8"), str(path), "exec")


def test_schema_file_is_json() -> None:
    json.loads((RULES / "schema.json").read_text(encoding="utf-8"))
