#!/usr/bin/env python3
"""dupfinder's accuracy on the BigCloneBench subset in ``../shared/bigclonebench/``.

Each BigCloneBench function is one file ``functions/<id>.java`` (the method
wrapped in ``public class BigbenchClone { ... }``).  dupfinder scans those
files through its public API (:func:`dupfinder.pipeline.scan`, what ``dupfinder
scan`` runs); every cluster is read as all the pairs of functions in it, the
way a user reads a cluster.  A cluster member counts as its function only
when it is the method itself, not a lambda or an anonymous class's method
nested in it.

Scores, against the labelled pairs only (BigCloneBench is an incomplete
oracle: an unlabelled pair that dupfinder reports is unknown, never a false
positive):

* recall per clone type (T1, T2, ST3, MT3, WT3_T4): labelled pairs of that
  type reported / labelled pairs of that type;
* false-positive rate: labelled non-clone pairs reported / labelled non-clones;
* labelled precision: of the labelled pairs reported, the share labelled
  T1 to MT3 (a reported WT3_T4 or non-clone pair counts against it).

Usage (from the repository root)::

    python benchmarks/bigclonebench/run.py                  # default settings, the table
    python benchmarks/bigclonebench/run.py --jscpd auto     # ... and jscpd on the same files
    python benchmarks/bigclonebench/run.py --stages         # where recall is lost: LSH, verify, cluster
    python benchmarks/bigclonebench/run.py --sweep          # PR curve over --threshold; writes the PNG
    python benchmarks/bigclonebench/run.py --ablation       # similarity measures and clusterings compared
    python benchmarks/bigclonebench/run.py --limit 100      # a 100-pair slice (what the test runs)

The data set is never copied into the project; when it is absent the script
says so and exits 0.  ``--sweep`` needs matplotlib (``pip install -e .[bench]``).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from dupfinder.analyse.batch import analyse_all
from dupfinder.config import DEFAULT_MIN_TOKENS, DEFAULT_THRESHOLD, ScanConfig
from dupfinder.discover.walk import discover
from dupfinder.model import Cluster, Unit
from dupfinder.pipeline import scan
from dupfinder.similarity import find, signatures
from dupfinder.similarity.cluster import build_clusters
from dupfinder.similarity.find import find_clusters
from dupfinder.similarity.identity import Identity
from dupfinder.similarity.index import candidate_pairs, lsh_threshold
from dupfinder.similarity.verify import IDENTIFIER_WEIGHT, NGRAM, verify_pairs

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "bigclonebench"
WORK = HERE / "work"  # gitignored: jscpd's npm install lives here

#: the lower cluster member floor shown beside the defaults (see README.md: it meets the recall targets
#: here, but on real code it lets loose clusters of hundreds of merely alike functions form)
DEFAULT_MEMBER = 0.33

CLONE_TYPES = ("T1", "T2", "ST3", "MT3", "WT3_T4")
TRUE_TYPES = ("T1", "T2", "ST3", "MT3")  # what labelled precision counts as right
NONCLONE = "NONCLONE"
LABELS = (*CLONE_TYPES, NONCLONE)
WRAPPER = "BigbenchClone"

Pair = tuple[int, int]


# -- the data set -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Dataset:
    root: Path
    pairs: dict[Pair, str]  #: (id1, id2) with id1 < id2 -> label
    files: dict[int, Path]  #: function id -> its file

    def functions(self) -> list[int]:
        return sorted({i for pair in self.pairs for i in pair})


def load(root: Path) -> Dataset | None:
    pairs_csv = root / "pairs.csv"
    if not pairs_csv.is_file() or not (root / "functions").is_dir():
        return None
    pairs: dict[Pair, str] = {}
    with pairs_csv.open(newline="") as fh:
        for row in csv.DictReader(fh):
            a, b = int(row["id1"]), int(row["id2"])
            pairs[(min(a, b), max(a, b))] = row["type"]
    unknown = set(pairs.values()) - set(LABELS)
    if unknown:
        raise SystemExit(f"pairs.csv has labels this script does not know: {sorted(unknown)}")
    files = {int(p.stem): p for p in (root / "functions").glob("*.java")}
    missing = {i for pair in pairs for i in pair} - files.keys()
    if missing:
        raise SystemExit(f"{len(missing)} labelled functions have no file, e.g. {sorted(missing)[:3]}")
    return Dataset(root=root, pairs=pairs, files=files)


def stratified_slice(data: Dataset, limit: int) -> Dataset:
    """``limit`` pairs taken round-robin over the labels, each label's in id order (deterministic)."""
    by_label: dict[str, list[Pair]] = defaultdict(list)
    for pair, label in sorted(data.pairs.items()):
        by_label[label].append(pair)
    chosen: dict[Pair, str] = {}
    queues = [iter(by_label[label]) for label in LABELS if by_label[label]]
    while len(chosen) < limit and queues:
        for q in list(queues):
            taken = next(q, None)
            if taken is None:
                queues.remove(q)
            elif len(chosen) < limit:
                chosen[taken] = data.pairs[taken]
    return replace(data, pairs=chosen)


