"""The teams x clusters graph, ranked opportunities, pioneers, adoption, enrichment and churn."""

from __future__ import annotations

import dataclasses
import math
import os
import subprocess
from pathlib import Path

import pytest

from dupfinder.model import Cluster, ClusterId, Fingerprint, Instance, ScanResult, ScanStats
from dupfinder.opportunities.enrich import enrich
from dupfinder.opportunities.graph import UNOWNED, build_graph, cluster_node, team_node, team_projection
from dupfinder.opportunities.rank import FORMULA, adoption, compute_adoption, rank_opportunities, score_parts
from dupfinder.ownership.churn import git_churn
from dupfinder.ownership.resolver import build_resolver
from dupfinder.rules import RuleSet, load_rules


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    # the built-in rules plus the acme fixture's own platform declarations
    return load_rules([Path(__file__).resolve().parents[1] / "fixtures" / "acme-monorepo" / ".dupfinder" / "rules"])


def copy(
    path: str,
    team: str | None,
    lines: int = 20,
    *,
    name: str = "f",
    language: str = "python",
    root: str = ".",
    start: int = 1,
) -> Instance:
    return Instance(
        path=path,
        start_line=start,
        end_line=start + lines - 1,
        name=name,
        language=language,
        root=root,
        fingerprint=Fingerprint(f"{path}:{start}"),
        similarity=1.0,
        team=team,
    )


def cluster(cid: str, category: str | None, *instances: Instance) -> Cluster:
    return Cluster(ClusterId(cid), 0.9, instances, category)


def login_cluster() -> Cluster:
    return cluster(
        "c-login",
        "auth",
        copy("billing/auth.py", "billing", 30),
        copy("loyalty/auth.py", "loyalty", 32),
        copy("reporting/auth.py", "reporting", 28),
        copy("support/login.ts", "support", 30, language="typescript"),
    )


def retry_cluster(lines: int = 60) -> Cluster:
    return cluster(
        "c-retry",
        "http-retry",
        copy("search/http.py", "search", lines),
        copy("search/client.py", "search", lines),
        copy("cart/http.py", "cart", lines),
        copy("cart/api.py", "cart", lines),
        copy("cart/api2.py", "cart", lines),
    )


# ---------------------------------------------------------------- graph


def test_bipartite_graph_nodes_and_edge_weights() -> None:
    c = cluster("c1", "auth", copy("a.py", "web", 10), copy("b.py", "web", 12), copy("c.py", None, 7))
    g = build_graph([c])
    assert g.nodes[team_node("web")]["bipartite"] == 0
    assert g.nodes[team_node(UNOWNED)]["bipartite"] == 0
    assert g.nodes[cluster_node("c1")] == {"bipartite": 1, "category": "auth", "lines": 29, "instances": 3}
    assert g.edges[team_node("web"), cluster_node("c1")] == {"weight": 22, "copies": 2}  # lines of its copies
    assert g.edges[team_node(UNOWNED), cluster_node("c1")] == {"weight": 7, "copies": 1}


def test_team_projection_counts_shared_clusters() -> None:
    c1 = cluster("c1", None, copy("a.py", "a"), copy("b.py", "b"), copy("c.py", "c"))
    c2 = cluster("c2", None, copy("a2.py", "a"), copy("b2.py", "b"))
    p = team_projection(build_graph([c1, c2]))
    assert sorted(p.nodes) == [team_node("a"), team_node("b"), team_node("c")]
    assert p.edges[team_node("a"), team_node("b")]["weight"] == 2
    assert p.edges[team_node("a"), team_node("c")]["weight"] == 1


# ---------------------------------------------------------------- ranking


