"""Frozen inputs of the reporters' snapshot tests: an enriched scan result, a gate report, a trend.

The snapshots test the reporters' output, so their input is made here by hand
rather than scanned: tuning the scanner must not rewrite them. The pipeline's
behaviour on the fixtures is checked by location in the other tests.
"""

from __future__ import annotations

from dupfinder.model import (
    Adoption,
    CloneHistory,
    Cluster,
    ClusterHistory,
    ClusterId,
    Commit,
    CopyCount,
    DivergentFix,
    FailOn,
    Finding,
    Fingerprint,
    FirstSeen,
    GateReport,
    HistoryReport,
    Inconsistent,
    Instance,
    Opportunity,
    Platform,
    PlatformPoint,
    RepoRef,
    ReportOptions,
    ScanResult,
    ScanStats,
    Sibling,
    Skip,
    TeamPoint,
    TrendPoint,
    TrendSeries,
)

TEMPLATE = "https://git.example/{repo}/blob/{rev}/{path}#L{line}-L{end_line}"
ACME_LINKS = ReportOptions(link_template=TEMPLATE, repos=(RepoRef("", "acme", "0123abc", "monorepo"),))


def copy(path: str, team: str | None, start: int, end: int, name: str | None, language: str, sim: float) -> Instance:
    code = f"def {name or 'anonymous'}(db, username, password):\n    user = db.find(username)\n    return user"
    return Instance(path, start, end, name, language, ".", Fingerprint("fp-" + path), sim, team=team, code=code)


def frozen_result() -> ScanResult:
    """A fixed, enriched result shaped like the acme fixture's.

    The snapshots test the reporters' output, so their input is frozen here
    rather than scanned: tuning the scanner must not rewrite them. The
    pipeline's behaviour on the fixture is checked by location in the other tests.
    """
    login = Cluster(
        ClusterId("c-login-py"),
        0.81,
        (
            copy("platform/acme_auth/sessions.py", "platform-team", 33, 67, "authenticate_user", "python", 1.0),
            copy("services/billing/billing/auth.py", "billing-team", 22, 60, "authenticate_user", "python", 1.0),
            copy("services/loyalty/loyalty/auth.py", "growth-team", 21, 55, "login_member", "python", 1.0),
            copy("services/reporting/reporting/auth.py", "data-team", 23, 58, "authenticate_user", "python", 0.81),
        ),
        category="auth",
        category_confidence=0.88,
        evidence=("names: authenticate, login",),
    )
    login_ts = Cluster(
        ClusterId("c-login-ts"),
        0.87,
        (
            copy(
                "platform/acme-auth-js/src/session.ts",
                "platform-team",
                50,
                73,
                "SessionClient.login",
                "typescript",
                1.0,
            ),
            copy(
                "services/storefront/admin/src/auth/adminSession.ts",
                "merchant-team",
                36,
                62,
                "AdminSessionClient.login",
                "typescript",
                1.0,
            ),
        ),
        category="auth",
    )
    odd = Cluster(
        ClusterId("c-odd"),
        0.75,
        (
            copy("tools/a|b.py", None, 1, 12, "parse_`args`", "python", 1.0),
            copy("tools/c.py", "tools-team", 4, 15, None, "python", 0.75),
        ),
    )
    login_why: dict[str, float | int | str] = {
        "teams": 5, "instances": 6, "score_teams": 40.0, "score_instances": 5.615, "score_duplicated_lines": 7.2,
        "score_repositories": 0.0, "score_languages": 1.0, "score": 53.815,
    }  # fmt: skip
    opportunities = (
        Opportunity(1, "auth", ("billing-team", "data-team", "growth-team", "merchant-team", "platform-team"),
                    (ClusterId("c-login-py"), ClusterId("c-login-ts")), 193, 53.815, login_why,
                    ("billing-team", "data-team", "growth-team"), 6),
        Opportunity(2, None, ("(unowned)", "tools-team"), (ClusterId("c-odd"),), 24, 14.1,
                    {"score_teams": 10.0, "score_instances": 3.17, "score_duplicated_lines": 0.93, "score": 14.1},
                    ("tools-team",), 2),
    )  # fmt: skip
    adoption = (
        Adoption("acme-auth", "auth", ("identity-team", "storefront-team"),
                 ("billing-team", "data-team", "growth-team", "merchant-team"), 0.3333),
    )  # fmt: skip
    return ScanResult(
        roots=(".",),
        stats=ScanStats(files=65, units=92, lines=2875, skipped=(Skip("blob.bin", "binary file"),)),
        clusters=(login, login_ts, odd),
        opportunities=opportunities,
        adoption=adoption,
    )