# -- scoring ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Score:
    name: str
    recall: dict[str, float]  #: clone type -> recall
    fp_rate: float  #: share of labelled non-clones reported
    precision: float  #: labelled precision
    reported: int  #: distinct function pairs reported (labelled or not)
    reported_labelled: dict[str, int]  #: label -> labelled pairs reported
    seconds: float
    notes: dict[str, Any] = field(default_factory=dict)


def score(name: str, reported: set[Pair], data: Dataset, seconds: float, **notes: Any) -> Score:
    total = Counter(data.pairs.values())
    hit = Counter(label for pair, label in data.pairs.items() if pair in reported)
    right = sum(hit[t] for t in TRUE_TYPES)
    labelled = sum(hit.values())
    return Score(
        name=name,
        recall={t: hit[t] / total[t] if total[t] else float("nan") for t in CLONE_TYPES},
        fp_rate=hit[NONCLONE] / total[NONCLONE] if total[NONCLONE] else float("nan"),
        precision=right / labelled if labelled else float("nan"),
        reported=len(reported),
        reported_labelled={label: hit[label] for label in LABELS},
        seconds=seconds,
        notes=notes,
    )


def function_id(path: str, name: str | None) -> int | None:
    """The BCB id of a cluster member, or None for a unit nested in the method (lambda, anonymous class)."""
    if name is None or "." in name.removeprefix(WRAPPER + "."):
        return None
    stem = os.path.basename(path).removesuffix(".java")
    return int(stem) if stem.isdigit() else None


def cluster_pairs(clusters: Iterable[Cluster]) -> tuple[set[Pair], int]:
    """Function pairs reported by ``clusters``, and how many members were nested units (not counted)."""
    reported: set[Pair] = set()
    nested = 0
    for c in clusters:
        ids = set()
        for inst in c.instances:
            fid = function_id(inst.path, inst.name)
            if fid is None:
                nested += 1
            else:
                ids.add(fid)
        reported.update(itertools.combinations(sorted(ids), 2))
    return reported, nested


# -- dupfinder ----------------------------------------------------------------


def run_dupfinder(data: Dataset, threshold: float, min_tokens: int, member: float | None = None) -> Score:
    files = [str(data.files[i]) for i in data.functions()]
    config = ScanConfig(threshold=threshold, min_tokens=min_tokens, member_similarity=member)
    start = time.perf_counter()
    result = scan(files, config)
    seconds = time.perf_counter() - start
    reported, nested = cluster_pairs(result.clusters)
    return score(
        f"dupfinder --threshold {threshold:g} --min-tokens {min_tokens}"
        + (f" --member-similarity {member:g}" if member is not None else ""),
        reported,
        data,
        seconds,
        functions=len(files),
        units=result.stats.units,
        clusters=len(result.clusters),
        nested_members_ignored=nested,
        skipped=[f"{s.path}: {s.reason}" for s in result.stats.skipped],
    )


def analyse(data: Dataset, min_tokens: int) -> list[Unit]:
    """Every unit of the data set with at least ``min_tokens`` tokens (parsed once, for sweeps)."""
    config = ScanConfig(min_tokens=min_tokens)
    disc = discover([str(data.files[i]) for i in data.functions()], config)
    return [u for r in analyse_all(disc.files, config) for u in r.units]


def short_pairs(data: Dataset, units: Sequence[Unit], min_tokens: int) -> Counter[str]:
    """Labelled pairs, by label, with a function below ``min_tokens`` (or without a unit at all)."""
    size = {fid: u.n_tokens for u in units if (fid := function_id(u.path, u.name)) is not None}
    return Counter(label for (a, b), label in data.pairs.items() if min(size.get(a, 0), size.get(b, 0)) < min_tokens)


# -- jscpd --------------------------------------------------------------------