def test_login_shared_by_more_teams_outranks_retry_shared_by_fewer() -> None:
    login, retry = login_cluster(), retry_cluster(lines=200)  # retry: more copies, far more lines
    assert retry.duplicated_lines > 5 * login.duplicated_lines
    opps = rank_opportunities([retry, login])
    assert [(o.rank, o.category) for o in opps] == [(1, "auth"), (2, "http-retry")]
    assert opps[0].teams == ("billing", "loyalty", "reporting", "support")
    assert opps[1].teams == ("cart", "search")
    assert opps[0].why["teams"] == 4 and opps[1].why["teams"] == 2


def test_one_team_of_difference_can_be_overturned_by_a_much_larger_problem() -> None:
    small = cluster("c-a", "caching", copy("a.py", "a", 5), copy("b.py", "b", 5), copy("c.py", "c", 5))
    big = cluster("c-b", "config", *[copy(f"x{i}.py", "x" if i % 2 else "y", 400) for i in range(40)])
    assert [o.category for o in rank_opportunities([small, big])] == ["config", "caching"]


def test_clusters_of_one_category_form_one_opportunity_across_languages() -> None:
    py = cluster("c1", "auth", copy("a/auth.py", "a"), copy("b/auth.py", "b"))
    ts = cluster(
        "c2", "auth", copy("c/auth.ts", "c", language="typescript"), copy("d/auth.ts", "d", language="typescript")
    )
    (opp,) = rank_opportunities([ts, py])
    assert opp.cluster_ids == ("c1", "c2")
    assert opp.instances == 4 and opp.lines == 80
    assert opp.why["languages"] == 2 and opp.why["language_names"] == "python, typescript"
    assert opp.why["clusters"] == 2


def test_uncategorised_clusters_stay_apart_and_sort_last_on_ties() -> None:
    a = cluster("c-b", None, copy("a.py", "a"), copy("b.py", "b"))
    b = cluster("c-a", None, copy("c.py", "a"), copy("d.py", "b"))
    c = cluster("c-z", "caching", copy("e.py", "a"), copy("f.py", "b"))
    opps = rank_opportunities([a, b, c])
    assert [(o.category, o.cluster_ids) for o in opps] == [("caching", ("c-z",)), (None, ("c-a",)), (None, ("c-b",))]
    assert [o.rank for o in opps] == [1, 2, 3]
    assert len({o.score for o in opps}) == 1


def test_why_shows_every_part_and_they_add_up() -> None:
    c = cluster(
        "c1",
        "auth",
        copy("a.py", "a", 10, root="repo-a"),
        copy("b.ts", "b", 20, root="repo-b", language="typescript"),
        copy("c.py", None, 30, root="repo-b"),
    )
    (opp,) = rank_opportunities([c])
    why = opp.why
    assert why["teams"] == 3  # a, b and the unowned bucket
    assert why["unowned_instances"] == 1
    assert why["duplicated_lines"] == 30 and why["lines"] == 60
    assert why["repositories"] == 2 and why["languages"] == 2
    assert why["score_teams"] == 20.0
    assert why["score_instances"] == round(2 * math.log2(4), 3)
    assert why["score_duplicated_lines"] == round(math.log2(31), 3)
    assert why["score_repositories"] == 2.0 and why["score_languages"] == 1.0
    parts = [v for k, v in why.items() if k.startswith("score_")]
    assert opp.score == why["score"] == round(sum(float(p) for p in parts), 3)
    assert why["formula"] == FORMULA and "churn" not in why


def test_churn_adds_points_when_history_is_given() -> None:
    c = login_cluster()
    plain = score_parts(c.instances, [c])
    churned = score_parts(c.instances, [c], churn={"billing/auth.py": 6, "loyalty/auth.py": 1, "unrelated.py": 99})
    assert churned["churn"] == 7 and churned["score_churn"] == 3.0
    assert float(churned["score"]) == pytest.approx(float(plain["score"]) + 3.0)


def test_ranking_is_deterministic_and_order_independent() -> None:
    clusters = [login_cluster(), retry_cluster(), cluster("c-x", None, copy("q.py", "q"), copy("r.py", "r"))]
    first = rank_opportunities(clusters)
    assert rank_opportunities(list(reversed(clusters))) == first
    assert [o.rank for o in first] == [1, 2, 3]


