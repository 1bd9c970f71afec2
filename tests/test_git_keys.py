"""``dupfinder ci --base`` keys the files git says are unchanged by their blob ids, without reading them.

Each test commits a small code base, fills a cache with a scan of it (which stores every file's blob
id beside its content digest), puts the working tree in some state git knows about -- modified,
staged, reverted, untracked, deleted, renamed, a link, end-of-line conversion, a filter,
assume-unchanged -- and checks that keying the files from git's blob ids gives exactly the keys of
reading and hashing every file, reading only the files git cannot vouch for.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import commit, git, init_repo, needs_git, write
from dupfinder import cache as cache_mod
from dupfinder.analyse import batch
from dupfinder.config import ScanConfig
from dupfinder.discover.walk import discover
from dupfinder.gate import gitdiff
from dupfinder.gate.run import against_revision
from dupfinder.model import SourceFile
from test_ci_focus import _options, _rendered, _scan_json
from test_ci_gate import SIGN_IN, make_repo

PAY = """def pay(order, card):
    total = sum(line.price * line.qty for line in order.lines)
    if total <= 0:
        raise ValueError("nothing to pay")
    return card.charge(total, currency=order.currency)
"""

REFUND = """def refund(order, card):
    total = sum(line.price for line in order.lines)
    return card.credit(total, currency=order.currency)
"""


def _repo(tmp_path: Path) -> tuple[Path, Path]:
    """A committed repository of three modules and a cache that a scan of it filled."""
    repo = init_repo(tmp_path / "repo")
    write(repo, "shop/pay.py", PAY)
    write(repo, "shop/refund.py", REFUND)
    write(repo, "shop/card.py", PAY.replace("pay(", "pay_by_card("))
    commit(repo, "shop")
    cache = tmp_path / "cache"
    _scan_json(repo, cache, tmp_path / "scan.json")
    return repo, cache


def _keyed(repo: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[bytes | None], set[str]]:
    """The files' keys from git's blob ids and the cache (as the gate keys them), and the paths read."""
    read: list[str] = []
    real = batch._read_key

    def spy(source: SourceFile, scope: bytes, limit: int) -> tuple[object, ...]:
        read.append(source.path)
        return real(source, scope, limit)

    config = ScanConfig(jobs=1)
    files = discover([str(repo)], config).files
    monkeypatch.setattr(batch, "_read_key", spy)
    store = cache_mod.Cache(str(cache))
    try:
        keys = batch.file_keys(files, config, store, gitdiff.unchanged_blobs(str(repo))).keys
    finally:
        store.finish()
    monkeypatch.setattr(batch, "_read_key", real)
    assert keys == batch.file_keys(files, config).keys  # what reading and hashing every file gives
    return keys, set(read)


def _same_size_edit(path: Path) -> None:
    """``path`` changed without changing its size (so that only git's own check can tell)."""
    data = path.read_bytes()
    path.write_bytes(data.replace(b"total", b"TOTAL"))
    assert path.stat().st_size == len(data) and path.read_bytes() != data


def _modified(repo: Path) -> set[str]:
    _same_size_edit(repo / "shop/pay.py")
    return {"shop/pay.py"}


def _staged(repo: Path) -> set[str]:
    _same_size_edit(repo / "shop/pay.py")
    git(repo, "add", "shop/pay.py")  # the index's blob is one no scan has read
    return {"shop/pay.py"}


def _staged_then_reverted(repo: Path) -> set[str]:
    before = (repo / "shop/pay.py").read_bytes()
    _same_size_edit(repo / "shop/pay.py")
    git(repo, "add", "shop/pay.py")
    (repo / "shop/pay.py").write_bytes(before)  # the work tree is the committed file again, the index is not
    return {"shop/pay.py"}


def _untracked(repo: Path) -> set[str]:
    write(repo, "shop/extra.py", REFUND.replace("refund(", "refund_all("))
    return {"shop/extra.py"}


def _deleted(repo: Path) -> set[str]:
    (repo / "shop/refund.py").unlink()
    return set()


def _renamed(repo: Path) -> set[str]:
    git(repo, "mv", "shop/refund.py", "shop/refunds.py")  # the same blob under a new path: keyed, not read
    return set()


def _linked(repo: Path) -> set[str]:
    os.symlink("pay.py", repo / "shop/alias.py")
    git(repo, "add", "shop/alias.py")  # a link's blob is its target's name, not the file's bytes
    return {"shop/alias.py"}


def _crlf(repo: Path) -> set[str]:
    # the blobs keep LF, the checkout writes CRLF: git calls the work tree clean, its bytes are not the blob's
    write(repo, ".gitattributes", "*.py text eol=crlf\n")
    commit(repo, "crlf")
    for name in ("pay.py", "refund.py", "card.py"):
        (repo / "shop" / name).unlink()
    git(repo, "checkout", "--", "shop")
    assert b"\r\n" in (repo / "shop/pay.py").read_bytes()
    return {"shop/pay.py", "shop/refund.py", "shop/card.py"}


def _filtered(repo: Path) -> set[str]:
    # a filter that keeps the size: only the attribute tells that the work tree's bytes are not the blob's
    git(repo, "config", "filter.swap.clean", "tr ab ba")
    git(repo, "config", "filter.swap.smudge", "tr ab ba")
    write(repo, ".gitattributes", "shop/pay.py filter=swap\n")
    git(repo, "add", ".gitattributes")  # the index keeps pay.py's blob as the scan read it
    git(repo, "commit", "-q", "-m", "filter")
    (repo / "shop/pay.py").unlink()
    git(repo, "checkout", "--", "shop/pay.py")
    assert (repo / "shop/pay.py").read_bytes() != PAY.encode()
    return {"shop/pay.py"}


def _assumed_unchanged(repo: Path) -> set[str]:
    git(repo, "update-index", "--assume-unchanged", "shop/pay.py")
    _same_size_edit(repo / "shop/pay.py")  # git no longer looks at the file
    return {"shop/pay.py"}


STATES: dict[str, Callable[[Path], set[str]]] = {
    "modified": _modified,
    "staged": _staged,
    "staged, then reverted in the work tree": _staged_then_reverted,
    "untracked": _untracked,
    "deleted": _deleted,
    "renamed": _renamed,
    "a symbolic link": _linked,
    "end-of-line conversion": _crlf,
    "a filter": _filtered,
    "assume-unchanged": _assumed_unchanged,
}


@needs_git
def test_files_git_says_are_unchanged_are_keyed_without_being_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, cache = _repo(tmp_path)
    keys, read = _keyed(repo, cache, monkeypatch)
    assert read == set() and len(keys) == 3 and None not in keys


@needs_git
@pytest.mark.parametrize("state", sorted(STATES))
def test_keys_from_git_are_those_of_reading_every_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, state: str
) -> None:
    repo, cache = _repo(tmp_path)
    expected = STATES[state](repo)
    _, read = _keyed(repo, cache, monkeypatch)
    assert read == expected
    # a new blob in the index, read once, is known from then on; git vouches for none of the others
    _, again = _keyed(repo, cache, monkeypatch)
    assert again == (set() if state == "staged" else expected)


