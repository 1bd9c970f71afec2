"""Markdown and CSV reports: the acme fixture, hostile input, links (their snapshots: tests/test_snapshots.py)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt

from conftest import FIXTURES
from dupfinder import ScanConfig
from dupfinder.cli.app import cli
from dupfinder.errors import DupfinderError
from dupfinder.model import (
    DEFAULT_OPTIONS,
    Cluster,
    ClusterId,
    Fingerprint,
    Instance,
    RepoRef,
    ReportOptions,
    ScanResult,
    ScanStats,
    TeamOptions,
)
from dupfinder.pipeline import analyse_codebase
from dupfinder.reporters import csv as csv_report
from dupfinder.reporters import get, markdown
from dupfinder.reporters.common import check_link_template, link
from frozen import TEMPLATE

SNAPSHOTS = Path(__file__).parent / "snapshots"
ACME = FIXTURES / "acme-monorepo"
XSS = FIXTURES / "xss"

_results: dict[Path, ScanResult] = {}


def analysed(fixture: Path) -> ScanResult:
    # churn off: the fixture's git history changes with every commit of this repository
    if fixture not in _results:
        _results[fixture] = analyse_codebase([str(fixture)], ScanConfig(jobs=1), teams=TeamOptions(churn=False))[0]
    return _results[fixture]


def rendered(write: Any, result: ScanResult, options: ReportOptions = DEFAULT_OPTIONS) -> str:
    buf = io.StringIO()
    write(result, buf, options)
    return buf.getvalue()


def test_csv_has_one_row_per_copy_in_rank_order() -> None:
    result = analysed(ACME)
    rows = list(csv.DictReader(io.StringIO(rendered(get("csv"), result))))
    assert len(rows) == sum(len(c.instances) for c in result.clusters)
    assert list(rows[0]) == list(csv_report.COLUMNS)
    ranks = [int(r["opportunity_rank"]) for r in rows]
    assert ranks == sorted(ranks) and ranks[0] == 1
    by_rank = {o.rank: o for o in result.opportunities}
    for r in rows:
        opp = by_rank[int(r["opportunity_rank"])]
        assert r["cluster_id"] in opp.cluster_ids and r["category"] == opp.category
        assert int(r["lines"]) == int(r["end_line"]) - int(r["start_line"]) + 1
        assert r["url"] == ""  # no template given
    planted = {(i["path"], i["start_line"], i["end_line"]) for g in expected(ACME)["groups"] for i in g["instances"]}
    assert {(r["path"], int(r["start_line"]), int(r["end_line"])) for r in rows} == planted


def expected(fixture: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((fixture / "expected.json").read_text())
    return data


def test_markdown_of_hostile_code_renders_no_markup() -> None:
    text = rendered(get("markdown"), analysed(XSS))
    html = MarkdownIt("commonmark", {"html": True}).enable("table").render(text)
    # raw HTML would pass through this renderer untouched: none may be left
    assert "<img" not in html and "<script" not in html and "<svg" not in html
    for team in expected(XSS)["teams"]:
        assert team.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;") in html
    assert "</table>" in html  # the ranked table is still a table: no cell broke out of it


def instance(path: str, team: str | None, name: str | None = "f", start: int = 1) -> Instance:
    return Instance(path, start, start + 9, name, "python", ".", Fingerprint("fp-" + path), 1.0, team=team)


def result_of(*clusters: Cluster) -> ScanResult:
    return ScanResult(roots=(".",), stats=ScanStats(files=2, units=2, lines=20), clusters=clusters)


def test_csv_cells_never_start_a_formula() -> None:
    hostile = Cluster(
        ClusterId("c1"),
        0.9,
        (instance("=HYPERLINK(x)/a.py", "+team", "@cmd"), instance("b.py", "-1+1", None)),
    )
    rows = list(csv.reader(io.StringIO(rendered(get("csv"), result_of(hostile)))))
    assert rows[1][3:5] == ["'+team", "'=HYPERLINK(x)/a.py"]
    assert rows[1][10] == "'@cmd"
    assert rows[2][3] == "'-1+1" and rows[2][10] == ""
    assert rows[1][0] == ""  # a cluster in no opportunity has no rank


def test_markdown_lists_clusters_without_opportunities() -> None:
    plain = Cluster(ClusterId("c1"), 0.9, (instance("a/x.py", None, "load_config"), instance("b/y.py", "b")))
    text = rendered(get("markdown"), result_of(plain))
    assert "## Ranked opportunities" not in text
    assert "- `a/x.py:1-10` `load_config`: unowned, python, similarity 1.00" in text


def test_code_spans_survive_backticks_and_pipes() -> None:
    assert markdown.code("a`b|c") == "``a`b\\|c``"
    assert markdown.text("x|<b>*y*") == "x\\|\\<b\\>\\*y\\*"


def test_links_encode_the_path_and_keep_the_scheme() -> None:
    opts = ReportOptions(link_template=TEMPLATE, repos=(RepoRef("", "mono", "abc"), RepoRef("svc/pay", "pay", "def")))
    assert link(opts, "svc/pay/src/a b.py", 3, 9) == "https://git.example/pay/blob/def/src/a%20b.py#L3-L9"
    assert link(opts, "lib/<x>.py", 1, 2) == "https://git.example/mono/blob/abc/lib/%3Cx%3E.py#L1-L2"
    # a path cannot change the scheme of a template that starts with the path
    hostile = replace(opts, link_template="{path}")
    assert link(hostile, "javascript:alert(1)", 1, 1) == "javascript%3Aalert%281%29"
    assert link(ReportOptions(), "a.py", 1, 2) is None


@pytest.mark.parametrize(
    ("template", "error"),
    [
        ("javascript:alert(1)//{path}", "scheme 'javascript' not allowed"),
        ("https://x/{file}", "unknown field {file}"),
        ("https://x/{path", "--link-template:"),
    ],
)
def test_bad_link_templates_are_refused(template: str, error: str) -> None:
    with pytest.raises(DupfinderError, match=error.replace("{", r"\{").replace("}", r"\}")):
        check_link_template(template)


def test_report_command_writes_markdown_and_csv(tmp_path: Path) -> None:
    md, table = tmp_path / "r.md", tmp_path / "r.csv"
    for out in (md, table):
        args = ["report", str(XSS), "-q", "--jobs", "1", "--no-churn", "-o", str(out)]
        res = CliRunner().invoke(
            cli, [*args, "--link-template", "https://git.example/{repo}/blob/{rev}/{path}#L{line}"]
        )
        assert res.exit_code == 0, res.output
    assert md.read_text().startswith("# Platform opportunities\n")
    with table.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 5 and all(r["url"].startswith("https://git.example/") for r in rows)
    assert {r["path"] for r in rows} == {i["path"] for g in expected(XSS)["groups"] for i in g["instances"]}


def test_report_command_refuses_a_bad_template_before_scanning(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["report", str(tmp_path), "--link-template", "data:text/html,{path}"])
    assert res.exit_code == 2
    assert "dupfinder: error: --link-template: scheme 'data' not allowed" in res.output
