"""Code kinds: production is ranked, tests go to test support, one-team clusters to team clean-ups."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from dupfinder.cli.app import cli
from dupfinder.model import RuleSet
from dupfinder.rules.kinds import (
    BENCHMARKS,
    BUILD,
    EXAMPLES,
    GENERATED,
    LEGACY,
    PRODUCTION,
    TESTS,
    VENDORED,
    KindMatcher,
    copied_folders,
    majority_kind,
)
from dupfinder.rules.loading import load_ruleset


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("billing/src/billing/retry.py", PRODUCTION),
        ("billing/tests/test_retry.py", TESTS),
        ("billing/src/billing/test_helpers.py", TESTS),
        ("billing/conftest.py", TESTS),
        ("celery/t/unit/tasks/test_trace.py", TESTS),
        ("kombu/t/mocks.py", TESTS),
        ("celery/celery/app/task.py", PRODUCTION),
        ("billing/src/billing/testing/fakes.py", TESTS),
        ("web/src/app.spec.ts", TESTS),
        ("billing/docs/conf.py", EXAMPLES),
        ("billing/examples/quickstart.py", EXAMPLES),
        ("everett/src/everett/sphinxext.py", EXAMPLES),
        ("billing/src/billing/sphinxext/autodoc.py", EXAMPLES),
        ("celery/celery/contrib/sphinx.py", EXAMPLES),
        ("billing/src/billing/sphinx_helpers.py", PRODUCTION),
        ("billing/benchmarks/bench_retry.py", BENCHMARKS),
        ("billing/proto/billing_pb2.py", GENERATED),
        ("urllib3/dummyserver/handlers.py", TESTS),
        ("billing/setup.py", BUILD),
        ("billing/src/billing/setup.py", BUILD),
        ("httplib2/python2/httplib2/__init__.py", LEGACY),
        ("httplib2/python3/httplib2/__init__.py", PRODUCTION),
        ("billing/src/billing/setup_logging.py", PRODUCTION),
        ("pip/src/pip/_vendor/rich/console.py", VENDORED),
        ("setuptools/setuptools/_vendor/packaging/version.py", VENDORED),
        ("pkg_resources/_vendor/jaraco/text/__init__.py", VENDORED),
        ("billing/third_party/retry/retry.py", VENDORED),
        ("billing/src/billing/vendored/six.py", VENDORED),
        ("billing/src/billing/_vendor/tests/test_six.py", VENDORED),  # a vendored package's tests are not ours
        ("pony/pony/thirdparty/decorator.py", VENDORED),  # a copy of the decorator package, no licence file
        ("billing/src/billing/thirdparty_api.py", PRODUCTION),
        ("billing/src/billing/vendors.py", PRODUCTION),
        ("billing/src/billing/vendor_api.py", PRODUCTION),
    ],
)
def test_kind_of_a_path(path: str, kind: str) -> None:
    rules: RuleSet = load_ruleset(())
    assert KindMatcher(rules).kind(path) == kind


def test_production_wins_with_half_the_lines() -> None:
    assert majority_kind([(PRODUCTION, 10), (TESTS, 10)]) == PRODUCTION
    assert majority_kind([(PRODUCTION, 9), (TESTS, 6), (EXAMPLES, 5)]) == TESTS
    assert majority_kind([]) == PRODUCTION


RETRY = """
def {name}(session, url, attempts, backoff):
    delay = backoff
    for attempt in range(attempts):
        response = session.get(url, timeout=30)
        if response.status_code < 500:
            return response
        time.sleep(delay)
        delay = delay * 2 + attempt
    raise RuntimeError("gave up on " + url + " after retries")
"""

CHECK = """
def {name}(client):
    result = client.post("/orders", json={{"sku": "a-1", "count": 3}})
    assert result.status_code == 201
    body = result.json()
    assert body["sku"] == "a-1" and body["count"] == 3
    listed = client.get("/orders").json()
    assert [o["sku"] for o in listed] == ["a-1"]
    client.delete("/orders/" + str(body["id"]))
    assert client.get("/orders").json() == []
"""

PARSE = """
def {name}(text, separator, strip_quotes):
    fields = {{}}
    for raw in text.splitlines():
        if not raw or raw.startswith("#"):
            continue
        key, _, value = raw.partition(separator)
        value = value.strip()
        if strip_quotes and value[:1] in "'\\"":
            value = value[1:-1]
        fields[key.strip().lower()] = value
    return fields
