"""Functions under the clone minimum: small units for the capability map, never for the clone engine."""

from __future__ import annotations

import json
import struct
from dataclasses import replace
from pathlib import Path

from click.testing import CliRunner

from dupfinder import cache as cache_mod
from dupfinder.analyse.file import analyse_file
from dupfinder.cache import records
from dupfinder.cli.app import cli
from dupfinder.config import ScanConfig
from dupfinder.discover.walk import discover
from dupfinder.model import Unit
from dupfinder.opportunities.capabilities import SMALL_TOKENS
from dupfinder.pipeline import scan

ACME = Path(__file__).resolve().parents[1] / "fixtures" / "acme-monorepo"

SOURCE = """\
import base64


def b64url_encode(data, encoding="ascii"):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode(encoding)


def tiny():
    return 1


def encode_segments(header, payload, signer):
    segments = [b64url_encode(header), b64url_encode(payload)]
    signing_input = ".".join(segments).encode("ascii")
    signature = signer.sign(signing_input)
    segments.append(b64url_encode(signature))
    for index, segment in enumerate(segments):
        if not segment:
            raise ValueError(f"segment {index} is empty")
    return ".".join(segments)
"""


def _file(tmp_path: Path) -> Path:
    (tmp_path / "jws.py").write_text(SOURCE)
    return tmp_path


def test_a_short_function_is_a_small_unit_without_tokens_only_when_the_map_asks(tmp_path: Path) -> None:
    source = discover([str(_file(tmp_path))], ScanConfig()).files[0]
    plain = analyse_file(source, ScanConfig())
    assert [u.name for u in plain.units] == ["encode_segments"] and plain.small_units == ()
    mapped = analyse_file(source, ScanConfig(map_min_tokens=SMALL_TOKENS))
    assert mapped.units == plain.units and mapped.stream == plain.stream  # the clone engine's input is unchanged
    (small,) = mapped.small_units  # ``tiny`` has fewer tokens than the floor
    assert (small.name, small.start_line, small.end_line) == ("b64url_encode", 4, 5)
    assert small.token_hashes == b"" and small.n_tokens == 0 and small.literals == () and small.forwarded == ()
    assert {"urlsafe_b64encode", "rstrip"} <= {c.rsplit(".", 1)[-1] for c in small.calls}
    # a floor at or above the clone minimum keeps no small unit
    assert analyse_file(source, ScanConfig(map_min_tokens=50)).small_units == ()


def test_small_units_change_neither_the_scan_nor_its_settings(tmp_path: Path) -> None:
    root = str(_file(tmp_path))
    small: list[Unit] = []
    base = scan([root], ScanConfig(jobs=1))
    mapped = scan([root], ScanConfig(jobs=1, map_min_tokens=SMALL_TOKENS), small_out=small)
    assert [u.name for u in small] == ["b64url_encode"]
    assert mapped.clusters == base.clusters and mapped.stats == base.stats
    assert "map_min_tokens" not in base.settings and mapped.settings["map_min_tokens"] == SMALL_TOKENS
    # the cache keys a file by the floor too: a scan's entries are never read as the map's
    assert cache_mod.file_scope(ScanConfig()) != cache_mod.file_scope(ScanConfig(map_min_tokens=SMALL_TOKENS))
    assert cache_mod.file_scope(ScanConfig()) == cache_mod.file_scope(ScanConfig(map_min_tokens=None))


def test_small_units_survive_the_cache_and_a_damaged_list_is_refused(tmp_path: Path) -> None:
    config = ScanConfig(map_min_tokens=SMALL_TOKENS)
    source = discover([str(_file(tmp_path))], config).files[0]
    original = analyse_file(source, config)
    assert original.small_units
    sigs = bytes(512 * len(original.units))
    contents = b"".join(cache_mod.unit_content(u) for u in original.units)
    blob, tokens = cache_mod.encode(original, sigs, contents)
    entry = cache_mod.decode(blob, source.path, 128, tokens)
    assert entry is not None and entry.result == original
    # a sound record whose small units are not lists of nine fields, or sit beside a skip, reads as a miss
    magic, check = len(records.FILE.magic), 4
    body = blob[magic + check :]
    (header_len,) = struct.unpack_from("<I", body)
    header = json.loads(body[4 : 4 + header_len])
    for bad in ({"small": [["x"]]}, {"small": {"a": 1}}, {"small": header["small"], "skip": "unparseable: x"}):
        changed = json.dumps({**header, **bad}).encode()
        forged = records.frame(records.FILE, struct.pack("<I", len(changed)) + changed + body[4 + header_len :])
        assert cache_mod.decode(forged, source.path, 128) is None
    same = json.dumps(header).encode()
    kept = records.frame(records.FILE, struct.pack("<I", len(same)) + same + body[4 + header_len :])
    assert cache_mod.decode(kept, source.path, 128) is not None  # the forging itself keeps a sound record sound
    odd = replace(original, small_units=(replace(original.small_units[0], name="f\udcfe"),))
    odd_blob, odd_tokens = cache_mod.encode(odd, sigs, contents)
    again = cache_mod.decode(odd_blob, source.path, 128, odd_tokens)
    assert again is not None and again.result == odd


def test_a_one_line_function_is_capability_evidence_in_opportunities() -> None:
    res = CliRunner().invoke(cli, ["opportunities", str(ACME), "--format", "json", "-q", "--jobs", "1", "--no-cache"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    # storefront's subtotalCents (a one-line TypeScript function) computes line totals as billing and orders do
    totals = [o for o in data["opportunities"] if "quantity" in o["label"]]
    assert len(totals) == 1 and totals[0]["teams"] == ["billing-team", "orders-team", "storefront-team"]
    names = {(e["team"], e["name"]) for e in totals[0]["evidence"]}
    assert ("storefront-team", "subtotalCents") in names and ("billing-team", "compute_invoice_totals") in names
    # the clone clusters of a scan are those of the same scan without the map's small units
    scanned = CliRunner().invoke(cli, ["scan", str(ACME), "--format", "json", "-q", "--jobs", "1", "--no-cache"])
    assert scanned.exit_code == 0 and len(json.loads(scanned.output)["clusters"]) == len(data["clusters"])