def find_jscpd(spec: str) -> str | None:
    """``spec``: a path to the jscpd binary, or "auto" (PATH, then benchmarks/bigclonebench/work/)."""
    if spec != "auto":
        return spec if Path(spec).exists() else None
    local = WORK / "jscpd" / "node_modules" / ".bin" / "jscpd"
    return shutil.which("jscpd") or (str(local) if local.exists() else None)


def install_jscpd() -> str | None:
    npm = shutil.which("npm")
    if npm is None:
        print("jscpd: npm is not installed", file=sys.stderr)
        return None
    prefix = WORK / "jscpd"
    prefix.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([npm, "install", "--prefix", str(prefix), "jscpd@4"], capture_output=True, text=True)
    if proc.returncode != 0:
        print(f"jscpd: npm install failed: {proc.stderr.strip()[-400:]}", file=sys.stderr)
        return None
    return find_jscpd("auto")


def run_jscpd(binary: str, data: Dataset, min_tokens: int) -> list[Score]:
    """jscpd 4 on the same files, read two ways.

    jscpd reports a duplicated fragment as a pair: a new copy against the first copy it saw,
    so N identical functions give N - 1 pairs, not N(N-1)/2.  The first score takes its
    pairs as reported; the second joins copies of the very same fragment (same file and
    lines) into one clone class and counts every pair in it, as if jscpd reported groups.
    """
    with tempfile.TemporaryDirectory(prefix="bcb-jscpd-") as tmp:
        src = Path(tmp) / "src"
        src.mkdir()
        for i in data.functions():  # a private copy of exactly the files in play, deleted afterwards
            shutil.copyfile(data.files[i], src / f"{i}.java")
        out = Path(tmp) / "report"
        version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
        cmd = [binary, "--min-tokens", str(min_tokens), "--min-lines", "1", "--format", "java",
               "--reporters", "json", "--output", str(out), "--silent", "--no-gitignore", str(src)]  # fmt: skip
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        report = out / "jscpd-report.json"
        if not report.exists():
            raise RuntimeError(f"jscpd wrote no report (exit {proc.returncode}): {proc.stderr.strip()[-400:]}")
        duplicates = json.loads(report.read_text())["duplicates"]
    reported: set[Pair] = set()
    parent: dict[tuple[int, int, int], tuple[int, int, int]] = {}

    def find(x: tuple[int, int, int]) -> tuple[int, int, int]:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for d in duplicates:
        ends = [(int(Path(f["name"]).stem), int(f["start"]), int(f["end"])) for f in (d["firstFile"], d["secondFile"])]
        a, b = ends[0][0], ends[1][0]
        if a != b:
            reported.add((min(a, b), max(a, b)))
        parent[find(ends[0])] = find(ends[1])
    classes: dict[tuple[int, int, int], set[int]] = defaultdict(set)
    for fragment in list(parent):
        classes[find(fragment)].add(fragment[0])
    grouped = {pair for ids in classes.values() for pair in itertools.combinations(sorted(ids), 2)}
    name = f"jscpd {version} --min-tokens {min_tokens}"
    return [
        score(f"{name} (pairs as reported)", reported, data, seconds, fragments=len(duplicates)),
        score(f"{name} (clone classes)", grouped | reported, data, seconds, fragments=len(duplicates)),
    ]


# -- where recall is lost -----------------------------------------------------


def nodes_of(units: Sequence[Unit]) -> list[list[Unit]]:
    """Units grouped by fingerprint, in the order :func:`dupfinder.similarity.find.find_clusters` uses."""
    groups: dict[tuple[str, str], list[Unit]] = defaultdict(list)
    for u in units:
        groups[(u.language, u.fingerprint)].append(u)
    return [groups[k] for k in sorted(groups)]


def edge_pairs(nodes: Sequence[Sequence[Unit]], edges: Iterable[tuple[int, int]]) -> set[Pair]:
    """Function pairs joined by node pairs ``edges``, plus the pairs inside each node (identical copies)."""
    ids = [sorted({f for u in n if (f := function_id(u.path, u.name)) is not None}) for n in nodes]
    out: set[Pair] = set()
    for i, j in edges:
        out.update((min(a, b), max(a, b)) for a in ids[i] for b in ids[j] if a != b)
    for group in ids:
        out.update(itertools.combinations(group, 2))
    return out


