"""The HTML report: escaping and self-containment in the file, then behaviour in a real headless Chromium.

The browser tests need Debian's ``chromium`` and ``chromium-driver`` (``.ci/run``
installs them); without them they skip and say so. Selenium talks to
``/usr/bin/chromedriver`` directly, so nothing is downloaded.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import FIXTURES
from dupfinder import ScanConfig
from dupfinder.cli.app import cli
from dupfinder.model import (
    Cluster,
    ClusterId,
    Fingerprint,
    Instance,
    Opportunity,
    PlatformPoint,
    RepoRef,
    ReportOptions,
    ScanResult,
    ScanStats,
    TeamOptions,
    TeamPoint,
    TrendPoint,
)
from dupfinder.pipeline import analyse_codebase
from dupfinder.reporters import html

ACME = FIXTURES / "acme-monorepo"
XSS = FIXTURES / "xss"
TEMPLATE = "https://git.example/{repo}/blob/{rev}/{path}#L{line}"

_results: dict[Path, ScanResult] = {}


def analysed(fixture: Path) -> ScanResult:
    if fixture not in _results:
        _results[fixture] = analyse_codebase([str(fixture)], ScanConfig(jobs=1), teams=TeamOptions(churn=False))[0]
    return _results[fixture]


def page(result: ScanResult, options: ReportOptions | None = None) -> str:
    buf = io.StringIO()
    html.write(result, buf, options or ReportOptions())
    return buf.getvalue()


def hostile_strings() -> list[str]:
    data: list[str] = json.loads((XSS / "expected.json").read_text())["hostile_strings"]
    return data


def xss_teams() -> list[str]:
    return list(json.loads((XSS / "expected.json").read_text())["teams"])


TREND = tuple(
    TrendPoint(
        rev=f"{k:040x}",
        date=f"2024-0{k}-01T12:00:00+00:00",
        files=60 + k,
        lines=2800 + 10 * k,
        clusters=k,
        copy_lines=100 * k,
        duplicated_lines=70 * k,
        teams=(TeamPoint("billing-team", 30 * k, k), TeamPoint("</script><b>x</b>", 10, 1)),
        adoption=(PlatformPoint("acme-auth", "auth", 0.1 * k, ("identity-team",), ("billing-team",)),),
    )
    for k in range(1, 6)
)


# ---------------------------------------------------------------- the file


def test_script_json_cannot_close_its_script_element() -> None:
    text = html.script_json({"code": "</script><script>alert(1)</script><!-- & \u2028"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"code": "</script><script>alert(1)</script><!-- & \u2028"}


def test_hostile_code_never_appears_raw_in_the_file() -> None:
    doc = page(analysed(XSS), ReportOptions(trend=TREND))
    for s in [*hostile_strings(), *xss_teams(), "<b>x</b>"]:
        if "<" in s or ">" in s:
            assert s not in doc, s
    assert len(re.findall(r"<script\b", doc)) == 2  # the JSON data block and the report's own script
    assert "<img" not in doc and "<svg/onload" not in doc


def test_only_the_reports_own_script_may_run() -> None:
    doc = page(analysed(ACME))
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', doc)
    assert csp is not None
    assert "default-src 'none'" in csp[1] and "connect-src" not in csp[1]  # everything else falls back to none
    script = re.search(r"<script>(.*?)</script>", doc, re.S)
    assert script is not None
    digest = base64.b64encode(hashlib.sha256(script[1].encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp[1]
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", doc)  # nothing loaded from anywhere


def test_html_is_deterministic_and_reads_a_plain_scan() -> None:
    result = analysed(ACME)
    assert page(result) == page(result)
    plain = ScanResult(roots=result.roots, stats=result.stats, clusters=result.clusters)
    doc = page(plain)  # never enriched: clusters listed one by one, unranked
    data = json.loads(re.search(r'id="dupfinder-data">(.*?)</script>', doc, re.S)[1])  # type: ignore[index]
    assert [o["rank"] for o in data["opportunities"]] == [None] * len(result.clusters)


def test_evidence_pairs_renamed_lines_and_marks_the_words_that_differ() -> None:
    left = ["def get_user(db, user_id):", "    row = db.query(user_id)", "    return row"]
    right = [
        "def fetch_invoice(db, invoice_id):",
        "    # look it up",
        "    row = db.query(invoice_id)",
        "    return row",
    ]
    diff = html.line_diff(left, right)
    assert diff["ops"] == [["e", 0, 1, 0, 1], ["i", 1, 1, 1, 2], ["e", 1, 3, 2, 4]]
    marks = {(m[0], m[1]): (m[2], m[3]) for m in diff["marks"]}
    assert set(marks) == {(0, 0), (1, 2)}  # "return row" is the same text: not marked
    (ls, rs) = marks[(0, 0)]
    assert [left[0][a:b] for a, b in ls] == ["get_user", "user_id"]
    assert [right[0][a:b] for a, b in rs] == ["fetch_invoice", "invoice_id"]


def synthetic(n_clusters: int, copies: int = 3, code_lines: int = 20) -> ScanResult:
    clusters = []
    opportunities = []
    for k in range(n_clusters):
        cid = ClusterId(f"c{k:05d}")
        insts = tuple(
            Instance(
                path=f"team-{(k + j) % 40:02d}/pkg/module_{k}.py",
                start_line=10,
                end_line=10 + code_lines - 1,
                name=f"helper_{k}",
                language="python",
                root=".",
                fingerprint=Fingerprint(f"f{k}-{j}"),
                similarity=1.0 if j == 0 else 0.9,
                team=f"team-{(k + j) % 40:02d}",
                code="\n".join(
                    f"    value_{j}_{line} = compute(value, {line})  # step {line}" for line in range(code_lines)
                ),
            )
            for j in range(copies)
        )
        clusters.append(Cluster(cid, 0.9, insts, category=f"category-{k % 12}"))
        opportunities.append(
            Opportunity(
                rank=k + 1,
                category=f"category-{k % 12}",
                teams=tuple(sorted({i.team for i in insts if i.team})),
                cluster_ids=(cid,),
                lines=copies * code_lines,
                score=1000.0 - k / 10,
                why={"score_teams": 20.0, "score_instances": 4.0},
                pioneers=(insts[0].team or "",),
                instances=copies,
            )
        )
    stats = ScanStats(files=n_clusters * copies, units=n_clusters * copies, lines=n_clusters * copies * 40)
    return ScanResult(roots=(".",), stats=stats, clusters=tuple(clusters), opportunities=tuple(opportunities))


def test_thousands_of_clusters_keep_the_file_small() -> None:
    doc = page(synthetic(5000), ReportOptions(link_template=TEMPLATE, repos=(RepoRef("", "mono", "abc"),)))
    size = len(doc.encode())
    # 200 clusters with code and diffs, 4,800 more as locations only: 3.8 MB when written
    assert size < 4_500_000, size
    data = json.loads(re.search(r'id="dupfinder-data">(.*?)</script>', doc, re.S)[1])  # type: ignore[index]
    assert sum(1 for c in data["clusters"] if "code" in c) == 200
    assert len(data["clusters"]) == 5000


# ---------------------------------------------------------------- the browser


@pytest.mark.parametrize(
    ("chromium", "driver", "why"),
    [
        ("/usr/bin/chromium", "/usr/bin/chromedriver", None),
        ("/usr/bin/chromium", None, "chromium-driver is not installed (apt-get install chromium-driver;"),
        (None, "/usr/bin/chromedriver", "chromium is not installed (apt-get install chromium;"),
        (None, None, "chromium and chromium-driver are not installed (apt-get install chromium chromium-driver;"),
    ],
)
def test_the_skip_message_names_what_is_missing(chromium: str | None, driver: str | None, why: str | None) -> None:
    got = missing_browser(chromium, driver)
    assert got == why if why is None else (got is not None and got.startswith(why))


def missing_browser(chromium: str | None, driver: str | None) -> str | None:
    """Why the browser tests cannot run (naming exactly what is missing), or None when they can."""
    absent = [name for name, found in (("chromium", chromium), ("chromium-driver", driver)) if found is None]
    if not absent:
        return None
    verb = "is" if len(absent) == 1 else "are"
    return (f"{' and '.join(absent)} {verb} not installed"
            f" (apt-get install {' '.join(absent)}; .ci/run installs them from Debian's packages)")  # fmt: skip


def _driver() -> Any:
    chromium = shutil.which("chromium")
    driver = shutil.which("chromedriver") or (
        "/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else None
    )
    why = missing_browser(chromium, driver)
    if why is not None:
        pytest.skip(why)
    assert chromium is not None and driver is not None
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    profile = tempfile.mkdtemp(prefix="dupfinder-chromium-")
    for arg in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--window-size=1280,1600", f"--user-data-dir={profile}",
    ):  # fmt: skip
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    d = webdriver.Chrome(service=Service(driver), options=opts)
    d.profile_dir = profile
    return d


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    d = _driver()
    # record alert() calls on every page, before any of its scripts run
    d.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument",
        {"source": "window.__alerts = []; window.alert = function (m) { window.__alerts.push(String(m)); };"},
    )
    yield d
    d.quit()
    shutil.rmtree(d.profile_dir, ignore_errors=True)


class Loaded:
    def __init__(self, url: str, console: list[dict[str, Any]], requests: list[tuple[str, str]]) -> None:
        self.url, self.console, self.requests = url, console, requests


def open_report(browser: Any, path: Path) -> Loaded:
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get("about:blank")
    browser.get_log("browser")
    browser.get_log("performance")
    url = path.resolve().as_uri()
    browser.get(url)
    WebDriverWait(browser, 20).until(lambda d: d.find_element("css selector", "body").get_attribute("data-ready"))
    return Loaded(url, browser.get_log("browser"), _requests(browser))


def _requests(browser: Any) -> list[tuple[str, str]]:
    out = []
    for entry in browser.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg["method"] == "Network.requestWillBeSent":
            out.append((msg["params"]["request"]["url"], msg["params"].get("documentURL", "")))
    return out


def check_clean(browser: Any, loaded: Loaded) -> None:
    """No console errors or warnings and no request but the report itself (browser pages aside)."""
    console = loaded.console + browser.get_log("browser")
    assert [e for e in console if e["level"] in ("SEVERE", "WARNING")] == []
    requests = loaded.requests + _requests(browser)
    # the browser's own pages (new tab, components) load chrome:// resources; everything else counts
    ours = [u for u, doc in requests if not u.startswith("chrome") and not doc.startswith("chrome")]
    assert ours and set(ours) == {loaded.url}, ours
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0
    assert browser.execute_script("return window.__alerts") == []


def rows(browser: Any) -> list[Any]:
    return list(browser.find_elements("css selector", "#opportunities tbody tr.opp"))


def choose(browser: Any, select_id: str, value: str) -> None:
    from selenium.webdriver.support.ui import Select

    Select(browser.find_element("id", select_id)).select_by_value(value)


@pytest.fixture(scope="module")
def acme_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "acme.html"
    opts = ReportOptions(link_template=TEMPLATE, repos=(RepoRef("", "acme", "0123abc"),), trend=TREND)
    with out.open("w", encoding="utf-8") as fh:
        html.write(analysed(ACME), fh, opts)
    return out


def test_top_opportunity_heatmap_and_charts_render(browser: Any, acme_html: Path) -> None:
    loaded = open_report(browser, acme_html)
    result = analysed(ACME)
    top = result.opportunities[0]
    first = rows(browser)[0]
    assert first.get_attribute("data-rank") == "1"
    assert first.find_element("css selector", "td.category").text == top.category
    assert f"{top.instances}" in first.text and f"{top.score:.2f}" in first.text
    for pioneer in top.pioneers:
        assert pioneer in first.text
    assert len(rows(browser)) == len(result.opportunities)
    # each row counts the opportunity's own teams, as text and JSON do (auth: 6, not the platform's team too)
    for row, o in zip(rows(browser), result.opportunities, strict=True):
        assert row.find_element("css selector", "td.teams strong").text.strip() == str(len(o.teams))
    # heatmap: a column per opportunity, a row per team with copies, each cell the team's copies
    heat = browser.find_element("id", "heatmap")
    assert len(heat.find_elements("css selector", "thead th.col")) == len(result.opportunities)
    teams = {i.team for c in result.clusters for i in c.instances}
    assert {r.get_attribute("data-team") for r in heat.find_elements("css selector", "tbody tr")} == teams
    orders = heat.find_element("css selector", 'tbody tr[data-team="orders-team"]')
    cells = [td.text for td in orders.find_elements("css selector", "td.cell")]
    ranks = {o.category: o.rank for o in result.opportunities}
    assert cells[ranks["data-access"] - 1] == "2" and cells[ranks["auth"] - 1] == ""
    # adoption and the trend charts are drawn
    assert "25%" in browser.find_element("id", "adoption").text
    assert len(browser.find_elements("css selector", "#trend svg.chart polyline")) == 4  # 3 series + 1 platform
    assert "</script><b>x</b>" in browser.find_element("id", "trend").text
    check_clean(browser, loaded)


def test_filters_by_team_category_language_and_text(browser: Any, acme_html: Path) -> None:
    loaded = open_report(browser, acme_html)

    def shown() -> list[str]:
        return [r.find_element("css selector", "td.category").text for r in rows(browser)]

    choose(browser, "filter-team", "orders-team")
    assert shown() == ["data-access"]
    assert browser.find_element("id", "filter-count").text == "1 of 3 opportunities"
    assert len(browser.find_elements("css selector", "#heatmap thead th.col")) == 1
    assert browser.find_element("css selector", "#heatmap tr.hl").get_attribute("data-team") == "orders-team"
    choose(browser, "filter-team", "")
    choose(browser, "filter-language", "go")
    assert shown() == ["http-retry"]
    choose(browser, "filter-language", "")
    choose(browser, "filter-category", "auth")
    assert shown() == ["auth"]
    browser.find_element("id", "filter-reset").click()
    browser.find_element("id", "filter-text").send_keys("loyalty")
    assert sorted(shown()) == ["auth", "data-access"]
    browser.find_element("id", "filter-reset").click()
    assert len(shown()) == 3
    check_clean(browser, loaded)


def test_copies_side_by_side_with_links(browser: Any, acme_html: Path) -> None:
    loaded = open_report(browser, acme_html)
    rows(browser)[0].click()
    clusters = browser.find_elements("css selector", "details.cluster")
    assert len(clusters) == len(analysed(ACME).opportunities[0].cluster_ids)
    clusters[0].find_element("css selector", "summary").click()
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    # the copies are drawn on the details' toggle event, which fires after the click returns
    diff = WebDriverWait(browser, 5).until(lambda _: clusters[0].find_element("css selector", "table.diff"))
    links = [a.get_attribute("href") for a in clusters[0].find_elements("css selector", "table.copies a")]
    assert links and all(u.startswith("https://git.example/acme/blob/0123abc/") and "#L" in u for u in links)
    assert diff.find_elements("css selector", "tbody tr")
    # the renamed and edited copies show what differs
    sel = clusters[0].find_element("css selector", "select.compare-with")
    for option in sel.find_elements("css selector", "option"):
        option.click()
        # the page replaces the table on change: read the new one, waiting out the swap
        assert WebDriverWait(browser, 5, ignored_exceptions=(StaleElementReferenceException,)).until(
            lambda _: clusters[0].find_element("css selector", "table.diff thead").text.count(":") >= 2
        )
    assert clusters[0].find_elements("css selector", "table.diff mark")
    check_clean(browser, loaded)


def test_hostile_code_shows_as_text_and_runs_nothing(browser: Any, tmp_path: Path) -> None:
    out = tmp_path / "xss.html"
    res = CliRunner().invoke(cli, ["report", str(XSS), "-q", "--jobs", "1", "--no-churn", "-o", str(out)])
    assert res.exit_code == 0, res.output
    loaded = open_report(browser, out)
    for row in range(len(rows(browser))):
        rows(browser)[row].click()
    from selenium.webdriver.support.ui import WebDriverWait

    clusters = browser.find_elements("css selector", "details.cluster")
    for details in clusters:
        details.find_element("css selector", "summary").click()
    # each cluster's copies are drawn on its toggle event, after the click returns
    WebDriverWait(browser, 5).until(
        lambda _: len(browser.find_elements("css selector", "details.cluster table.copies")) == len(clusters)
    )
    text = browser.find_element("tag name", "body").text
    for s in hostile_strings():
        assert s in text, s
    options = {o.text for o in browser.find_elements("css selector", "#filter-team option")}
    assert set(xss_teams()) <= options
    assert (
        browser.execute_script("return document.querySelectorAll('img, iframe, object, embed, svg image').length") == 0
    )
    assert browser.execute_script("return document.scripts.length") == 2
    check_clean(browser, loaded)


def test_thousands_of_clusters_paginate(browser: Any, tmp_path: Path) -> None:
    out = tmp_path / "big.html"
    out.write_text(page(synthetic(3000)), encoding="utf-8")
    loaded = open_report(browser, out)
    assert [r.get_attribute("data-rank") for r in rows(browser)] == [str(k) for k in range(1, 21)]
    assert browser.find_element("css selector", "#opp-pager .page-of").text == "Page 1 of 150"
    browser.find_elements("css selector", "#opp-pager button")[1].click()
    assert rows(browser)[0].get_attribute("data-rank") == "21"
    # only one page is in the document, not 3,000 rows
    assert browser.execute_script("return document.getElementsByTagName('*').length") < 3000
    # a cluster past the evidence budget lists its copies without code
    browser.find_element("id", "filter-text").send_keys("helper_2999")
    rows(browser)[0].click()
    browser.find_element("css selector", "details.cluster summary").click()
    from selenium.webdriver.support.ui import WebDriverWait

    # the copies are drawn on the details' toggle event, after the click returns
    assert WebDriverWait(browser, 5).until(
        lambda _: (
            "Code is embedded for the first 200 clusters only" in browser.find_element("css selector", "tr.detail").text
        )
    )
    check_clean(browser, loaded)


def test_score_bars_share_one_scale_and_one_colour_per_part(browser: Any, acme_html: Path) -> None:
    loaded = open_report(browser, acme_html)
    legend = {
        s.text: s.find_element("css selector", ".swatch").value_of_css_property("background-color")
        for s in browser.find_elements("css selector", "#score-legend .part")
    }
    assert set(legend) == set(html.PART_COLOURS)
    assert len(set(legend.values())) == len(legend)  # one colour per part
    scale = max(o.score for o in analysed(ACME).opportunities)
    seen: set[str] = set()
    widest = 0.0
    for row in rows(browser):
        bar = row.find_element("css selector", ".scorebar")
        px_per_point = bar.size["width"] / scale  # the same for every row: one scale
        total = 0.0
        for seg in bar.find_elements("css selector", "span"):
            part = seg.get_attribute("data-part")
            points = float(seg.get_attribute("title").rsplit(" ", 1)[1])
            width = browser.execute_script("return arguments[0].getBoundingClientRect().width", seg)
            assert abs(width - points * px_per_point) <= 1.0, (part, points, width)
            assert seg.value_of_css_property("background-color") == legend[part], part  # the legend's colour
            seen.add(part)
            total += width
        widest = max(widest, total)
    assert {"teams", "copies", "duplicated lines"} <= seen
    assert abs(widest - rows(browser)[0].find_element("css selector", ".scorebar").size["width"]) <= 1.5
    check_clean(browser, loaded)


_WHOLE = """
var th = arguments[0], r = document.createRange(); r.selectNodeContents(th);
var t = r.getBoundingClientRect(), b = th.getBoundingClientRect();
return [t.top >= b.top - 1 && t.bottom <= b.bottom + 1 && t.left >= b.left - 1 && t.right <= b.right + 1,
        th.scrollHeight <= th.clientHeight + 1 && th.scrollWidth <= th.clientWidth + 1];