def test_no_clusters_no_opportunities() -> None:
    assert rank_opportunities([]) == ()


# ---------------------------------------------------------------- pioneers


def test_pioneers_share_the_most_and_own_the_most() -> None:
    c1 = cluster("c1", "auth", copy("a1.py", "a", 50), copy("b1.py", "b", 10), copy("c1.py", "c", 10))
    c2 = cluster("c2", "auth", copy("a2.py", "a", 10), copy("b2.py", "b", 10))
    c3 = cluster("c3", "auth", copy("d3.py", "d", 10), copy("e3.py", "e", 10))
    (opp,) = rank_opportunities([c1, c2, c3])
    # a and b share two clusters (weighted degree 3 each); a owns more lines
    assert opp.pioneers == ("a", "b", "c")  # ceil(5 / 2) = 3
    assert opp.teams == ("a", "b", "c", "d", "e")


def test_pioneers_count_and_churn_tie_break() -> None:
    c = cluster("c1", "auth", copy("a.py", "a"), copy("b.py", "b"))
    assert rank_opportunities([c])[0].pioneers == ("a",)  # equal: by name
    assert rank_opportunities([c], churn={"b.py": 9})[0].pioneers == ("b",)  # better maintained


def test_unowned_is_never_a_pioneer() -> None:
    c = cluster("c1", "auth", copy("a.py", None, 90), copy("b.py", None, 90), copy("c.py", "web", 5))
    (opp,) = rank_opportunities([c])
    assert opp.teams == (UNOWNED, "web") and opp.pioneers == ("web",)
    (alone,) = rank_opportunities([cluster("c2", None, copy("a.py", None), copy("b.py", None))])
    assert alone.teams == (UNOWNED,) and alone.pioneers == ()


def test_platform_code_counts_but_is_never_a_pioneer() -> None:
    c = cluster(
        "c1",
        "auth",
        copy("platform/acme_auth/sessions.py", "platform", 90),
        copy("a.py", "a", 10),
        copy("b.py", "b", 20),
    )
    (opp,) = rank_opportunities([c], platform_code=lambda p: p.startswith("platform/"))
    assert opp.teams == ("a", "b") and opp.why["teams"] == 2  # the platform's own code is no team's copy
    assert opp.why["platform_instances"] == 1
    assert opp.pioneers == ("b",)
    assert rank_opportunities([c])[0].pioneers[0] == "platform"  # without the hint it would lead


# ---------------------------------------------------------------- adoption


def test_adoption_rate_adopters_and_rolling_their_own(rules: RuleSet) -> None:
    login = login_cluster()
    platform_copy = copy("platform/acme_auth/sessions.py", "identity", 30, start=40)
    login = dataclasses.replace(login, instances=(*login.instances, platform_copy))
    file_imports = {
        "identity/api.py": ("acme_auth", "flask"),
        "web/auth.ts": ("@acme/auth",),
        "billing/auth.py": ("hashlib",),
        "reporting/auth.py": ("acme_auth.sessions",),  # imports the platform and keeps a copy
        "platform/acme_auth/__init__.py": ("acme_auth.sessions",),  # the platform itself
        "ghost.py": ("acme_auth",),  # no team known for it
    }
    file_teams = {
        "identity/api.py": "identity",
        "web/auth.ts": "storefront",
        "billing/auth.py": "billing",
        "reporting/auth.py": "reporting",
        "platform/acme_auth/__init__.py": "identity",
    }
    (acme,) = compute_adoption([login, retry_cluster()], file_imports, file_teams, rules)
    assert acme.platform == "acme-auth" and acme.category == "auth"
    assert acme.adopters == (UNOWNED, "identity", "reporting", "storefront")
    assert acme.rolling_their_own == ("billing", "loyalty", "reporting", "support")
    assert acme.rate == round(4 / 7, 4)  # reporting counts once, as an adopter
    assert ("reporting", "reporting/auth.py", 1, 28) in acme.copies
    assert all(c[1] != "platform/acme_auth/sessions.py" for c in acme.copies)