def stages(data: Dataset, units: Sequence[Unit], threshold: float, min_tokens: int) -> list[Score]:
    """Recall after each similarity stage of :func:`find_clusters`: LSH candidates, verified pairs, judged
    pairs (alignment and identity), clusters; and the same without LSH (every pair verified)."""
    config = ScanConfig(threshold=threshold, min_tokens=min_tokens)
    units = [u for u in units if u.n_tokens >= min_tokens]
    graph = find._nodes(units, None, config)
    nodes = [[units[n] for n in graph.groups[k]] for k in graph.keys]
    t0 = time.perf_counter()
    cands = candidate_pairs([u.fingerprint for u in graph.reps], graph.signatures, threshold)
    t1 = time.perf_counter()
    edges, everyone = find._fresh_edges(graph, config, None, None, None)
    t2 = time.perf_counter()
    identity = Identity(graph.reps)
    judged = find._judged_edges(edges, identity, threshold)
    t3 = time.perf_counter()
    clusters = find._grouped(units, graph, judged, config, None, everyone, identity)
    t4 = time.perf_counter()
    every = ((i, j) for i in range(len(nodes)) for j in range(i + 1, len(nodes)))
    all_edges = verify_pairs(graph.reps, every, threshold)
    all_judged = find._judged_edges(all_edges, identity, threshold)
    t5 = time.perf_counter()
    all_clusters = find._grouped(units, graph, all_judged, config, None, everyone, identity)
    tag = f"t={threshold:g} m={min_tokens}"
    lsh = lsh_threshold(threshold)

    def pairs_of(found: Iterable[tuple[int, int, float]]) -> set[Pair]:
        return edge_pairs(nodes, ((i, j) for i, j, _ in found))

    return [
        score(f"LSH candidates (index {lsh:g}) {tag}", edge_pairs(nodes, cands), data, t1 - t0, pairs=len(cands)),
        score(f"verified candidates {tag}", pairs_of(edges), data, t2 - t1, pairs=len(edges)),
        score(f"judged candidates (identity) {tag}", pairs_of(judged), data, t3 - t2, pairs=len(judged)),
        score(f"clusters {tag}", cluster_pairs(clusters)[0], data, t4 - t3, clusters=len(clusters)),
        score(f"judged, every pair (no LSH) {tag}", pairs_of(all_judged), data, t5 - t4, pairs=len(all_judged)),
        score(f"clusters of every judged pair {tag}", cluster_pairs(all_clusters)[0], data, 0.0),
    ]  # fmt: skip


# -- experiments: which similarity measure and which clustering -----------------


@dataclass(frozen=True, slots=True)
class Variant:
    name: str
    measure: str  #: "jaccard" (3-token shingles) or "lcs"
    ngram: int = NGRAM  #: tokens per aligned element ("lcs")
    weight: float = IDENTIFIER_WEIGHT  #: identifier-word weight ("lcs")
    clustering: str = "linkage"  #: "linkage" (dupfinder's) or "greedy-star" (the earlier algorithm)


VARIANTS = (
    Variant("before: shingle Jaccard, greedy star", "jaccard", clustering="greedy-star"),
    Variant("shingle Jaccard, star-constrained linkage", "jaccard"),
    Variant("token LCS + words, linkage", "lcs", ngram=1),
    Variant("bigram LCS alone, linkage", "lcs", weight=0.0),
    Variant("bigram LCS + words, greedy star", "lcs", clustering="greedy-star"),
    Variant("bigram LCS + words, linkage (dupfinder)", "lcs"),
)
ABLATION_THRESHOLDS = tuple(round(0.3 + 0.025 * k, 3) for k in range(21))  # 0.3 .. 0.8


def similarities(variant: Variant, units: Sequence[Unit], pairs: Sequence[Pair], floor: float) -> dict[Pair, float]:
    """The variant's similarity of every pair of ``units`` (by position) at or above ``floor``."""
    if variant.measure == "lcs":
        edges = verify_pairs(units, pairs, floor, identifier_weight=variant.weight, ngram=variant.ngram)
        return {(i, j): sim for i, j, sim in edges}
    shingles = [signatures.shingles(u.token_hashes, 3) for u in units]
    out = {}
    for i, j in pairs:
        sim = signatures.jaccard(shingles[i], shingles[j])
        if sim >= floor:
            out[(i, j)] = sim
    return out


def greedy_star(nodes: Sequence[Sequence[Unit]], edges: Sequence[tuple[int, int, float]]) -> list[list[int]]:
    """The clustering dupfinder used before: nodes by decreasing weight, each untaken one takes its neighbours."""
    adjacency: dict[int, dict[int, float]] = defaultdict(dict)
    for i, j, sim in edges:
        adjacency[i][j] = adjacency[j][i] = sim
    weight = {n: len(nodes[n]) + sum(adjacency[n].values()) for n in range(len(nodes))}
    taken: set[int] = set()
    groups = []
    for centre in sorted(range(len(nodes)), key=lambda n: (-weight[n], nodes[n][0].fingerprint)):
        if centre in taken:
            continue
        members = [centre, *(m for m in adjacency[centre] if m not in taken)]
        taken.update(members)
        groups.append(members)
    return groups