"""


def test_heatmap_column_labels_are_whole(browser: Any, tmp_path: Path) -> None:
    from dataclasses import replace

    base = synthetic(4)
    labels = ["session tokens, password hashing and login for every storefront app",
              "retrying HTTP client with exponential backoff and jitter for partner APIs",
              "csv", "configuration loading from environment and files"]  # fmt: skip
    opps = tuple(replace(o, category=None, label=label) for o, label in zip(base.opportunities, labels, strict=True))
    result = replace(base, clusters=tuple(replace(c, category=None) for c in base.clusters), opportunities=opps)
    out = tmp_path / "heat.html"
    out.write_text(page(result), encoding="utf-8")
    loaded = open_report(browser, out)
    heads = browser.find_elements("css selector", "#heatmap thead th.col")
    assert [h.text.replace("\n", " ") for h in heads] == [f"#{o.rank} {o.label}" for o in opps]
    for head in heads:
        inside, not_clipped = browser.execute_script(_WHOLE, head)
        assert inside and not_clipped, head.text
    check_clean(browser, loaded)


def test_no_platform_says_how_to_declare_one(browser: Any, tmp_path: Path) -> None:
    out = tmp_path / "plain.html"
    out.write_text(page(synthetic(3)), encoding="utf-8")
    loaded = open_report(browser, out)
    section = browser.find_element("id", "adoption")
    assert ".dupfinder/rules/platforms.yaml" in section.text and "--rules DIR" in section.text
    example = section.find_element("css selector", "pre.example").text
    assert example.strip() == html.PLATFORM_EXAMPLE.strip()
    check_clean(browser, loaded)


def test_the_platform_example_is_the_fixtures_declaration() -> None:
    declared = (ACME / ".dupfinder" / "rules" / "platforms.yaml").read_text(encoding="utf-8")
    body = "\n".join(line for line in declared.splitlines() if line and not line.startswith("#")) + "\n"
    assert body == html.PLATFORM_EXAMPLE
    from dupfinder.rules.loading import load_ruleset

    assert [p.id for p in load_ruleset(paths=[str(ACME)]).platforms] == ["acme-auth"]  # and it loads
    assert "No platform package is declared" not in page(analysed(ACME))  # only shown when none is
