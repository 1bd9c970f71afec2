"""A deterministic corpus of "team repositories" with exact, renamed and edited copies, for the scale tests."""

from __future__ import annotations

import random
from pathlib import Path

TEMPLATES = [
    """
def fetch_with_retry(url, attempts=3, backoff=0.5):
    last = None
    for attempt in range(attempts):
        try:
            resp = requests.get(url, timeout=10)
            if resp.status_code >= 500:
                raise RuntimeError("server error %d" % resp.status_code)
            return resp.json()
        except requests.RequestException as exc:
            last = exc
            time.sleep(backoff * (2 ** attempt))
    raise RuntimeError(f"giving up on {url}") from last
""",
    """
def load_settings(path, defaults=None):
    settings = dict(defaults or {})
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if "=" not in line:
                raise ValueError(f"{path}:{number}: expected key=value")
            key, value = line.split("=", 1)
            settings[key.strip().lower()] = value.strip()
    return settings
""",
    """
def find_user(db, user_id, with_roles=False):
    row = db.execute("SELECT id, name, email FROM users WHERE id = ?", (user_id,)).fetchone()
    if row is None:
        raise KeyError(user_id)
    user = {"id": row[0], "name": row[1], "email": row[2]}
    if with_roles:
        user["roles"] = [r[0] for r in db.execute("SELECT role FROM roles WHERE user_id = ?", (user_id,))]
    return user
""",
    """
def summarise(records, field, limit=10):
    counts = {}
    for record in records:
        value = record.get(field)
        if value is None:
            continue
        counts[value] = counts.get(value, 0) + 1
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    total = sum(counts.values())
    return [(value, n, round(100.0 * n / total, 1)) for value, n in ranked[:limit]]
""",
]

_NAMES = ["alpha", "beta", "gamma", "delta", "omega", "sigma", "kappa", "theta"]


def _unrelated(rng: random.Random, n: int) -> str:
    a, b, c = (rng.choice(_NAMES) + str(rng.randrange(100)) for _ in range(3))
    ops = rng.sample(["+", "-", "*", "//", "%"], 3)
    return f'''
def helper_{n}({a}, {b}):
    {c} = [{a} {ops[0]} i for i in range({rng.randrange(2, 9)})]
    while {b} > {rng.randrange(1, 5)}:
        {b} = {b} {ops[1]} {rng.randrange(2, 7)}
        {c}.append({b} {ops[2]} {a})
    if len({c}) > {rng.randrange(3, 12)}:
        return {c}[{rng.randrange(3)}:]
    return {{"{a}": {a}, "{b}": {b}, "items": {c}}}
'''


def variant(template: str, rng: random.Random) -> str:
    """An exact copy, a renamed copy, or an edited copy of ``template``."""
    kind = rng.randrange(3)
    if kind == 1:  # renamed
        for old in ("url", "path", "db", "records", "settings", "user", "counts", "last", "value"):
            template = template.replace(old, old + "_" + rng.choice(_NAMES))
    elif kind == 2:  # edited: a statement added
        lines = template.rstrip("\n").split("\n")
        at = rng.randrange(2, len(lines) - 1)
        indent = lines[at][: len(lines[at]) - len(lines[at].lstrip())]
        lines.insert(at, f'{indent}log.debug("step %s", {rng.randrange(1000)})')
        template = "\n".join(lines) + "\n"
    return template


def make_corpus(root: Path, teams: int = 4, files_per_team: int = 6, seed: int = 7) -> list[Path]:
    """``teams`` folders of Python files mixing copies of :data:`TEMPLATES` with unrelated helpers."""
    rng = random.Random(seed)
    written = []
    counter = 0
    for t in range(teams):
        for f in range(files_per_team):
            parts = ["import time\nimport requests\n"]
            for _ in range(3):
                counter += 1
                if rng.random() < 0.5:
                    parts.append(variant(rng.choice(TEMPLATES), rng))
                else:
                    parts.append(_unrelated(rng, counter))
            path = root / f"team-{t}" / "src" / f"module_{f}.py"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("\n".join(parts), encoding="utf-8")
            written.append(path)
    return written