def group_pairs(nodes: Sequence[Sequence[Unit]], groups: Iterable[Sequence[int]]) -> set[Pair]:
    out: set[Pair] = set()
    for g in groups:
        ids = sorted({f for n in g for u in nodes[n] if (f := function_id(u.path, u.name)) is not None})
        out.update(itertools.combinations(ids, 2))
    return out


def fixture_floor(variant: Variant) -> tuple[float, float]:
    """(highest similarity of two unrelated units, lowest of two planted copies) over the annotated fixtures."""
    worst_other, worst_planted = 0.0, 1.0
    for expected in sorted((REPO / "fixtures").glob("*/expected.json")):
        groups = json.loads(expected.read_text()).get("groups")
        if not groups:
            continue
        config = ScanConfig(jobs=1)
        disc = discover([str(expected.parent)], config)
        units = [u for r in analyse_all(disc.files, config) for u in r.units]
        planted = {(i["path"], i["start_line"], i["end_line"]): g["id"] for g in groups for i in g["instances"]}
        pairs = [
            (i, j)
            for i, j in itertools.combinations(range(len(units)), 2)
            if units[i].language == units[j].language and units[i].fingerprint != units[j].fingerprint
        ]
        sims = similarities(variant, units, pairs, 0.0)
        for (i, j), sim in sims.items():
            a = planted.get((units[i].path, units[i].start_line, units[i].end_line))
            b = planted.get((units[j].path, units[j].start_line, units[j].end_line))
            if a is not None and a == b:
                worst_planted = min(worst_planted, sim)
            else:
                worst_other = max(worst_other, sim)
    return worst_other, worst_planted


def ablation(data: Dataset, units: Sequence[Unit], min_tokens: int) -> list[tuple[Variant, float, float, list[Score]]]:
    """Every variant at every threshold, on every pair of units (no LSH: the measure and clustering alone)."""
    nodes = nodes_of([u for u in units if u.n_tokens >= min_tokens])
    reps = [n[0] for n in nodes]
    pairs = list(itertools.combinations(range(len(nodes)), 2))
    out = []
    for variant in VARIANTS:
        start = time.perf_counter()
        sims = similarities(variant, reps, pairs, ABLATION_THRESHOLDS[0])
        other, planted = fixture_floor(variant)
        curve = []
        for t in ABLATION_THRESHOLDS:
            edges = [(i, j, s) for (i, j), s in sims.items() if s >= t]
            if variant.clustering == "greedy-star":
                reported = group_pairs(nodes, greedy_star(nodes, edges))
            else:
                reported = cluster_pairs(build_clusters(nodes, edges))[0]
            curve.append(score(f"{variant.name} t={t:g}", reported, data, 0.0, threshold=t))
        print(f"  {variant.name}: {time.perf_counter() - start:.0f} s", file=sys.stderr)
        out.append((variant, other, planted, curve))
    return out


def ablation_table(results: Sequence[tuple[Variant, float, float, list[Score]]]) -> str:
    lines = [
        "| variant | fixtures: unrelated max / planted min | threshold | T1 | T2 | ST3 | MT3 | WT3/T4 | FP rate "
        "| labelled precision | highest threshold with MT3 >= 70 % and FP <= 5 %: ST3 / MT3 / FP / precision |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for variant, other, planted, curve in results:
        # the lowest threshold on the grid above every unrelated pair in the fixtures
        safe = next((s for s in curve if s.notes["threshold"] > other + 1e-9), curve[-1])
        target = [s for s in curve if s.recall["MT3"] >= 0.7 and s.fp_rate <= 0.05]
        best = (
            f"{target[-1].notes['threshold']:g}: {pct(target[-1].recall['ST3'])} / {pct(target[-1].recall['MT3'])}"
            f" / {pct(target[-1].fp_rate)} / {pct(target[-1].precision)}"
            if target
            else "none"
        )
        r = safe.recall
        lines.append(
            f"| {variant.name} | {other:.3f} / {planted:.3f} | {safe.notes['threshold']:g} | {pct(r['T1'])} "
            f"| {pct(r['T2'])} | {pct(r['ST3'])} | {pct(r['MT3'])} | {pct(r['WT3_T4'])} | {pct(safe.fp_rate)} "
            f"| {pct(safe.precision)} | {best} |"
        )
    return "\n".join(lines)


# -- the precision-recall curve ------------------------------------------------


SWEEP_THRESHOLDS = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7, 0.8, 0.9)