"""


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def org(tmp_path: Path) -> Path:
    for team in ("billing", "shipping"):
        write(tmp_path / team / "src" / "net.py", "import time\n" + RETRY.format(name=f"{team}_fetch"))
        write(tmp_path / team / "tests" / "test_orders.py", CHECK.format(name=f"test_{team}_orders"))
    # one team keeps two copies of its own parser: its clean-up, not a platform's
    write(tmp_path / "billing" / "src" / "config.py", PARSE.format(name="parse_config"))
    write(tmp_path / "billing" / "src" / "env.py", PARSE.format(name="parse_env"))
    return tmp_path


def opportunities(org: Path, *extra: str) -> dict[str, Any]:
    args = ["opportunities", str(org), "--format", "json", "-q", "--jobs", "1", "--no-cache", "--min-tokens", "20"]
    res = CliRunner().invoke(cli, [*args, "--team-fallback", "depth:1", *extra])
    assert res.exit_code == 0, res.output
    data: dict[str, Any] = json.loads(res.output)
    return data


def test_tests_and_single_team_clusters_are_kept_apart(org: Path) -> None:
    data = opportunities(org)
    kinds = {c["instances"][0]["path"].split("/")[-1]: c["code_kind"] for c in data["clusters"]}
    assert kinds == {"net.py": "production", "test_orders.py": "tests", "config.py": "production"}
    (opp,) = data["opportunities"]
    assert opp["teams"] == ["billing", "shipping"] and opp["kind"] == "platform"
    assert [(e["team"], e["path"], e["kind"]) for e in opp["evidence"]] == [
        ("billing", "billing/src/net.py", "clone"),
        ("shipping", "shipping/src/net.py", "clone"),
    ]
    assert opp["label"] in ("http-retry", "similar code: billing_fetch, shipping_fetch")
    (support,) = data["test_support"]
    assert support["teams"] == ["billing", "shipping"] and support["code_kind"] == "tests"
    (cleanup,) = data["team_cleanups"]
    assert cleanup["team"] == "billing" and cleanup["lines"] == 2 * len(PARSE.strip().splitlines())


def test_include_tests_ranks_test_code_again(org: Path) -> None:
    data = opportunities(org, "--include-tests")
    assert len(data["opportunities"]) == 2 and data["test_support"] == []
    paths = {e["path"] for o in data["opportunities"] for e in o["evidence"]}
    assert "billing/tests/test_orders.py" in paths


def test_min_teams_and_top_trim_the_ranking(org: Path) -> None:
    assert opportunities(org, "--include-tests", "--top", "1")["opportunities"][0]["rank"] == 1
    assert len(opportunities(org, "--include-tests", "--top", "1")["opportunities"]) == 1
    assert opportunities(org, "--min-teams", "3")["opportunities"] == []


def test_capability_map_of_the_acme_fixture_is_deterministic_and_covers_teams() -> None:
    acme = Path(__file__).resolve().parents[1] / "fixtures" / "acme-monorepo"
    first, second = (opportunities(acme) for _ in range(2))
    assert first["capabilities"] == second["capabilities"]
    for cap in first["capabilities"]:
        assert cap["id"].startswith("cap-") and cap["label"] and cap["teams"]
        assert all(v["units"] >= 1 and v["lines"] >= 1 for v in cap["teams"].values())
    # the Java data-access clones already make an opportunity: the capability holding them does not repeat it
    labels = [o["label"] for o in first["opportunities"]]
    assert labels[:3] == ["data-access", "auth", "http-retry"] and not any(x.startswith("capability") for x in labels)


def test_a_unit_that_imports_the_platform_of_its_capability_adopts_it() -> None:
    acme = Path(__file__).resolve().parents[1] / "fixtures" / "acme-monorepo"
    data = opportunities(acme)
    # identity's login_handler calls acme_auth (the declared auth platform): an adopter, not a re-implementation
    evidence = {(e["path"], e["name"]) for o in data["opportunities"] for e in o["evidence"]}
    assert ("services/identity/identity/api.py", "login_handler") not in evidence
    assert ("services/billing/billing/auth.py", "authenticate_user") in evidence


def test_terms_split_names_and_skip_generic_words() -> None:
    from dupfinder.model import Fingerprint, Unit
    from dupfinder.opportunities.capabilities import terms_of

    unit = Unit("a.py", ".", "python", "Client.resetPasswordToken", "function", 1, 5, Fingerprint("f"), b"",
                identifiers=("self", "expiry_seconds"), calls=("mailer.send_email",),
                imports=("smtplib.client",))  # fmt: skip
    want = ["reset", "password", "token"] * 3 + ["expiry", "seconds", "send", "email", "import:smtplib"]
    assert terms_of(unit) == want


def test_markdown_and_text_list_team_evidence_clean_ups_and_test_support(org: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    args = [str(org), "-q", "--jobs", "1", "--no-cache", "--min-tokens", "20", "--team-fallback", "depth:1"]
    res = CliRunner().invoke(cli, ["report", *args, "-o", str(out)])
    assert res.exit_code == 0, res.output
    md = out.read_text()
    assert (
        "## Teams and their own code" in md and "- billing: `billing/src/net.py`:3 billing\\_fetch (clone, 1.00)" in md
    )
    assert "| billing | 1 | 22 |" in md  # the parser copied inside one team
    assert "| tests | billing, shipping | 1 |" in md
    res = CliRunner().invoke(cli, ["opportunities", *args])
    assert "team clean-ups (copies within one team, not ranked): 1 teams, 22 lines" in res.output
    assert "shared test support (not ranked; --include-tests ranks it): 1 groups" in res.output


def test_build_and_legacy_kinds_come_from_the_rules(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text(
        "ignores:\n  - id: legacy-copies\n    enabled: false\n    description: old copies\n    paths: [old/]\n"
    )
    matcher = KindMatcher(load_ruleset((tmp_path,)))
    assert matcher.kind("pkg/old/client.py") == LEGACY
    assert matcher.kind("pkg/python2/client.py") == PRODUCTION  # the folder's rule replaced the built-in one
    assert matcher.kind("pkg/setup.py") == BUILD


def test_a_team_counts_with_two_units_or_one_strong_or_cloned_unit() -> None:
    from dupfinder.model import Unit
    from dupfinder.opportunities.capabilities import Capability, team_capabilities

    def unit(path: str, line: int) -> Unit:
        return Unit(path, path.split("/")[0], "python", f"f{line}", "function", line, line + 9, b"", b"")

    cap = Capability("cap-001", "retry, backoff", ("retry", "backoff"), (
        (unit("a/x.py", 1), "a", 0.57), (unit("a/x.py", 20), "a", 0.56),  # two weak units: counts
        (unit("b/y.py", 1), "b", 0.59),  # one weak unit (under strong_confidence, 0.6): does not count
        (unit("c/z.py", 1), "c", 0.6),  # one strong unit: counts
        (unit("d/w.py", 5), "d", 0.56),  # one weak unit that is a cross-team clone: counts
    ))  # fmt: skip
    got = team_capabilities(cap, cloned=frozenset({("d/w.py", 5, 14)}))
    assert got == {"a": (2, 20), "c": (1, 10), "d": (1, 10)}


def test_a_small_unit_counts_for_its_team_as_the_settings_say() -> None:
    from dupfinder.model import Unit
    from dupfinder.opportunities.capabilities import Capability, MapSettings, team_capabilities

    def unit(path: str, line: int, tokens: int) -> Unit:  # tokens 0: a small unit (a function under the minimum)
        return Unit(path, path.split("/")[0], "python", f"f{line}", "function", line, line + 9, b"", b"\0" * 4 * tokens)

    cap = Capability("cap-001", "quote, identifier", ("quote", "identifier"), (
        (unit("a/x.py", 1, 60), "a", 0.57), (unit("a/x.py", 20, 0), "a", 0.56),  # a unit and a small one
        (unit("b/y.py", 1, 0), "b", 0.7),  # one strong small unit
        (unit("c/z.py", 1, 60), "c", 0.57), (unit("c/z.py", 20, 55), "c", 0.56),  # two units
    ))  # fmt: skip
    assert set(team_capabilities(cap)) == {"a", "b", "c"}  # by default a small unit is a unit like any other
    assert set(team_capabilities(cap, MapSettings(small_count=0.5))) == {"b", "c"}
    assert set(team_capabilities(cap, MapSettings(small_strong=False))) == {"a", "c"}


def test_small_units_fitted_apart_bring_no_words_of_their_own_to_the_map() -> None:
    import random

    from dupfinder.model import Fingerprint, Unit
    from dupfinder.opportunities.capabilities import MapSettings, capability_map

    rng = random.Random(7)
    words = [f"w{n}x" for n in range(400)]

    def unit(n: int, names: tuple[str, ...], team: str, tokens: int) -> Unit:
        return Unit(f"{team}/m{n}.py", team, "python", f"f{n}", "function", 1, 9, Fingerprint(f"{n}"),
                    b"\0" * 4 * tokens, identifiers=names)  # fmt: skip

    units = [unit(n, tuple(rng.sample(words, 12)), f"team{n % 3}", 60) for n in range(150)]
    retry = ["retry", "backoff", "attempts", "delay", "jitter", "interval"]
    units += [unit(200 + n, tuple(rng.sample(retry, 4)), f"team{n % 3}", 60) for n in range(21)]
    # every team's small getters share words no unit with tokens uses
    getters = ["getter", "accessor", "fetcher", "lookup"]
    units += [unit(300 + n, tuple(rng.sample(getters, 3)), f"team{n % 3}", 0) for n in range(30)]

    def words_in_labels(settings: MapSettings) -> set[str]:
        caps = capability_map(units, lambda path: path.split("/")[0], settings)
        return {w for c in caps for w in c.label.split(", ")}

    plain = MapSettings(team_centre=0.0, owner_weight=0, min_groups=0, small_join="")
    assert set(getters) & words_in_labels(plain)  # taken like any unit, the getters make a group of their own
    fitted = words_in_labels(replace(plain, small_join="fit"))
    assert "retry" in fitted and not set(getters) & fitted


def test_the_summary_claims_only_the_teams_units_lines_and_clone_share_of_the_evidence() -> None:
    from dupfinder.model import Opportunity, TeamEvidence
    from dupfinder.reporters.common import evidence_phrase

    evidence = (
        TeamEvidence("a", "a/x.py", 1, 30, "retry", "clone", 1.0),
        TeamEvidence("a", "a/y.py", 1, 10, "backoff", "implementation", 0.7),
        TeamEvidence("b", "b/x.py", 1, 60, "retry", "implementation", 0.8),
    )
    o = Opportunity(rank=1, category=None, teams=("a", "b", "c"), cluster_ids=(), lines=100, score=1.0,
                    why={"languages": 1}, pioneers=(), instances=9, label="capability: retry",
                    evidence=evidence)  # fmt: skip
    # team c has no evidence of its own and the 9 instances are not claimed: 3 units, 100 lines, 30 % cloned
    assert evidence_phrase(o, 0) == (
        "2 teams with code of their own for it, 3 units and 100 lines in 1 language, "
        "30 % of the lines in cross-team clones"
    )


def test_a_capability_names_a_module_it_imports_and_calls_by_name_once() -> None:
    import random

    from dupfinder.model import Fingerprint, Unit
    from dupfinder.opportunities.capabilities import Capability, capability_map

    rng = random.Random(5)
    words = [f"w{n}x" for n in range(400)]  # letters only split into one word each

    def unit(n: int, names: tuple[str, ...], imports: tuple[str, ...]) -> Unit:
        return Unit(f"team{n % 3}/m{n}.py", f"team{n % 3}", "python", f"f{n}", "function", 1, 9, Fingerprint(f"{n}"),
                    b"", identifiers=names, calls=(), imports=imports)  # fmt: skip

    units = [unit(n, tuple(rng.sample(words, 12)), ()) for n in range(100)]
    # a worker that imports huey and names it: terms "huey" and "import:huey" in every unit of its group
    units += [unit(100 + n, ("huey", "consumer", "worker", *rng.sample(words, 4)), ("huey",)) for n in range(20)]
    caps = capability_map(units, lambda path: path.split("/")[0])
    huey = [c for c in caps if "huey" in c.terms]
    assert huey, [c.label for c in caps]
    for c in caps:
        assert len(set(c.terms)) == len(c.terms), c.terms
        assert c.title == c.label  # no rule category: the terms alone
    assert Capability("cap-001", "reset, token", ("reset", "token"), (), "auth").title == "auth: reset, token"


def test_a_capability_titled_by_a_rule_category_makes_an_opportunity_of_that_category() -> None:
    from dupfinder.model import Unit
    from dupfinder.opportunities.capabilities import Capability, capability_opportunities
    from dupfinder.reporters.common import opportunity_label
    from dupfinder.reporters.json import opportunity_dict

    def unit(path: str, line: int) -> Unit:
        return Unit(path, path.split("/")[0], "python", f"f{line}", "function", line, line + 9, b"", b"",
                    identifiers=("reset_token",))  # fmt: skip

    members = tuple((unit(f"{t}/auth.py", line), t, 0.8) for t in ("a", "b") for line in (1, 20))
    titled_cap = Capability("cap-001", "reset, token", ("reset", "token"), members, "auth")
    plain = Capability("cap-002", "reset, token", ("reset", "token"), members)
    (got,), (untitled,) = capability_opportunities([titled_cap], []), capability_opportunities([plain], [])
    assert (got.category, got.label, opportunity_label(got, [])) == ("auth", "auth: reset, token", "auth: reset, token")
    assert opportunity_dict(got)["category"] == "auth" and opportunity_dict(got)["teams"] == ["a", "b"]
    assert (untitled.category, opportunity_label(untitled, [])) == (None, "reset, token")


def test_a_capability_is_named_by_words_its_teams_share_before_one_team_s_module_names() -> None:
    import random

    from dupfinder.model import Fingerprint, Unit
    from dupfinder.opportunities.capabilities import capability_map

    rng = random.Random(7)
    words = [f"w{n}x" for n in range(600)]
    shared = ("consumer", "worker", "queue")

    def unit(n: int, team: int, names: tuple[str, ...], imports: tuple[str, ...] = ()) -> Unit:
        return Unit(f"team{team}/m{n}.py", f"team{team}", "python", f"f{n}", "function", 1, 9, Fingerprint(f"{n}"),
                    b"", identifiers=names, calls=(), imports=imports)  # fmt: skip

    units = [unit(n, n % 3, tuple(rng.sample(words, 12))) for n in range(800)]
    # the shared words are common elsewhere, one at a time; the module name is not
    units += [unit(800 + n, n % 3, (shared[n % 3], *rng.sample(words, 8))) for n in range(150)]
    # three teams' workers: the same words; one team's (half of them) also import the module huey
    for n in range(36):
        team = 0 if n % 2 else 1 + n % 4 // 2
        units.append(unit(1000 + n, team, (*shared, *rng.sample(words, 3)), ("huey",) if team == 0 else ()))
    caps = capability_map(units, lambda path: path.split("/")[0])
    (workers,) = [c for c in caps if {"consumer", "worker", "queue"} <= set(c.terms)]
    assert set(workers.terms[:3]) == set(shared) and "huey" not in workers.terms, workers.terms
    assert {t for _, t, _ in workers.units} == {"team0", "team1", "team2"}


@pytest.mark.parametrize("max_sample", [3000, 60])
def test_ward_groups_keep_their_members_when_a_few_units_leave(max_sample: int) -> None:
    import random

    from dupfinder.model import Fingerprint, Unit
    from dupfinder.opportunities.capabilities import MapSettings, capability_map

    rng = random.Random(3)
    # words of letters only (a digit would split them): topic t's n-th word
    topics = [[f"top{chr(97 + t)}{chr(97 + n)}" for n in range(30)] for t in range(4)]

    def unit(n: int, topic: int) -> Unit:
        return Unit(f"team{n % 3}/m{n}.py", f"team{n % 3}", "python", f"f{n}", "function", 1, 9, Fingerprint(f"{n}"),
                    b"", identifiers=tuple(rng.sample(topics[topic], 20)), calls=(), imports=())  # fmt: skip

    units = [unit(n, n % 4) for n in range(180)]  # 4 groups of 40 before and after 9 leave
    settings = MapSettings(units_per_group=40, max_sample=max_sample, min_groups=0)  # groups of 40, no floor

    def partition(chosen: list[Unit]) -> set[frozenset[str]]:
        caps = capability_map(chosen, lambda path: path.split("/")[0], settings)
        return {frozenset(u.path for u, _, _ in c.units) for c in caps}

    whole = partition(units)
    # one group per topic, every unit in it (a topic's units share its words only)
    assert sorted(len(g) for g in whole) == [45, 45, 45, 45]
    assert all(len({int(p.split("/m")[1][:-3]) % 4 for p in g}) == 1 for g in whole)
    left = [u for n, u in enumerate(units) if n % 20 != 7]
    kept = {u.path for u in left}
    assert partition(left) == {g & kept for g in whole}


def test_soft_membership_lets_a_unit_close_to_two_groups_evidence_both() -> None:
    import random

    from dupfinder.model import Fingerprint, Unit
    from dupfinder.opportunities.capabilities import MapSettings, capability_map

    rng = random.Random(4)
    topics = [[f"top{chr(97 + t)}{chr(97 + n)}" for n in range(30)] for t in range(6)]

    def unit(n: int, words: list[str]) -> Unit:
        return Unit(f"team{n % 3}/m{n}.py", f"team{n % 3}", "python", f"f{n}", "function", 1, 9, Fingerprint(f"{n}"),
                    b"", identifiers=tuple(words), calls=(), imports=())  # fmt: skip

    units = [unit(n, rng.sample(topics[n % 6], 20)) for n in range(120)]
    # bridges: 25 words of each of the first two topics, about 0.65 close to both centres
    units += [unit(120 + n, rng.sample(topics[0], 25) + rng.sample(topics[1], 25)) for n in range(4)]
    bridges = {u.path for u in units[120:]}

    def holding(settings: MapSettings) -> list[int]:
        caps = capability_map(units, lambda path: path.split("/")[0], settings)
        return sorted(len(bridges & {u.path for u, _, _ in c.units}) for c in caps)

    # each topic is one team's here (topic n % 6, team n % 3): keep every word and each team's own direction
    base = MapSettings(units_per_group=20, min_term_teams=1, team_centre=0.0, min_groups=0)
    hard, soft = holding(base), holding(replace(base, soft_confidence=0.6))
    assert sum(hard) <= 4 and soft.count(4) == 2, (hard, soft)


def test_words_only_one_team_uses_make_no_capability() -> None:
    import random

    from dupfinder.model import Fingerprint, Unit
    from dupfinder.opportunities.capabilities import MapSettings, capability_map

    rng = random.Random(5)
    words = [f"w{n}x" for n in range(400)]

    def unit(n: int, names: tuple[str, ...], team: str) -> Unit:
        return Unit(f"{team}/m{n}.py", team, "python", f"f{n}", "function", 1, 9, Fingerprint(f"{n}"), b"",
                    identifiers=names, calls=(), imports=())  # fmt: skip

    units = [unit(n, tuple(rng.sample(words, 12)), f"team{n % 3}") for n in range(100)]
    # team0's own bookkeeping vocabulary, and a retry loop every team writes
    ledger = ["ledger", "posting", "journal", "debit", "credit", "balance"]
    retry = ["retry", "backoff", "attempts", "delay", "jitter", "interval"]
    units += [unit(100 + n, tuple(rng.sample(ledger, 4)), "team0") for n in range(20)]
    units += [unit(200 + n, tuple(rng.sample(retry, 4)), f"team{n % 3}") for n in range(21)]

    def labels(settings: MapSettings) -> list[tuple[str, list[str]]]:
        caps = capability_map(units, lambda path: path.split("/")[0], settings)
        return [(c.label, sorted(c.teams())) for c in caps]

    kept = labels(MapSettings(team_centre=0.0, owner_weight=0, min_groups=0))
    assert not any(set(label.split(", ")) & set(ledger) for label, _ in kept), kept
    assert any("retry" in label.split(", ") and len(teams) >= 2 for label, teams in kept), kept
    # with every word kept, team0's own words make a group of their own
    every = labels(MapSettings(min_term_teams=1, team_centre=0.0, owner_weight=0, min_groups=0))
    assert any("ledger" in label.split(", ") for label, _ in every), every


def test_a_method_s_terms_hold_its_class_name_when_asked() -> None:
    from dupfinder.model import Fingerprint, Unit
    from dupfinder.opportunities.capabilities import terms_of

    unit = Unit("a.py", ".", "python", "RetryPolicy.next_delay", "function", 1, 5, Fingerprint("f"), b"")
    assert terms_of(unit) == ["next", "delay"] * 3
    assert terms_of(unit, owner_weight=2) == ["next", "delay"] * 3 + ["retry", "policy"] * 2


def licensed_tree(root: Path) -> None:
    """An org of three projects side by side, each with its licence: billing ships a copy of another
    project's package inside its own (cement's ``cli/contrib/jinja2``), shipping keeps a plugin
    template (a project of its own: ``setup.py``), and a monorepo folder ``libs/`` holds two libraries."""
    for team in ("billing", "shipping", "libs/alpha", "libs/beta"):
        write(root / team / "LICENSE", "MIT License\n")
        write(root / team / "src" / "__init__.py", "")
    write(root / "billing" / "src" / "contrib" / "__init__.py", "")
    write(root / "billing" / "src" / "contrib" / "iniparse" / "LICENSE.rst", "BSD License\n")
    write(root / "billing" / "src" / "contrib" / "iniparse" / "__init__.py", PARSE.format(name="parse"))
    write(root / "billing" / "src" / "contrib" / "iniparse" / "sub" / "more.py", PARSE.format(name="parse_more"))
    write(root / "shipping" / "plugins" / "tasks.py", "def build():\n    pass\n")
    write(root / "shipping" / "plugins" / "template" / "LICENSE", "MIT License\n")
    write(root / "shipping" / "plugins" / "template" / "setup.py", "from setuptools import setup\nsetup()\n")
    write(root / "shipping" / "plugins" / "template" / "plugin" / "__init__.py", PARSE.format(name="parse"))


def py_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.py"))


def test_a_licensed_package_inside_another_projects_code_is_vendored(tmp_path: Path) -> None:
    licensed_tree(tmp_path)
    rules = load_ruleset(())
    copied = copied_folders(str(tmp_path), py_files(tmp_path), rules)
    assert copied == {"billing/src/contrib/iniparse"}
    matcher = KindMatcher(rules, copied)
    assert matcher.kind("billing/src/contrib/iniparse/sub/more.py") == VENDORED
    assert matcher.kind("billing/src/contrib/__init__.py") == PRODUCTION
    assert matcher.kind("shipping/plugins/template/plugin/__init__.py") == PRODUCTION
    assert matcher.kind("libs/alpha/src/__init__.py") == PRODUCTION
    # without the licence above it, a licensed folder is the project itself
    (tmp_path / "billing" / "LICENSE").unlink()
    assert copied_folders(str(tmp_path), py_files(tmp_path), rules) == frozenset()


def test_vendored_clusters_are_listed_apart_even_with_tests_ranked(tmp_path: Path) -> None:
    licensed_tree(tmp_path)
    # shipping vendors the same parser under a path convention
    write(tmp_path / "shipping" / "src" / "_vendor" / "iniparse.py", PARSE.format(name="parse_vendored"))
    for extra in ((), ("--include-tests",)):
        data = opportunities(tmp_path, *extra)
        vendored = {i["path"] for c in data["clusters"] if c["code_kind"] == VENDORED for i in c["instances"]}
        assert "shipping/src/_vendor/iniparse.py" in vendored
        assert "billing/src/contrib/iniparse/__init__.py" in vendored
        assert not {e["path"] for o in data["opportunities"] for e in o["evidence"]} & vendored
        assert any(s["code_kind"] == VENDORED and s["teams"] == ["billing", "shipping"] for s in data["test_support"])


def test_the_history_s_production_paths_call_a_licensed_copy_vendored_as_the_scan_does(tmp_path: Path) -> None:
    from dupfinder.history.clones import production_paths

    licensed_tree(tmp_path)
    rules = load_ruleset(())
    vendored = "billing/src/contrib/iniparse/sub/more.py"
    assert production_paths(rules)(vendored)  # by path alone: nothing says it is a copy
    is_production = production_paths(rules, str(tmp_path), py_files(tmp_path))
    assert not is_production(vendored)
    assert is_production("billing/src/contrib/__init__.py")
    assert is_production("shipping/plugins/template/plugin/__init__.py")


def _unit(path: str, line: int, name: str, identifiers: tuple[str, ...], calls: tuple[str, ...] = ()) -> Any:
    from dupfinder.model import Fingerprint, Unit

    return Unit(path, path.split("/")[0], "python", name, "function", line, line + 19, Fingerprint(f"{path}{line}"),
                b"", identifiers=identifiers, calls=calls)  # fmt: skip


def test_teams_that_share_one_word_share_no_capability() -> None:
    from dupfinder.opportunities.capabilities import Capability, MapSettings, capability_opportunities, shared_terms

    # three validation libraries' email validators (their names and words as in colander, marshmallow and
    # voluptuous) against their class factories and clone methods, which share the word "class" and nothing else
    email = Capability("cap-001", "email, domain", ("email", "domain"), (
        (_unit("colander/v.py", 10, "Email.__call__", ("email", "user_regex", "domain_regex", "match")), "colander",
         0.8),
        (_unit("marshmallow/v.py", 10, "Email.__call__", ("value", "user_part", "domain_part", "rsplit", "match")),
         "marshmallow", 0.8),
        (_unit("voluptuous/v.py", 10, "Email", ("user_part", "domain_part", "rsplit", "match")), "voluptuous", 0.9),
    ))  # fmt: skip
    factories = Capability("cap-002", "clone, class", ("clone", "class"), (
        (_unit("colander/s.py", 40, "SequenceSchema.clone", ("cloned", "children", "class")), "colander", 0.8),
        (_unit("marshmallow/c.py", 40, "get_class", ("classname", "registry", "class")), "marshmallow", 0.9),
        (_unit("cerberus/f.py", 40, "validator_factory", ("mixin", "bases", "docstrings", "class")), "cerberus", 0.7),
    ))  # fmt: skip
    teams = ("colander", "marshmallow", "voluptuous")
    assert shared_terms(email, teams, MapSettings())[:3] == ["domain", "email", "match"]
    # "class" is a word of Python itself (a keyword): never a shared term, unless no word is the language's
    assert shared_terms(factories, ("cerberus", "colander", "marshmallow"), MapSettings()) == []
    bare = MapSettings(idioms=frozenset())
    assert shared_terms(factories, ("cerberus", "colander", "marshmallow"), bare) == ["class"]
    got = capability_opportunities([email, factories], [])
    assert [o.label for o in got] == ["email, domain"]
    # with the floor at one term and no idioms the factories are an opportunity again
    one = replace(bare, min_shared_terms=1)
    assert len(capability_opportunities([email, factories], [], settings=one)) == 2
    assert len(capability_opportunities([email, factories], [], settings=MapSettings(min_shared_terms=1))) == 1


def test_words_of_the_language_itself_are_no_shared_terms() -> None:
    from dupfinder.languages import idioms_of
    from dupfinder.opportunities.capabilities import Capability, MapSettings, shared_terms

    python = idioms_of("python")
    assert {"getattr", "hasattr", "setattr", "getitem", "contains", "class", "property", "isinstance"} <= python
    assert not {"retry", "email", "token", "proxy", "quote"} & python
    assert idioms_of("go") == frozenset() and idioms_of("no-such-language") == frozenset()
    # three teams' attribute plumbing (as in data-access libraries): what they share is Python's own vocabulary
    plumbing = Capability("cap-001", "getattr, attribute", ("getattr", "attribute"), (
        (_unit("peewee/a.py", 10, "Model.__getattr__", ("getattr", "hasattr", "attribute", "fields")), "peewee", 0.8),
        (_unit("pony/b.py", 10, "Entity.__getattr__", ("getattr", "hasattr", "attribute", "attrs")), "pony", 0.8),
        (_unit("pydal/c.py", 10, "Row.__getattr__", ("getattr", "setattr", "attribute", "getitem")), "pydal", 0.8),
    ))  # fmt: skip
    assert shared_terms(plumbing, ("peewee", "pony", "pydal"), MapSettings()) == ["attribute"]
    assert shared_terms(plumbing, ("peewee", "pony", "pydal"), MapSettings(idioms=frozenset()))[:2] == [
        "attribute",
        "getattr",
    ]


def test_an_opportunity_that_repeats_a_higher_scored_one_is_left_out() -> None:
    from dupfinder.opportunities.capabilities import Capability, MapSettings, capability_opportunities

    def members(teams: tuple[str, ...], lines: tuple[int, ...], words: tuple[str, ...]) -> tuple[Any, ...]:
        return tuple((_unit(f"{t}/cli.py", line, f"run{line}", words), t, 0.8) for t in teams for line in lines)

    words = ("argv", "exit_code", "stdout")
    coarse = Capability("cap-001", "run, exit, argv", ("run", "exit", "argv"),
                        members(("argh", "cleo", "cliff", "cmd2"), (1, 30, 60), words))  # fmt: skip
    # the finer cut's group: most of the same units, one team fewer and one more
    finer = Capability("cap-002", "run, exit, print", ("run", "exit", "print"),
                       members(("cleo", "cliff", "cmd2", "clize"), (1, 30), words))  # fmt: skip
    other = Capability("cap-003", "prompt, input", ("prompt", "input"),
                       members(("argh", "click"), (90, 120), ("prompt_text", "input_value")))  # fmt: skip
    got = capability_opportunities([finer, coarse, other], [])
    assert [o.label for o in got] == ["run, exit, argv", "prompt, input"]
    assert got[0].score > got[1].score
    # 6 of the finer one's 8 units are the coarser one's: a share of 0.75 repeats it, under 0.8 it does not
    assert len(capability_opportunities([finer, coarse, other], [], settings=MapSettings(max_overlap=0.8))) == 3
    assert len(capability_opportunities([finer, coarse, other], [], settings=MapSettings(max_overlap=None))) == 3


def test_the_score_counts_only_teams_whose_evidence_uses_the_shared_terms() -> None:
    from dupfinder.opportunities.capabilities import Capability, MapSettings, capability_opportunities

    # three JOSE libraries' JWT claim checks, and a fourth team whose unit near the group's centre speaks of a cookie
    claims = ("claims", "leeway", "expired", "audience", "issuer", "jwt")
    cap = Capability("cap-001", "claims, leeway", ("claims", "leeway"), (
        (_unit("authlib/c.py", 10, "JWTClaims.validate_exp", claims), "authlib", 0.8),
        (_unit("pyjwt/j.py", 10, "PyJWT._validate_exp", claims[:5]), "pyjwt", 0.8),
        (_unit("joserfc/r.py", 10, "JWTClaimsRegistry.validate_exp", claims[1:]), "joserfc", 0.8),
        (_unit("flask-login/u.py", 10, "cookie_expired", ("cookie", "expired", "duration")), "flask-login", 0.9),
    ))  # fmt: skip
    (opp,) = capability_opportunities([cap], [])
    assert opp.teams == ("authlib", "flask-login", "joserfc", "pyjwt")  # every team with evidence is listed
    assert opp.why["teams_speaking"] == 3 and opp.why["teams_weighted"] == 2.4  # the score counts three
    (every,) = capability_opportunities([cap], [], settings=MapSettings(score_terms=0))
    assert every.why["teams_speaking"] == 4 and every.why["teams_weighted"] == 3.3
    assert every.score - opp.score == 9.0  # ten points per team, at flask-login's confidence
    assert "half of the 5 most shared terms" in str(opp.why["formula"]) and "shared" not in str(every.why["formula"])