def inst(path: str, start: int, end: int, name: str | None, team: str | None, fp: str) -> Instance:
    return Instance(path=path, start_line=start, end_line=end, name=name, language="python", root=".",
                    fingerprint=Fingerprint(fp * 32), similarity=1.0, team=team)  # fmt: skip


def frozen_report() -> GateReport:
    """The gate's findings for a pasted login and a short retry copy, frozen (no merge-base hash to vary)."""
    login = inst("services/identity/auth.py", 5, 16, "login", "identity", "a")
    sign_in = inst("services/billing/signin.py", 5, 16, "sign_in", "billing", "a")
    retry = inst("services/billing/http.py", 5, 16, "fetch_with_retry", "billing", "b")
    shipping = inst("services/shipping/client.py", 5, 16, "get_json", "shipping", "b")
    pasted = inst("services/identity/fetch.py", 3, 9, "fetch_profile", "identity", "c")
    platform = Platform(id="acme-auth", title="Acme auth", category="auth", packages={"python": ("acme_auth",)})
    auth = Cluster(ClusterId("c1111111111111111"), 1.0, (login, sign_in), category="auth")
    http = Cluster(ClusterId("c2222222222222222"), 0.71, (retry, pasted, shipping), category="http-retry")
    findings = (
        Finding(pasted, http, (Sibling(retry, 0.74, False), Sibling(shipping, 0.71, False)), "1" * 32, fails=False),
        Finding(sign_in, auth, (Sibling(login, 1.0, False),), "2" * 32, platform=platform, package="acme_auth"),
    )
    return GateReport(findings=findings, against="origin/main (merge-base 0123456789ab)",
                      fail_on=FailOn(lines=10), changed_units=3)  # fmt: skip


def frozen_trend() -> TrendSeries:
    """Three revisions of a repository: duplication grows, then the platform is adopted."""
    points = tuple(
        TrendPoint(
            rev=f"{k}" * 40, date=f"2026-0{k}-01T00:00:00+00:00", files=60 + k, lines=2800 + 40 * k, clusters=3 + k,
            copy_lines=400 + 50 * k, duplicated_lines=300 + 40 * k,
            teams=(TeamPoint("billing-team", 90 + 10 * k, 3), TeamPoint("data-team", 50, 2)),
            adoption=(PlatformPoint("acme-auth", "auth", round(0.2 * k, 4), ("identity-team",), ("billing-team",)),),
        )
        for k in (1, 2, 3)
    )  # fmt: skip
    return TrendSeries("acme", points)


def frozen_history() -> HistoryReport:
    """The history of the login cluster of :func:`frozen_result`: the platform's copy first, one fix in one place."""
    result = frozen_result()
    login = result.clusters[0]
    platform, billing, loyalty, reporting = login.instances
    c1 = Commit("1" * 40, "2025-01-10T09:00:00+00:00", "platform: sessions")
    c2 = Commit("2" * 40, "2025-03-02T09:00:00+00:00", "billing: own login")
    c3 = Commit("3" * 40, "2025-05-20T09:00:00+00:00", "loyalty and reporting: login")
    c4 = Commit("4" * 40, "2025-08-01T09:00:00+00:00", "billing: lock out after 5 failures")
    hist = ClusterHistory(
        login.id,
        (FirstSeen(platform, c1), FirstSeen(billing, c2), FirstSeen(loyalty, c3), FirstSeen(reporting, c3)),
        platform,
        (CopyCount(c1, 1), CopyCount(c2, 2), CopyCount(c3, 4)),
        (DivergentFix(c4, (billing,), (platform, loyalty, reporting),
                      ("@@ -8,1 +8,2 @@", "-    if failures > 10:", "+    if failures >= 5:")),),
    )  # fmt: skip
    return HistoryReport(result, CloneHistory("acme", "4" * 40, 4, (hist,)))


def frozen_inconsistent() -> GateReport:
    """A gate report with one change that reached one copy of three."""
    retry = inst("services/billing/http.py", 5, 16, "fetch_with_retry", "billing", "b")
    shipping = inst("services/shipping/client.py", 5, 16, "get_json", "shipping", "b")
    identity = inst("services/identity/fetch.py", 3, 14, "fetch_profile", "identity", "b")
    http = Cluster(ClusterId("c2222222222222222"), 0.9, (retry, shipping, identity), category="http-retry")
    diff = ("@@ -6,1 +6,1 @@", "-    if resp.status_code >= 500:", "+    if resp.status_code in (429, 503):")
    found = Inconsistent(retry, http, (retry,), (identity, shipping), diff, "3" * 32)
    return GateReport(findings=(), against="origin/main (merge-base 0123456789ab)", inconsistent=(found,))