def sweep(data: Dataset, units: Sequence[Unit], min_tokens_values: Sequence[int]) -> list[Score]:
    """The similarity half of the pipeline (:func:`find_clusters`) at every threshold, on units parsed once."""
    out = []
    for m in min_tokens_values:
        kept = [u for u in units if u.n_tokens >= m]
        for t in SWEEP_THRESHOLDS:
            start = time.perf_counter()
            clusters = find_clusters(kept, ScanConfig(threshold=t, min_tokens=m))
            seconds = time.perf_counter() - start
            out.append(score(f"--threshold {t:g} --min-tokens {m}", cluster_pairs(clusters)[0], data, seconds,
                             threshold=t, min_tokens=m))  # fmt: skip
            print(f"  {out[-1].name}: {row(out[-1])}", file=sys.stderr)
    return out


MEMBER_FLOORS = (0.25, 0.3, 0.325, 0.33, 0.34, 0.35, 0.4, 0.45, 0.5)


def member_sweep(
    data: Dataset, units: Sequence[Unit], threshold: float, min_tokens_values: Sequence[int]
) -> list[Score]:
    """The similarity half at ``threshold`` for every ``--member-similarity`` in :data:`MEMBER_FLOORS`."""
    out = []
    for m in min_tokens_values:
        kept = [u for u in units if u.n_tokens >= m]
        for floor in (f for f in MEMBER_FLOORS if f <= threshold):
            start = time.perf_counter()
            clusters = find_clusters(kept, ScanConfig(threshold=threshold, min_tokens=m, member_similarity=floor))
            seconds = time.perf_counter() - start
            out.append(score(f"--threshold {threshold:g} --min-tokens {m} --member-similarity {floor:g}",
                             cluster_pairs(clusters)[0], data, seconds, member=floor, min_tokens=m))  # fmt: skip
            print(f"  {out[-1].name}: {row(out[-1])}", file=sys.stderr)
    return out


def pooled_recall(s: Score, data: Dataset) -> float:
    total = Counter(data.pairs.values())
    n = sum(total[t] for t in TRUE_TYPES)
    return sum(s.reported_labelled[t] for t in TRUE_TYPES) / n if n else float("nan")


def _by_min_tokens(points: Sequence[Score], knob: str, default_m: int) -> Iterable[tuple[int, list[Score], str]]:
    """The points of each --min-tokens, ordered by ``knob``, with a line style (solid for the default)."""
    for m in sorted({s.notes["min_tokens"] for s in points}):
        run = sorted((s for s in points if s.notes["min_tokens"] == m), key=lambda s: s.notes[knob])
        yield m, run, "-" if m == default_m else "--"


def _recall_and_fp(ax: Any, run: Sequence[Score], knob: str, style: str, m: int) -> None:
    xs = [s.notes[knob] for s in run]
    for key, colour in (("ST3", "tab:blue"), ("MT3", "tab:orange"), ("WT3_T4", "tab:gray")):
        ax.plot(xs, [100 * s.recall[key] for s in run], style, color=colour, marker="o", ms=3,
                label=f"{key} recall (min-tokens {m})")  # fmt: skip
    ax.plot(xs, [100 * s.fp_rate for s in run], style, color="tab:red", marker="x", ms=4,
            label=f"non-clone FP rate (min-tokens {m})")  # fmt: skip
    ax.axhline(5, color="tab:red", lw=0.6, ls=":")


