"""Team attribution: CODEOWNERS semantics and precedence, catalog-info, teams files, fallbacks, no owners."""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

import pytest

from dupfinder.errors import ConfigError
from dupfinder.model import Attribution
from dupfinder.ownership.codeowners import compile_codeowners_pattern, parse_codeowners
from dupfinder.ownership.names import default_owner_name, verbatim_owner
from dupfinder.ownership.resolver import TeamResolver, build_resolver
from dupfinder.ownership.teamsfile import load_teams_file


def write(root: Path, rel: str, text: str = "") -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def git_init(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", str(folder)], check=True)


def team(resolver: TeamResolver, path: str) -> str | None:
    return resolver.resolve(path).team


# ---------------------------------------------------------------- CODEOWNERS patterns

# (pattern, path, owned?) -- GitHub's documented semantics, which differ from .gitignore
PATTERN_CASES = [
    # a name without a slash matches at any depth, as a file or a folder
    ("foo", "foo", True),
    ("foo", "bar/foo", True),
    ("foo", "foo/bar.py", True),
    ("foo", "bar/foo/baz.py", True),
    ("foo", "foo.py", False),
    ("foo", "bar/food/x.py", False),
    # a leading slash anchors to the repository root
    ("/foo", "foo/bar.py", True),
    ("/foo", "bar/foo/baz.py", False),
    # a slash inside anchors too
    ("apps/github", "apps/github/x.py", True),
    ("apps/github", "src/apps/github/x.py", False),
    # a trailing slash: that folder (at any depth when it is one segment) and everything below
    ("logs/", "logs/a.txt", True),
    ("logs/", "build/logs/a/b.txt", True),
    ("logs/", "logs", False),
    ("/build/logs/", "build/logs/x/y.log", True),
    ("/build/logs/", "src/build/logs/x.log", False),
    # "*" does not cross "/"; a trailing lone "*" owns direct children only (unlike .gitignore)
    ("docs/*", "docs/getting-started.md", True),
    ("docs/*", "docs/build-app/troubleshooting.md", False),
    ("/*", "README.md", True),
    ("/*", "src/main.py", False),
    ("*", "any/depth/at/all.py", True),
    ("*.js", "a/b/c.js", True),
    ("*.js", "a/b/c.ts", False),
    ("docs/*.md", "docs/a.md", True),
    ("docs/*.md", "docs/sub/a.md", False),
    ("f*", "bar/foo/baz.py", True),
    ("foo/*/baz", "foo/bar/baz/qux.py", True),
    ("foo/*/baz", "foo/baz/x.py", False),
    ("f?o", "foo", True),
    ("f?o", "fooo", False),
    # "**" spans folders
    ("**/logs", "a/b/logs/x.txt", True),
    ("**/logs", "logs/x.txt", True),
    ("apps/**/ui", "apps/ui/x.ts", True),
    ("apps/**/ui", "apps/a/b/ui/x.ts", True),
    ("apps/**/ui", "other/apps/ui/x.ts", False),
    ("apps/**", "apps/x/y.ts", True),
    ("apps/**", "apps", False),
    # escapes and literal brackets (no [ranges] in CODEOWNERS); paths are case-sensitive
    ("f\\*o", "f*o", True),
    ("f\\*o", "foo", False),
    ("[abc].py", "[abc].py", True),
    ("[abc].py", "a.py", False),
    ("Docs/", "docs/x.md", False),
    ("/", "anything", False),
]


@pytest.mark.parametrize(("pattern", "path", "owned"), PATTERN_CASES)
def test_codeowners_pattern(pattern: str, path: str, owned: bool) -> None:
    assert bool(compile_codeowners_pattern(pattern).match(path)) is owned


@pytest.mark.parametrize("pattern", ["!docs/", "docs/***"])
def test_unsupported_patterns(pattern: str) -> None:
    with pytest.raises(ValueError):
        compile_codeowners_pattern(pattern)


# ---------------------------------------------------------------- CODEOWNERS files

CODEOWNERS = """\
# Lines starting with # are comments.
*                       @acme/platform
*.md                    @acme/docs @alice
/services/billing/      @acme/billing   # inline comment
/services/billing/vendored/
services/**/auth.py     @acme/identity
\\#notes.txt            @acme/support
/my\\ file.txt          ann@example.com
/bad/                   not-an-owner
!/negated/              @acme/nobody
"""


def test_last_matching_line_wins() -> None:
    co = parse_codeowners(CODEOWNERS, ".github/CODEOWNERS")
    owners = {
        p: (r.owners if (r := co.match(p)) else None)
        for p in [
            "src/main.py",
            "README.md",
            "services/billing/invoice.py",
            "services/billing/README.md",
            "services/billing/auth.py",
            "services/billing/vendored/lib.py",
        ]
    }
    assert owners == {
        "src/main.py": ("@acme/platform",),
        "README.md": ("@acme/docs", "@alice"),
        "services/billing/invoice.py": ("@acme/billing",),
        "services/billing/README.md": ("@acme/billing",),  # the later line wins over *.md
        "services/billing/auth.py": ("@acme/identity",),
        "services/billing/vendored/lib.py": (),  # a matching line with no owners: unowned
    }


def test_escapes_comments_and_invalid_lines() -> None:
    co = parse_codeowners(CODEOWNERS, "CODEOWNERS")
    rule = co.match("#notes.txt")
    assert rule is not None and rule.owners == ("@acme/support",) and rule.line == 7
    rule = co.match("my file.txt")
    assert rule is not None and rule.owners == ("ann@example.com",)
    assert co.warnings == (
        "CODEOWNERS:9: owners must be @user, @org/team or e-mails; line skipped",
        "CODEOWNERS:10: negation (!) is not supported in CODEOWNERS; line skipped",
    )
    bad = co.match("bad/x.py")
    assert bad is not None and bad.owners == ("@acme/platform",)  # the skipped line never matches


def test_gitlab_sections_and_default_owners() -> None:
    text = """\
* @acme/platform

[Documentation] @acme/docs
*.md
/docs/api/ @acme/api

^[Optional Security][2] @acme/security
/services/auth/

[Billing]
/services/billing/
"""
    co = parse_codeowners(text, "CODEOWNERS")
    got = {
        p: ((r.section, r.owners) if (r := co.match(p)) else None)
        for p in [
            "main.py",
            "README.md",
            "docs/api/index.md",
            "services/auth/login.py",
            "services/billing/tax.py",
        ]
    }
    assert got == {
        "main.py": (None, ("@acme/platform",)),
        "README.md": ("Documentation", ("@acme/docs",)),
        "docs/api/index.md": ("Documentation", ("@acme/api",)),
        "services/auth/login.py": ("Optional Security", ("@acme/security",)),
        "services/billing/tax.py": ("Billing", ()),  # no defaults in this section: no owner
    }


@pytest.mark.parametrize(
    ("owner", "name"),
    [
        ("@acme/identity", "identity"),
        ("@acme/backend/payments", "payments"),  # GitLab nested groups
        ("@alice", "@alice"),
        ("ann@example.com", "ann@example.com"),
        ("group:default/data-team", "data-team"),
        ("group:data-team", "data-team"),
        ("default/data-team", "data-team"),
        ("data-team", "data-team"),
        ("user:default/ann", "user:ann"),
        ("@@maintainer", "@@maintainer"),
    ],
)
def test_default_owner_name(owner: str, name: str) -> None:
    assert default_owner_name(owner) == name


# ---------------------------------------------------------------- building a resolver


def test_codeowners_locations_and_their_order(tmp_path: Path) -> None:
    write(tmp_path, "docs/CODEOWNERS", "* @acme/from-docs\n")
    write(tmp_path, "CODEOWNERS", "* @acme/from-root\n")
    write(tmp_path, "src/a.py")
    assert build_resolver(str(tmp_path), ["."], None, "none").resolve("src/a.py") == Attribution(
        "from-root", "codeowners", "CODEOWNERS:1"
    )
    write(tmp_path, ".github/CODEOWNERS", "\n* @acme/from-github\n")
    got = build_resolver(str(tmp_path), ["."], None, "none").resolve("src/a.py")
    assert got == Attribution("from-github", "codeowners", ".github/CODEOWNERS:2")


def test_gitlab_location(tmp_path: Path) -> None:
    write(tmp_path, ".gitlab/CODEOWNERS", "[Backend]\n*.go @acme/backend\n")
    r = build_resolver(str(tmp_path), ["."], None, "none")
    assert r.resolve("cmd/main.go") == Attribution("backend", "codeowners", ".gitlab/CODEOWNERS:2")


def test_codeowners_of_a_scanned_root_below_the_base(tmp_path: Path) -> None:
    write(tmp_path, "repo/.github/CODEOWNERS", "/services/ @acme/services\n")
    write(tmp_path, "repo/services/x.py")
    r = build_resolver(str(tmp_path), ["repo"], None, "none")
    assert team(r, "repo/services/x.py") == "services"  # the pattern is relative to repo/
    assert team(r, "repo/other.py") is None


def test_codeowners_of_the_base_applies_to_roots_inside_it(tmp_path: Path) -> None:
    write(tmp_path, "CODEOWNERS", "/services/billing/ @acme/billing\n")
    write(tmp_path, "services/billing/tax.py")
    r = build_resolver(str(tmp_path), ["services"], None, "none")
    assert team(r, "services/billing/tax.py") == "billing"


def test_nested_git_repositories_have_their_own_codeowners(tmp_path: Path) -> None:
    write(tmp_path, "CODEOWNERS", "* @acme/outer\n")
    git_init(tmp_path / "repos/payments")
    write(tmp_path, "repos/payments/.github/CODEOWNERS", "/api/ @acme/payments\n")
    write(tmp_path, "repos/payments/api/charge.py")
    write(tmp_path, "repos/payments/cli.py")
    git_init(tmp_path / "repos/search")  # no CODEOWNERS: the outer file does not reach inside
    write(tmp_path, "repos/search/index.py")
    r = build_resolver(str(tmp_path), ["."], None, "none")
    assert team(r, "repos/payments/api/charge.py") == "payments"
    assert r.resolve("repos/payments/cli.py").source == "unowned"  # its own file had no match
    assert r.resolve("repos/search/index.py") == Attribution(
        None, "unowned", "no teams file entry, CODEOWNERS rule, catalog-info.yaml or fallback"
    )
    assert team(r, "top.py") == "outer"
    assert r.repos == frozenset({"repos/payments", "repos/search"})


def test_explicitly_unowned_stops_the_chain(tmp_path: Path) -> None:
    write(tmp_path, "CODEOWNERS", "* @acme/platform\n/generated/\n")
    write(tmp_path, "generated/catalog-info.yaml", "spec:\n  owner: group:default/gen\n")
    r = build_resolver(str(tmp_path), ["."], None, "root")
    got = r.resolve("generated/x.py")
    assert got.team is None and got.source == "unowned"
    assert got.evidence == "CODEOWNERS:2: matching CODEOWNERS line names no owner"


def test_codeowners_warnings_are_collected(tmp_path: Path) -> None:
    write(tmp_path, "CODEOWNERS", "* @acme/a\n/x/ nobody\n")
    r = build_resolver(str(tmp_path), ["."], None, "none")
    assert r.warnings == ("CODEOWNERS:2: owners must be @user, @org/team or e-mails; line skipped",)


# ---------------------------------------------------------------- catalog-info.yaml

CATALOG = """\
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: reporting-api
spec:
  owner: group:default/api-guild
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: reporting
spec:
  type: service
  owner: group:default/data-team
"""


def test_catalog_info_component_owner_applies_below_its_folder(tmp_path: Path) -> None:
    write(tmp_path, "services/reporting/catalog-info.yaml", CATALOG)
    write(tmp_path, "services/reporting/reporting/metrics.py")
    r = build_resolver(str(tmp_path), ["."], None, "none")
    got = r.resolve("services/reporting/reporting/metrics.py")
    assert got == Attribution("data-team", "catalog-info", "services/reporting/catalog-info.yaml:14")
    assert team(r, "services/other/x.py") is None


def test_nearest_catalog_wins_and_plain_owner(tmp_path: Path) -> None:
    write(tmp_path, "catalog-info.yaml", "kind: System\nspec:\n  owner: platform\n")
    write(tmp_path, "svc/web/catalog-info.yml", "kind: Component\nspec:\n  owner: web-team\n")
    r = build_resolver(str(tmp_path), ["."], None, "none")
    assert team(r, "svc/web/src/app.ts") == "web-team"
    assert team(r, "svc/api/main.go") == "platform"  # first document with an owner, any kind


def test_malformed_catalog_is_a_warning_not_an_error(tmp_path: Path) -> None:
    write(tmp_path, "svc/catalog-info.yaml", "spec:\n  owner: [unclosed\n")
    r = build_resolver(str(tmp_path), ["."], None, "root")
    assert len(r.warnings) == 1 and r.warnings[0].startswith("svc/catalog-info.yaml:")
    assert "catalog file skipped" in r.warnings[0]
    assert r.resolve("svc/a.py").source == "fallback"


def test_catalog_without_owner_is_ignored(tmp_path: Path) -> None:
    write(tmp_path, "catalog-info.yaml", "kind: Location\nspec:\n  targets: [a.yaml]\n")
    assert build_resolver(str(tmp_path), ["."], None, "none").resolve("a.py").source == "unowned"


# ---------------------------------------------------------------- teams file


def test_teams_file_plain_and_wrapped_first_match_in_file_order(tmp_path: Path) -> None:
    plain = write(
        tmp_path, "teams.yaml", "payments:\n  - services/billing/\n  - '!services/billing/legacy/'\nweb:\n  - '*.ts'\n"
    )
    wrapped = write(tmp_path, "teams2.yaml", "teams:\n  web: ['*.ts']\n  payments: [services/billing/]\n")
    r1 = build_resolver(str(tmp_path), ["."], str(plain), "none")
    r2 = build_resolver(str(tmp_path), ["."], str(wrapped), "none")
    assert r1.resolve("services/billing/ui.ts") == Attribution("payments", "teams-file", f"{plain}:1")
    assert r2.resolve("services/billing/ui.ts") == Attribution("web", "teams-file", f"{wrapped}:2")
    assert team(r1, "services/billing/legacy/old.py") is None  # excluded with "!"
    assert team(r1, "services/billing/legacy/old.ts") == "web"


def test_precedence_teams_file_codeowners_catalog_fallback(tmp_path: Path) -> None:
    teams = write(tmp_path, "teams.yaml", "teams:\n  core: [services/core/]\n")
    write(tmp_path, ".github/CODEOWNERS", "/services/core/ @acme/not-me\n/services/billing/ @acme/billing\n")
    write(tmp_path, "services/billing/catalog-info.yaml", "spec:\n  owner: not-me-either\n")
    write(tmp_path, "services/reporting/catalog-info.yaml", "spec:\n  owner: group:default/data-team\n")
    r = build_resolver(str(tmp_path), ["."], str(teams), "depth:2")
    assert {
        p: (a.team, a.source)
        for p, a in r.resolve_all(
            [
                "services/core/a.py",
                "services/billing/b.py",
                "services/reporting/c.py",
                "services/search/d.py",
                "setup.py",
            ]
        ).items()
    } == {
        "services/billing/b.py": ("billing", "codeowners"),
        "services/core/a.py": ("core", "teams-file"),
        "services/reporting/c.py": ("data-team", "catalog-info"),
        "services/search/d.py": ("services/search", "fallback"),
        "setup.py": (None, "unowned"),  # depth:2 has no folder for a file at the top
    }


@pytest.mark.parametrize(
    ("text", "line", "what"),
    [
        ("teams:\n  web: [unclosed\n", 3, "invalid YAML"),
        ("web: '*.ts'\n", 1, "team 'web': expected a non-empty list of path globs"),
        ("web:\n  - '*.ts'\n  - 42\n", 3, "team 'web': glob must be a string"),
        ("web: []\n", 1, "team 'web': expected a non-empty list of path globs"),
        ("- web\n", 1, "expected a mapping of team name to a list of path globs"),
        ("web: ['*.ts']\napi: ['*.go']\nweb: ['*.js']\n", 3, "duplicate key 'web'"),
        ("teams:\n  web: ['*.ts']\n  42: ['*.go']\n", 3, "team name must be a non-empty string, got 42"),
        ("", 1, "empty teams file"),
    ],
)
def test_malformed_teams_file(tmp_path: Path, text: str, line: int, what: str) -> None:
    path = write(tmp_path, "teams.yaml", text)
    with pytest.raises(ConfigError) as err:
        load_teams_file(str(path))
    assert str(err.value).startswith(f"{path}:{line}: {what}")


def test_malformed_teams_file_fails_the_build(tmp_path: Path) -> None:
    path = write(tmp_path, "teams.yaml", "web: nope\n")
    with pytest.raises(ConfigError, match=r"teams\.yaml:1:"):
        build_resolver(str(tmp_path), ["."], str(path), "root")


# ---------------------------------------------------------------- fallbacks


def test_fallback_root(tmp_path: Path) -> None:
    for rel in ("checkout/billing/a.py", "x/web/b.ts", "y/web/c.ts"):
        write(tmp_path, rel)
    r = build_resolver(str(tmp_path), ["checkout/billing", "x/web", "y/web"], None, "root")
    assert r.resolve("checkout/billing/a.py") == Attribution("billing", "fallback", "root checkout/billing")
    assert team(r, "x/web/b.ts") == "x/web"  # two roots named "web": their paths tell them apart
    assert team(r, "y/web/c.ts") == "y/web"
    assert team(r, "elsewhere/d.py") is None


def test_fallback_root_dot_is_the_base(tmp_path: Path) -> None:
    base = tmp_path / "acme"
    write(base, "a.py")
    r = build_resolver(str(base), ["."], None, "root")
    assert r.resolve("a.py") == Attribution("acme", "fallback", "root .")


def test_fallback_repo(tmp_path: Path) -> None:
    git_init(tmp_path / "src/payments")
    git_init(tmp_path / "src/search")
    write(tmp_path, "src/payments/api/charge.py")
    write(tmp_path, "src/loose/notes.py")
    r = build_resolver(str(tmp_path), ["src"], None, "repo")
    assert r.resolve("src/payments/api/charge.py") == Attribution("payments", "fallback", "repository src/payments")
    assert team(r, "src/search/x.go") == "search"
    assert r.resolve("src/loose/notes.py") == Attribution("src", "fallback", "root src")  # in no repository


def test_fallback_depth(tmp_path: Path) -> None:
    r = build_resolver(str(tmp_path), ["."], None, "depth:1")
    assert team(r, "services/billing/a.py") == "services"
    r = build_resolver(str(tmp_path), ["."], None, "depth:3")
    assert team(r, "services/billing/api/v1/a.py") == "services/billing/api"
    assert team(r, "services/billing/a.py") == "services/billing"


@pytest.mark.parametrize("bad", ["team", "depth:0", "depth:x", "depth:", ""])
def test_unknown_fallback(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ConfigError, match="team fallback must be one of"):
        build_resolver(str(tmp_path), ["."], None, bad)


# ---------------------------------------------------------------- no owners, normalisation, immutability


def test_code_base_with_no_owners_at_all(tmp_path: Path) -> None:
    for rel in ("a.py", "pkg/b.py", "pkg/sub/c.ts"):
        write(tmp_path, rel)
    r = build_resolver(str(tmp_path), ["."], None, "none")
    got = r.resolve_all(["pkg/sub/c.ts", "a.py", "pkg/b.py", "a.py"])
    assert list(got) == ["a.py", "pkg/b.py", "pkg/sub/c.ts"]  # every path kept, sorted
    assert {a.team for a in got.values()} == {None}
    assert {a.source for a in got.values()} == {"unowned"}
    assert r.warnings == () and not r.codeowners and not r.catalogs


def test_custom_owner_normalisation(tmp_path: Path) -> None:
    write(tmp_path, "CODEOWNERS", "* @acme/identity @acme/security\n")
    assert team(build_resolver(str(tmp_path), ["."], None, "none", normalize_owner=verbatim_owner), "a.py") == (
        "@acme/identity"  # the first owner is the team
    )
    upper = build_resolver(str(tmp_path), ["."], None, "none", normalize_owner=lambda o: o.upper())
    assert team(upper, "a.py") == "@ACME/IDENTITY"


def test_paths_are_normalised(tmp_path: Path) -> None:
    write(tmp_path, "CODEOWNERS", "/src/ @acme/core\n")
    r = build_resolver(str(tmp_path), ["./"], None, "none")
    assert team(r, "./src/a.py") == team(r, "src//a.py") == "core"


def test_resolver_is_immutable(tmp_path: Path) -> None:
    write(tmp_path, "CODEOWNERS", "* @acme/a\n")
    r = build_resolver(str(tmp_path), ["."], None, "none")
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.fallback = "root"  # type: ignore[misc]
    with pytest.raises(TypeError):
        r.codeowners[""] = r.codeowners[""]  # type: ignore[index]


def test_dependency_folders_are_not_walked(tmp_path: Path) -> None:
    write(tmp_path, "node_modules/lib/catalog-info.yaml", "spec:\n  owner: npm-people\n")
    r = build_resolver(str(tmp_path), ["."], None, "none")
    assert not r.catalogs


ACME = Path(__file__).resolve().parents[1] / "fixtures" / "acme-monorepo"


@pytest.mark.skipif(not (ACME / ".github" / "CODEOWNERS").is_file(), reason="fixture not there yet")
def test_acme_fixture_attribution() -> None:
    r = build_resolver(str(ACME), ["."], None, "root")
    got = {
        p: (a.team, a.source)
        for p, a in r.resolve_all(
            [
                "platform/acme_auth/sessions.py",
                "services/storefront/web/src/auth.ts",
                "services/storefront/admin/src/auth/adminSession.ts",
                "services/reporting/reporting/auth.py",
            ]
        ).items()
    }
    assert got == {
        "platform/acme_auth/sessions.py": ("platform-team", "codeowners"),
        "services/storefront/web/src/auth.ts": ("storefront-team", "codeowners"),
        # listed after /services/storefront/: the last matching line wins
        "services/storefront/admin/src/auth/adminSession.ts": ("merchant-team", "codeowners"),
        # not in CODEOWNERS: its catalog-info.yaml speaks
        "services/reporting/reporting/auth.py": ("data-team", "catalog-info"),
    }
    assert r.warnings == ()
