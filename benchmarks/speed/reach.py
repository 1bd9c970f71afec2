"""How much of the repository one-file ``dupfinder ci --base main`` needs, beyond the changed file.

    python benchmarks/speed/reach.py [PATH] [--work DIR]

On the repository and primed cache that ``profile_ci.py`` builds (run it first: this script reuses
``work/profile-ci``), runs the gate once in this process and records, without changing what it
does, what its focused stages reach from the changed files: the unit-level similarity graph's
connected components that hold a unit of a changed file (the nodes ``find_clusters`` judges), and the
streams that the block search's closure (``_focused_groups``) grows to.  It prints, for each, how
many units, nodes and files that is against the whole scan.  An index that the gate queries by band
key instead of decoding every file's record would still need the records of the files printed here
(plus the band look-ups to find them): the figure bounds what such an index can save.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from run import HERE, frozen_env


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, default=HERE / "work" / "profile-ci", help="profile_ci.py's folder")
    args = ap.parse_args(argv)
    work: Path = args.work
    repo, primed = work / "repo", work / "cache-primed"
    if not (repo / ".git").is_dir() or not primed.is_dir():
        print(f"no primed repository in {work}: run benchmarks/speed/profile_ci.py first", file=sys.stderr)
        return 2
    cache = work / "cache-reach"
    shutil.rmtree(cache, ignore_errors=True)
    shutil.copytree(primed, cache)
    os.environ.update(frozen_env())

    from dupfinder.similarity import block_clusters, find

    seen: dict[str, Any] = {}
    focused_nodes, around, focused_groups = find._focused_nodes, find._around, block_clusters._focused_groups

    def record_nodes(units: Any, nodes: Any, focus: Any) -> set[int]:
        out = focused_nodes(units, nodes, focus)
        seen.update(units=units, keys=nodes.keys, focused=out, focus=set(focus))
        return out

    def record_around(edges: Any, focused: set[int], n_nodes: int) -> Any:
        out = around(edges, focused, n_nodes)
        seen["component"] = set(focused) | {e[0] for e in out} | {e[1] for e in out}
        return out

    def record_groups(files: Any, min_tokens: int, min_identity: float, focus: set[int], load: Any) -> Any:
        loaded: list[int] = []

        def counted(wanted: Any) -> Any:
            loaded.extend(wanted)
            return load(wanted)

        out = focused_groups(files, min_tokens, min_identity, focus, counted)
        seen.update(streams=len(files), reached={r.stream for g in out[0] for r, _ in g} | focus, loaded=loaded)
        return out

    find._focused_nodes = record_nodes  # type: ignore[assignment]
    find._around = record_around  # type: ignore[assignment]
    block_clusters._focused_groups = record_groups  # type: ignore[assignment]

    from dupfinder.cli.app import main as dupfinder_main

    here = os.getcwd()
    os.chdir(repo)
    sys.argv = ["dupfinder", "ci", ".", "--base", "main", "-q", "--format", "sarif", "-o", os.devnull,
                "--cache-dir", str(cache)]  # fmt: skip
    try:
        dupfinder_main()
    except SystemExit as exc:  # 1: the gate fails, as it should on this change
        if exc.code not in (0, 1, None):
            raise
    finally:
        os.chdir(here)
    if "units" not in seen or "component" not in seen:
        print("the gate did not take its focused path (no cache? nothing changed?)", file=sys.stderr)
        return 1
    units, keys = seen["units"], seen["keys"]
    paths_of: dict[Any, set[str]] = {}
    for u in units:
        paths_of.setdefault((u.language, u.fingerprint), set()).add(u.path)
    all_files = {u.path for u in units}
    component = seen["component"]
    comp_units = sum(1 for u in units if (u.language, u.fingerprint) in {keys[k] for k in component})
    comp_files = {p for k in component for p in paths_of.get(keys[k], ())}
    print(f"changed files: {len(seen['focus'])}; scan: {len(all_files)} files with units, {len(units)} units, "
          f"{len(keys)} nodes (distinct contents)")  # fmt: skip
    print(
        f"unit graph: {len(seen['focused'])} nodes in the changed files; their components: {len(component)} "
        f"nodes, {comp_units} units, in {len(comp_files)} files ({100 * len(comp_files) / len(all_files):.1f} %)"
    )
    if "streams" in seen:
        reached = seen["reached"]
        print(
            f"block search: the closure reaches {len(reached)} of {seen['streams']} streams "
            f"({100 * len(reached) / max(1, seen['streams']):.1f} %); it read the tokens of "
            f"{len(seen['loaded'])} streams (those its seeds link to them, less the changed files analysed now)"
        )
    shutil.rmtree(cache, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