def plot(
    points: Sequence[Score], data: Dataset, default: tuple[float, int], path: Path, fixtures: tuple[float, float],
    members: Sequence[Score] = (),
) -> None:  # fmt: skip
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right, third) = plt.subplots(1, 3, figsize=(18, 4.8))
    for m, run, style in _by_min_tokens(points, "threshold", default[1]):
        _recall_and_fp(left, run, "threshold", style, m)
        right.plot([100 * pooled_recall(s, data) for s in run], [100 * s.precision for s in run], style, marker="o",
                   ms=3, label=f"min-tokens {m}")  # fmt: skip
        for s in run:
            right.annotate(f"{s.notes['threshold']:g}", (100 * pooled_recall(s, data), 100 * s.precision),
                           fontsize=7, xytext=(3, 3), textcoords="offset points")  # fmt: skip
    left.axvline(default[0], color="black", lw=0.8, ls=":")
    if fixtures[0] < fixtures[1]:
        left.axvspan(fixtures[0], fixtures[1], color="tab:green", alpha=0.12,
                     label="fixtures: every planted copy, no unrelated pair")  # fmt: skip
    left.set(xlabel="--threshold", ylabel="%", title="Recall per type and false-positive rate")
    left.legend(fontsize=7)
    right.axhline(95, color="black", lw=0.6, ls=":")
    right.set(xlabel="recall of T1-MT3 pairs, %", ylabel="labelled precision, %",
              title="Labelled precision vs recall (points: --threshold)")  # fmt: skip
    right.legend(fontsize=8)
    for m, run, style in _by_min_tokens(members, "member", default[1]):
        _recall_and_fp(third, run, "member", style, m)
    third.axhline(70, color="tab:orange", lw=0.6, ls=":")
    third.set(xlabel=f"--member-similarity (at --threshold {default[0]:g})", ylabel="%",
              title="Cluster member floor: recall and false-positive rate")  # fmt: skip
    third.legend(fontsize=7)
    fig.suptitle(f"dupfinder on the BigCloneBench subset ({len(data.functions())} functions, "
                 f"{len(data.pairs)} labelled pairs)")  # fmt: skip
    fig.tight_layout()
    fig.savefig(path, dpi=110)


# -- output -------------------------------------------------------------------


def pct(x: float) -> str:
    return "n/a" if x != x else f"{100 * x:.1f}"


def row(s: Score) -> str:
    cells = [pct(s.recall[t]) for t in CLONE_TYPES] + [pct(s.fp_rate), pct(s.precision), f"{s.seconds:.1f}"]
    return " | ".join(cells)


HEADER = "| detector | T1 | T2 | ST3 | MT3 | WT3/T4 | FP rate | labelled precision | time (s) |"
RULE = "|---|---|---|---|---|---|---|---|---|"

#: Published recall on the full BigCloneBench, per clone type, and the precision each paper
#: measured by judging a sample of its own reports (not the same measure as labelled precision
#: above). (name, T1, T2, ST3, MT3, WT3/T4, precision, source); "?": not checked against the
#: paper here, "*": as quoted in the issue, not checked.  See README.md for sources and caveats.
PUBLISHED: tuple[tuple[str, str, str, str, str, str, str, str], ...] = (
    ("SourcererCC", "100", "98", "61", "5", "0", "83 (judged sample)", "[1]"),
    ("NiCad", "100", "100", "95", "1", "0", "?", "[1]"),
    ("CloneWorks", "?", "?", "?", "?", "?", "?", "[2]"),
    ("Oreo", "100", "99", "89", "30", "0.7", "89.5 (judged sample)", "[3]"),
    ("Siamese", "?", "?", "?", "?", "?", "?", "[4]"),
    ("CCAligner", "?", "?", "88*", "63*", "?", "?", "[5]"),
)