@needs_git
def test_no_blob_ids_outside_a_repository_or_for_a_blob_the_cache_does_not_know(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "plain", "pay.py", PAY)
    assert gitdiff.unchanged_blobs(str(tmp_path / "plain")) == {}
    repo, _ = _repo(tmp_path)
    # an empty cache knows no blob: every file is read, and its blob stored
    keys, read = _keyed(repo, tmp_path / "empty", monkeypatch)
    assert read == {"shop/pay.py", "shop/refund.py", "shop/card.py"}
    assert _keyed(repo, tmp_path / "empty", monkeypatch) == (keys, set())
    # a damaged row is a miss, read again
    conn = sqlite3.connect(tmp_path / "empty" / cache_mod.DB_NAME)
    with conn:
        conn.execute("UPDATE blobs SET digest=x'00' WHERE key=?", (cache_mod.blob_id(PAY.encode()),))
    conn.close()
    assert _keyed(repo, tmp_path / "empty", monkeypatch)[1] == {"shop/pay.py"}


@needs_git
def test_the_gate_keyed_by_git_reports_what_it_reports_reading_every_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(tmp_path)
    cache = tmp_path / "primed"
    _scan_json(repo, cache, tmp_path / "feature.json")
    # committed, staged, modified in the work tree and untracked copies, each of another file
    write(repo, "services/billing/signin.py", SIGN_IN)
    commit(repo, "sign-in copy")
    write(repo, "services/shipping/login.py", SIGN_IN.replace("sign_in", "ship_login"))
    git(repo, "add", "services/shipping/login.py")
    profile = repo / "services/identity/profile.py"
    profile.write_text(profile.read_text() + "\n\n" + SIGN_IN.replace("sign_in", "profile_login"))
    write(repo, "services/identity/extra.py", SIGN_IN.replace("sign_in", "extra_login"))
    read: list[str] = []
    real = batch._read_key

    def spy(source: SourceFile, scope: bytes, limit: int) -> tuple[object, ...]:
        read.append(source.path)
        return real(source, scope, limit)

    monkeypatch.setattr(batch, "_read_key", spy)
    keyed = against_revision(_options(repo, cache), "main")
    assert set(read) == {"services/billing/signin.py", "services/shipping/login.py",
                         "services/identity/profile.py", "services/identity/extra.py"}  # fmt: skip
    read.clear()
    fresh = against_revision(_options(repo, tmp_path / "empty"), "main")  # an empty cache: every file read
    assert len(read) > 4
    assert keyed == fresh and keyed.findings
    assert _rendered(keyed) == _rendered(fresh)