def test_adoption_language_restricts_the_ecosystem(rules: RuleSet) -> None:
    imports = {"a.py": ("@acme/auth",)}  # not a Python package name
    (acme,) = compute_adoption([], imports, {"a.py": "x"}, rules, languages={"a.py": "python"})
    assert acme.adopters == () and acme.rate == 0.0
    (acme,) = compute_adoption([], imports, {"a.py": "x"}, rules)  # language unknown: any ecosystem
    assert acme.adopters == ("x",) and acme.rate == 1.0


def test_adoption_with_no_code_in_the_category(rules: RuleSet) -> None:
    (acme,) = compute_adoption([retry_cluster()], {}, {}, rules)
    assert (acme.adopters, acme.rolling_their_own, acme.rate, acme.copies) == ((), (), 0.0, ())


# ---------------------------------------------------------------- enrichment end to end


def scan_result(base: Path, clusters: tuple[Cluster, ...], file_imports: dict[str, tuple[str, ...]]) -> ScanResult:
    return ScanResult(
        roots=(".",),
        stats=ScanStats(files=len(file_imports), units=0, lines=0),
        clusters=clusters,
        base=str(base),
        file_imports=file_imports,
    )


def auth_copy(path: str, language: str = "python") -> Instance:
    inst = copy(path, None, 25, name="login_member", language=language)
    return dataclasses.replace(
        inst,
        identifiers=("login_member", "passphrase", "session_key", "store"),
        calls=("hashlib.pbkdf2_hmac", "secrets.token_hex"),
        imports=("hashlib", "secrets"),
    )


def retry_copy(path: str) -> Instance:
    inst = copy(path, None, 18, name="get_with_retry")
    return dataclasses.replace(inst, identifiers=("attempt", "backoff", "url"), calls=("requests.get", "time.sleep"))


def test_enrich_end_to_end(tmp_path: Path, rules: RuleSet) -> None:
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github/CODEOWNERS").write_text(
        "* @acme/platform\n/billing/ @acme/billing\n/loyalty/ @acme/loyalty\n/support/ @acme/support\n"
        "/search/ @acme/search\n/cart/ @acme/cart\n",
        encoding="utf-8",
    )
    (tmp_path / "reporting").mkdir()
    (tmp_path / "reporting/catalog-info.yaml").write_text("spec:\n  owner: group:default/data-team\n")
    login = Cluster(
        ClusterId("c-login"),
        0.9,
        (
            auth_copy("billing/auth.py"),
            auth_copy("loyalty/auth.py"),
            auth_copy("reporting/auth.py"),
            auth_copy("support/login.py"),
        ),
    )
    retry = Cluster(ClusterId("c-retry"), 0.9, (retry_copy("search/http.py"), retry_copy("cart/http.py")))
    imports = {i.path: i.imports for c in (login, retry) for i in c.instances}
    imports["identity/api.py"] = ("acme_auth",)
    imports["README.py"] = ()
    before = scan_result(tmp_path, (retry, login), imports)
    resolver = build_resolver(str(tmp_path), ["."], None, "root")

    after = enrich(before, resolver, rules)

    assert before.clusters == (retry, login) and before.file_teams == {}  # never mutated
    assert after.file_teams == {
        "README.py": "platform",
        "billing/auth.py": "billing",
        "cart/http.py": "cart",
        "identity/api.py": "platform",
        "loyalty/auth.py": "loyalty",
        "reporting/auth.py": "platform",  # CODEOWNERS "*" outranks catalog-info
        "search/http.py": "search",
        "support/login.py": "support",
    }
    assert [c.category for c in after.clusters] == ["http-retry", "auth"]
    assert [i.team for i in after.clusters[1].instances] == ["billing", "loyalty", "platform", "support"]
    assert [(o.rank, o.category, len(o.teams)) for o in after.opportunities] == [(1, "auth", 4), (2, "http-retry", 2)]
    (acme,) = after.adoption
    assert acme.adopters == ("platform",)
    assert acme.rolling_their_own == ("billing", "loyalty", "platform", "support")
    assert acme.rate == 0.25
    assert adoption(after, rules) == after.adoption


