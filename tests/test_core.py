"""Normalisation, signatures, verification and clustering on real Python code."""

from __future__ import annotations

import numpy as np

from dupfinder.languages.python import LANGUAGE as PY
from dupfinder.model import Unit
from dupfinder.similarity import signatures
from dupfinder.similarity.cluster import build_clusters
from dupfinder.similarity.normalize import to_unit, words

ORIGINAL = '''
def load_user(db, user_id, include_roles=False):
    """Load a user and optionally the roles."""
    row = db.execute("SELECT id, name, email FROM users WHERE id = ?", (user_id,)).fetchone()
    if row is None:
        raise KeyError(user_id)
    user = {"id": row[0], "name": row[1], "email": row[2]}
    if include_roles:
        user["roles"] = [r[0] for r in db.execute("SELECT role FROM roles WHERE user_id = ?", (user_id,))]
    return user
'''

# Type-2: every identifier and literal changed, layout and comments too
RENAMED = '''
def fetch_account(conn, account_key, with_groups=True):
    """Fetch an account."""  # different comment, different layout
    rec = conn.execute(
        "SELECT a, b, c FROM accounts WHERE k = ?", (account_key,)
    ).fetchone()
    if rec is None:
        raise LookupError(account_key)
    acct = {"key": rec[0], "title": rec[1], "mail": rec[2]}
    if with_groups:
        acct["groups"] = [g[0] for g in conn.execute("SELECT g FROM groups WHERE a = ?", (account_key,))]
    return acct
'''

# Type-3: a statement added and one changed
EDITED = '''
def load_user(db, user_id, include_roles=False):
    """Load a user and optionally the roles."""
    log.debug("loading user %s", user_id)
    row = db.execute("SELECT id, name, email FROM users WHERE id = ?", (user_id,)).fetchone()
    if row is None:
        return None
    user = {"id": row[0], "name": row[1], "email": row[2]}
    if include_roles:
        user["roles"] = [r[0] for r in db.execute("SELECT role FROM roles WHERE user_id = ?", (user_id,))]
    return user
'''

UNRELATED = """
def shipping_rate(weight_kg, zone, express):
    table = {"domestic": 4.5, "eu": 9.0, "world": 17.5}
    base = table.get(zone, 25.0)
    while weight_kg > 1:
        base += 1.25
        weight_kg -= 1
    return round(base * (1.8 if express else 1.0), 2)
"""


def unit(src: str, path: str = "m.py") -> Unit:
    parsed = PY.parse(src, path)
    assert parsed.error is None
    raw = parsed.units[0]
    return to_unit(raw, path=path, root=".", language="python", imports=parsed.imports)


def sim(a: Unit, b: Unit) -> float:
    return signatures.jaccard(signatures.shingles(a.token_hashes, 3), signatures.shingles(b.token_hashes, 3))


def test_type1_and_type2_copies_share_a_fingerprint() -> None:
    reformatted = ORIGINAL.replace("    if row is None:", "    # a comment\n\n    if row is None:  # trailing")
    assert unit(ORIGINAL).fingerprint == unit(reformatted).fingerprint
    assert unit(ORIGINAL).fingerprint == unit(RENAMED).fingerprint


def test_type3_edit_stays_similar_and_unrelated_code_does_not() -> None:
    assert 0.7 <= sim(unit(ORIGINAL), unit(EDITED)) < 1.0
    assert sim(unit(ORIGINAL), unit(UNRELATED)) < 0.3


def test_unit_keeps_raw_identifiers_calls_and_lines() -> None:
    u = unit(ORIGINAL)
    assert u.name == "load_user" and u.kind == "function"
    assert (u.start_line, u.end_line) == (2, 10)
    assert "user_id" in u.identifiers and "db.execute" in u.calls


def test_words_split_identifiers() -> None:
    assert words("getHTTPResponse_code") == ["get", "http", "response", "code"]


def test_minhash_estimates_jaccard() -> None:
    rng = np.random.default_rng(7)
    a = np.unique(rng.integers(0, 2**32, 400, dtype=np.uint32))
    b = np.unique(np.concatenate([a[:300], rng.integers(0, 2**32, 100, dtype=np.uint32)]))
    exact = signatures.jaccard(a, b)
    m = signatures.minhash_matrix([a, b], 256)
    estimate = float((m[0] == m[1]).mean())
    assert abs(estimate - exact) < 0.1
    # reproducible: the same input always gives the same signature
    assert (signatures.minhash_matrix([a], 256)[0] == m[0]).all()


def _fake(fp: str, path: str, start: int = 1, end: int = 10) -> Unit:
    return Unit(path=path, root=".", language="python", name=fp, kind="function", start_line=start,
                end_line=end, fingerprint=fp, token_hashes=b"\0" * 400)  # type: ignore[arg-type]  # fmt: skip


def test_clusters_do_not_chain_weak_links() -> None:
    # a~b and b~c verified, a and c not: one star cannot hold all three
    nodes = [[_fake("a", "a.py")], [_fake("b", "b.py")], [_fake("c", "c.py")], [_fake("d", "d.py")]]
    edges = [(0, 1, 0.8), (1, 2, 0.8), (2, 3, 0.95)]
    verified = {frozenset(("abcd"[i], "abcd"[j])) for i, j, _ in edges}
    clusters = build_clusters(nodes, edges)
    assert clusters, "the strongest star must be found"
    for c in clusters:
        rep, *rest = [i.name for i in c.instances]
        # every member is verified-similar to the representative, never only through a chain
        assert all(frozenset((rep, m)) in verified for m in rest)
        assert not {"a", "c"} <= {i.name for i in c.instances}


def test_identical_units_form_a_cluster_and_nested_units_never_pair() -> None:
    nodes = [[_fake("x", "p.py", 1, 30), _fake("x", "q.py", 5, 34)], [_fake("y", "p.py", 3, 12)]]
    clusters = build_clusters(nodes, [(0, 1, 0.9)])
    assert len(clusters) == 1
    assert [(i.path, i.start_line) for i in clusters[0].instances] == [("p.py", 1), ("q.py", 5)]