def table(scores: Sequence[Score], published: bool) -> str:
    lines = [HEADER, RULE]
    lines += [f"| {s.name} | {row(s)} |" for s in scores]
    if published:
        lines += [f"| {n} (published {src}) | {t1} | {t2} | {st3} | {mt3} | {wt3} | n/a | {p} | n/a |"
                  for n, t1, t2, st3, mt3, wt3, p, src in PUBLISHED]  # fmt: skip
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help=f"the data set (default {DEFAULT_DATA})")
    ap.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD, help="dupfinder --threshold")
    ap.add_argument("--min-tokens", type=int, default=DEFAULT_MIN_TOKENS, help="dupfinder --min-tokens")
    ap.add_argument(
        "--low-min-tokens",
        type=int,
        default=10,
        help="also run with this --min-tokens, to show the short functions (0: don't)",
    )
    ap.add_argument(
        "--member-similarity",
        type=float,
        action="append",
        default=None,
        help="also run with this --member-similarity (repeatable; default 0.33)",
    )
    ap.add_argument("--limit", type=int, default=0, help="use a slice of N labelled pairs, stratified by label")
    ap.add_argument("--jscpd", metavar="PATH|auto", help="also run jscpd 4 (a binary, or 'auto' to look for one)")
    ap.add_argument(
        "--install-jscpd",
        action="store_true",
        help="npm install jscpd@4 into benchmarks/bigclonebench/work/ when --jscpd auto finds none",
    )
    ap.add_argument("--stages", action="store_true", help="recall after LSH, verification and clustering")
    ap.add_argument("--sweep", action="store_true", help="PR curve over --threshold (min-tokens default and low)")
    ap.add_argument(
        "--ablation",
        action="store_true",
        help="compare similarity measures and clusterings on every pair (slow: minutes)",
    )
    ap.add_argument(
        "--plot", type=Path, default=REPO / "benchmarks" / "bigclonebench-pr.png", help="where --sweep writes its PNG"
    )
    ap.add_argument("--json", type=Path, help="also write every score as JSON here")
    args = ap.parse_args(argv)  # fmt: skip

    data = load(args.data)
    if data is None:
        print(f"BigCloneBench data not found at {args.data}: skipped (see benchmarks/bigclonebench/README.md)")
        return 0
    if args.limit:
        data = stratified_slice(data, args.limit)
    counts = Counter(data.pairs.values())
    print(f"BigCloneBench subset: {len(data.functions())} functions, {len(data.pairs)} labelled pairs "
          f"({', '.join(f'{label} {counts[label]}' for label in LABELS)})")  # fmt: skip

    scores = [run_dupfinder(data, args.threshold, args.min_tokens)]
    low = args.low_min_tokens
    if low and low != args.min_tokens:
        scores.append(run_dupfinder(data, args.threshold, low))
    for member in args.member_similarity or [DEFAULT_MEMBER]:
        scores.append(run_dupfinder(data, args.threshold, args.min_tokens, member))
        if low and low != args.min_tokens:
            scores.append(run_dupfinder(data, args.threshold, low, member))
    jscpd_note = ""
    if args.jscpd:
        binary = find_jscpd(args.jscpd)
        if binary is None and args.install_jscpd:
            binary = install_jscpd()
        if binary is None:
            jscpd_note = "jscpd: not found (pass its path, or --jscpd auto --install-jscpd to npm install it)"
        else:
            scores += run_jscpd(binary, data, args.min_tokens)
            if low and low != args.min_tokens:
                scores += run_jscpd(binary, data, low)

    print()
    print(table(scores, published=not args.limit))
    if jscpd_note:
        print(jscpd_note)
    main_score = scores[0]
    print()
    print(f"dupfinder: {main_score.notes['units']} units, {main_score.notes['clusters']} clusters, "
          f"{main_score.reported} function pairs reported (labelled: "
          f"{', '.join(f'{k} {v}' for k, v in main_score.reported_labelled.items())}); "
          f"{main_score.notes['nested_members_ignored']} nested units in clusters not counted")  # fmt: skip
    for skip in main_score.notes["skipped"]:
        print(f"  skipped by dupfinder: {skip}")

    extra: list[Score] = []
    if args.stages or args.sweep or args.ablation:
        units = analyse(data, min(args.min_tokens, low or args.min_tokens))
        for m in sorted({args.min_tokens, low} - {0}):
            short = short_pairs(data, units, m)
            print(f"labelled pairs with a function under {m} tokens: "
                  f"{', '.join(f'{label} {short[label]}' for label in LABELS)}")  # fmt: skip
        if args.stages:
            extra = stages(data, units, args.threshold, args.min_tokens)
            print()
            print("Where recall is lost (pairs after each stage; times are per stage):")
            print(table(extra, published=False))
        if args.sweep:
            print("\nsweeping --threshold ...", file=sys.stderr)
            points = sweep(data, units, sorted({args.min_tokens, low} - {0}))
            extra += points
            print()
            print("Precision-recall curve (similarity stages only, units parsed once):")
            print(table(points, published=False))
            other, planted = fixture_floor(Variant("dupfinder", "lcs"))
            print(f"annotated fixtures: unrelated units up to {other:.3f}, planted copies from {planted:.3f}: "
                  f"a threshold in ({other:.3f}, {planted:.3f}] keeps them exact")  # fmt: skip
            print("\nsweeping --member-similarity ...", file=sys.stderr)
            members = member_sweep(data, units, args.threshold, sorted({args.min_tokens, low} - {0}))
            extra += members
            print()
            print(f"Cluster member floor at --threshold {args.threshold:g} (similarity stages only):")
            print(table(members, published=False))
            plot(points, data, (args.threshold, args.min_tokens), args.plot, (other, planted), members)
            print(f"plot written to {args.plot}")
        if args.ablation:
            print("\nablation (every pair, no LSH) ...", file=sys.stderr)
            results = ablation(data, units, args.min_tokens)
            extra += [s for *_, curve in results for s in curve]
            print()
            print(f"Similarity measures and clusterings (every pair of units, --min-tokens {args.min_tokens}):")
            print(ablation_table(results))
    if args.json:
        args.json.write_text(json.dumps([asdict(s) for s in scores + extra], indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