def test_categories_on_worker_processes_are_the_same_as_in_process(
    tmp_path: Path, rules: RuleSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dupfinder.opportunities.enrich as enrich_mod

    clusters = tuple(
        Cluster(
            ClusterId(f"c-{k}"), 0.9, tuple(dataclasses.replace(make(f"t{k}/{f}.py"), code=f"# {k}{f}\n") for f in "ab")
        )
        for k in range(7)
        for make in (auth_copy, retry_copy)
    )
    imports = {i.path: i.imports for c in clusters for i in c.instances}
    before = scan_result(tmp_path, clusters, imports)
    resolver = build_resolver(str(tmp_path), ["."], None, "repo")
    alone = enrich(before, resolver, rules)
    monkeypatch.setattr(enrich_mod, "_PARALLEL_CATEGORIES", 2)  # these few clusters go to the pool
    pooled = enrich(before, resolver, rules, jobs=2)
    assert pooled == alone
    assert [c.category for c in pooled.clusters] == ["auth", "http-retry"] * 7
    assert all(i.code for c in pooled.clusters for i in c.instances)  # the copies keep their code


def test_enrich_code_base_with_no_owners(tmp_path: Path, rules: RuleSet) -> None:
    login = Cluster(ClusterId("c-login"), 0.9, (auth_copy("a/auth.py"), auth_copy("b/auth.py")))
    before = scan_result(tmp_path, (login,), {"a/auth.py": ("hashlib",), "b/auth.py": (), "c/other.py": ()})
    after = enrich(before, build_resolver(str(tmp_path), ["."], None, "none"), rules)
    assert after.file_teams == {"a/auth.py": None, "b/auth.py": None, "c/other.py": None}  # reported, not dropped
    assert [i.team for i in after.clusters[0].instances] == [None, None]
    # one (unknown) team holds every copy: its own clean-up, not a platform opportunity
    assert after.opportunities == ()
    (cleanup,) = after.team_cleanups
    assert cleanup.team == UNOWNED and cleanup.cluster_ids == ("c-login",) and cleanup.lines == login.lines
    (acme,) = after.adoption
    assert acme.adopters == () and acme.rolling_their_own == (UNOWNED,) and acme.rate == 0.0


# ---------------------------------------------------------------- churn


def git(repo: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


def test_git_churn_counts_commits_per_file(tmp_path: Path) -> None:
    repo = tmp_path / "svc"
    repo.mkdir()
    git(repo, "init", "-q")
    for i in range(3):
        (repo / "a.py").write_text(f"x = {i}\n")
        if i == 1:
            (repo / "b.py").write_text("y = 1\n")
        git(repo, "add", ".")
        git(repo, "commit", "-q", "-m", f"c{i}")
    (tmp_path / "loose.py").write_text("")
    churn = git_churn(str(tmp_path), ["svc/a.py", "svc/b.py", "svc/never.py", "loose.py"])
    assert churn == {"svc/a.py": 3, "svc/b.py": 1}


def test_adoption_counts_the_teams_the_capability_map_finds_implementing_the_platform(rules: RuleSet) -> None:
    from dupfinder.opportunities.rank import compute_adoption

    platform = rules.platforms[0]
    found = compute_adoption([], {}, {}, rules, implementers={platform.category: ["orders", "billing"]})
    mine = next(a for a in found if a.platform == platform.id)
    assert mine.rolling_their_own == ("billing", "orders") and mine.rate == 0.0 and mine.copies == ()
