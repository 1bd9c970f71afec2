"""The capability map: production units of every team grouped by what they do.

Clone clusters are only part of the evidence that teams implement the same thing: teams
re-implement a capability in their own words. :func:`capability_map` reads every
production unit (not only clones, and, as *small units*, the functions under the clone minimum down
to :data:`SMALL_TOKENS` tokens: a capability is often a line or two per team) as a bag of terms --
its name and identifiers split at ``snake_case`` and ``camelCase`` boundaries, its called names
(its file's top-level imports only with ``MapSettings(import_weight=1)``) -- and groups them:

1. ``TfidfVectorizer`` (sublinear tf, terms in at least 2 units and at most 20 % of them,
   at most :data:`MAX_TERMS` terms: a bounded sparse matrix); a method's terms also hold its
   class's words, twice (``RedisBackend.get_result``: redis, backend); terms only one team uses
   are dropped, since they cannot say what teams share (a package's own name, its house words);
2. LSI: ``TruncatedSVD`` to :data:`COMPONENTS` dimensions (latent semantic indexing, as in
   Kuhn et al.'s semantic clustering), rows normalised, in float64; 0.5 of its team's mean
   vector is taken from each unit's, so that a team's style weighs less than what the unit does;
3. Ward's agglomerative clustering (:func:`_ward_groups`) cut into one group per
   :data:`UNITS_PER_GROUP` units, but at least :data:`MIN_GROUPS` groups in a small org
   (:func:`_group_count`): deterministic, and steadier than k-means when a few units enter or
   leave (``benchmarks/opportunities/tune.py`` measures both on task-queues: the adjusted Rand
   index of the grouping with every 20th unit left out against the grouping of all units was
   0.42-0.47 for mini-batch k-means with 3 seeded restarts, 0.50-0.59 for Ward).
   Above :data:`MAX_SAMPLE` units the tree is built over a hashed sample and every unit joins
   the closest group; ``MapSettings(grouping="kmeans")`` keeps the mini-batch k-means;
   The tree is cut a second time into twice the groups (:data:`MapSettings.extra_cuts`): a
   capability of a function or two per team falls in one group at one cut or the other when a
   few neighbours come or go, and a finer group whose teams are those of the coarser group
   holding one of its units says nothing new and is left out;
   Small units take no part in fitting the terms, the LSI, the teams' centres or the tree: each joins the
   group whose centre is closest (``MapSettings(small_join="fit")``); their many few-word rows would otherwise
   pull the components and the tree towards what every short function shares;
4. each group is named by its most distinctive terms by class-based TF-IDF (BERTopic's
   c-TF-IDF: a term's frequency in the group times ``log(1 + A / f)``, ``A`` the mean
   number of terms per group, ``f`` the term's frequency over all groups).

A unit is a group's *implementation evidence* when its cosine to the group's centre is at
least :data:`MIN_CONFIDENCE` (that cosine is its confidence). A capability a team holds
enough evidence for (:func:`team_capabilities`) is one of that team's capabilities (the
settings, :class:`MapSettings`, were tuned on the task-queues org of
``benchmarks/opportunities/run.py``). A capability is an opportunity when two or more teams hold
it and at least :attr:`MapSettings.min_shared_terms` of its terms are each used by half of those
teams (:func:`shared_terms`: teams whose units share one word, ``class`` or ``add``, share no
capability; the language's own words, ``getattr`` or ``__getitem__``, never count), and it does not
repeat a higher-scored opportunity (:func:`distinct`: the two cuts
of the tree can hold much the same units for a slightly different set of teams).

Cost: O(terms of all units) to vectorise, O(units x COMPONENTS) memory after LSI,
O(MAX_SAMPLE^2) for Ward's tree and O(units x groups x COMPONENTS) to join the groups; see
``benchmarks/opportunities/run.py`` and ``benchmarks/cold_cost.py`` for timings.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

import numpy as np

from dupfinder.model import CapabilityRow, Cluster, Opportunity, RuleSet, TeamEvidence, Unit

MAX_TERMS: Final = 20000
COMPONENTS: Final = 80
UNITS_PER_GROUP: Final = 40
MAX_GROUPS: Final = 400
#: at least this many groups, however few the units (while a group holds a unit per team on average): how
#: many capabilities an org's teams share follows its domain more than its size (config-loaders' 400 units in
#: 10 groups hid every capability of a function or two per team)
MIN_GROUPS: Final = 60
MIN_CONFIDENCE: Final = 0.55
MIN_TEAM_UNITS: Final = 2
LABEL_TERMS: Final = 4
LABEL_CANDIDATES: Final = 30  #: a label's terms are chosen among a group's this many most distinctive ones
MIN_UNITS: Final = 50  #: fewer production units than this make no map
MAX_SAMPLE: Final = 3000  #: units Ward's tree is built over at most (O(sample^2) memory and time)
#: functions of this many tokens or more, under the clone minimum, are small units of the map: a capability is
#: often a function of a line or two per team (``urlsafe_b64encode(s).rstrip(b"=")``).  On the six tuning orgs
#: of benchmarks/opportunities (small_units.py at 807da93, before the score counted only the teams speaking a
#: capability's words) the floors 20, 24 and 28 found 26, 28 and 27 labelled capabilities in the top 20, 50 (none)
#: 26; 16 and 12 found 25 and 26
SMALL_TOKENS: Final = 24

_SPLIT = re.compile(r"[A-Z]+(?=[A-Z][a-z]|\d|\b)|[A-Z]?[a-z]+|[A-Z]+|\d+")
_STOP: Final = frozenset(
    [
        "self",
        "cls",
        "args",
        "kwargs",
        "arg",
        "kw",
        "get",
        "set",
        "none",
        "true",
        "false",
        "str",
        "int",
        "bool",
        "dict",
        "list",
        "tuple",
        "len",
        "isinstance",
        "return",
        "value",
        "values",
        "key",
        "keys",
        "item",
        "items",
        "obj",
        "object",
        "name",
        "names",
        "type",
        "data",
        "result",
        "res",
        "i",
        "j",
        "k",
        "n",
        "x",
        "y",
        "e",
        "ex",
        "exc",
        "err",
        "error",
        "t",
        "s",
        "v",
        "f",
        "fn",
        "func",
        "to",
        "of",
        "in",
        "on",
        "is",
        "the",
        "a",
        "an",
        "and",
        "or",
        "not",
        "for",
        "with",
        "from",
        "by",
        "at",
        "as",
        "if",
        "init",
        "new",
        "call",
        "repr",
        "eq",
        "ne",
        "hash",
        "super",
        "append",
        "extend",
        "pop",
        "update",
        "copy",
        "format",
        "join",
        "split",
        "strip",
        "__init__",
        "__call__",
        "__repr__",
        "_",
    ]
)


def terms_of(
    unit: Unit, owner_weight: int = 0, literal_weight: int = 0, used_imports: bool = False, import_weight: int = 1
) -> list[str]:
    """The bag of terms of a unit: split name (thrice), split identifiers and calls, imports;
    ``owner_weight`` times the split names of the classes (or functions) it is defined in;
    ``used_imports``: only the file's imports the unit names (the module or the imported name
    among its identifiers), by their top-level package (relative imports left out); each import
    term ``import_weight`` times."""
    out: list[str] = []

    def split(word: str) -> list[str]:
        return [p.lower() for p in _SPLIT.findall(word) if len(p) > 2 and p.lower() not in _STOP]

    if unit.name:
        *owners, own = unit.name.split(".")
        out.extend(split(own) * 3)
        for owner in owners:
            out.extend(split(owner) * owner_weight)
    for ident in unit.identifiers:
        out.extend(split(ident))
    for call in unit.calls:
        out.extend(split(call.rsplit(".", 1)[-1]))
    if used_imports:
        named = set(unit.identifiers)
        imports = [
            imp
            for imp in unit.imports
            if not imp.startswith(".") and (imp.split(".", 1)[0] in named or imp.rsplit(".", 1)[-1] in named)
        ]
    else:
        imports = list(unit.imports)
    out.extend("import:" + imp.split(".", 1)[0] for imp in imports for _ in range(import_weight))
    for _ in range(literal_weight):
        out.extend("literal:" + lit for lit in unit.literals)
    return out


@dataclass(frozen=True, slots=True)
class Capability:
    """A group of units that do the same kind of thing, across teams."""

    id: str
    label: str  #: its most distinctive terms
    terms: tuple[str, ...]
    units: tuple[tuple[Unit, str, float], ...]  #: (unit, team, confidence) of its evidence, by team, path, line
    category: str | None = None  #: the rule category its units match, if one does (:func:`titled`)

    @property
    def title(self) -> str:
        """``category: terms`` when a rule category matches, else the terms."""
        return f"{self.category}: {self.label}" if self.category else self.label

    def teams(self) -> dict[str, tuple[int, int]]:
        """team -> (units, lines) of its evidence."""
        out: dict[str, tuple[int, int]] = {}
        for unit, team, _ in self.units:
            n, lines = out.get(team, (0, 0))
            out[team] = (n + 1, lines + unit.end_line - unit.start_line + 1)
        return out


@dataclass(frozen=True, slots=True)
class MapSettings:
    """How :func:`capability_map` groups units (the defaults were tuned on task-queues)."""

    units_per_group: int = UNITS_PER_GROUP  #: k-means groups: one per this many units
    n_init: int = 3  #: k-means restarts (seeded from 0); the best inertia wins
    min_confidence: float = MIN_CONFIDENCE
    full_kmeans: bool = False  #: Lloyd's k-means instead of mini-batch (no steadier on task-queues)
    svd_iter: int = 4  #: power iterations of the randomized SVD
    init: str = "k-means++"  #: k-means seeding: "k-means++" or "random" (cheaper: k-means++ is most of the cost)
    min_team_units: int = MIN_TEAM_UNITS  #: units of its own evidence a team needs ...
    strong_confidence: float = 0.6  #: ... unless one unit is at least this close to the centre (or a clone)
    grouping: str = "ward"  #: "ward" (agglomerative, see :func:`_ward_groups`) or "kmeans" (:func:`_groups`)
    max_sample: int = MAX_SAMPLE  #: Ward's tree is built over at most this many units (a hashed sample)
    soft_confidence: float | None = None  #: a unit this close to another group's centre evidences it too
    min_term_teams: int = 2  #: terms used by fewer teams than this are left out: they cannot say what teams share
    owner_weight: int = 2  #: times the words of a method's class name count among its terms
    team_centre: float = 0.5  #: this share of its team's mean vector is taken from each unit's vector
    min_groups: int = MIN_GROUPS  #: at least this many groups, however few the units ...
    units_per_team: float = 1.0  #: ... while a group holds this many units per team on average
    literal_weight: int = 0  #: times each string literal (its digest) counts among a unit's terms
    leave_one_out: bool = False  #: a unit's confidence is its cosine to the centre of the group's other units
    cut_distance: float | None = None  #: Ward's tree is cut at this merge distance (instead of a group count)
    used_imports: bool = False  #: a unit's import terms are only the file's imports it names (:func:`terms_of`)
    #: times each of its file's imports counts among a unit's terms: 0, since every unit of a file has them all,
    #: they group units by file and package rather than by what each does (the rule categories still read them)
    import_weight: int = 0
    #: Ward's tree is also cut into this many times the groups; each cut's groups are capabilities (once) ...
    extra_cuts: tuple[float, ...] = (2.0,)
    novel_cuts: bool = True  #: ... unless its teams are those of a first-cut capability holding one of its units
    extra_cut_teams: int = 3  #: ... or it holds units of fewer teams than this
    novel_subsets: bool = True  #: ... or its teams are among those of such a first-cut capability
    #: a finer cut's units are as confident as in the first cut ("first": cosine to its group's centre), or to their
    #: own group's centre ("own": a small group's members are close to it by construction)
    extra_cut_confidence: str = "own"
    #: an opportunity that shares at least this share of its evidence units (of the smaller evidence) with a
    #: higher-scored one repeats it and is left out (:func:`distinct`); None keeps every one
    max_overlap: float | None = 0.5
    #: a capability is an opportunity only when at least this many of its terms are each used by half of its
    #: teams with evidence (and two): teams that share one word (``class``, ``add``) share no capability
    min_shared_terms: int = 2
    #: the score counts a team only when its evidence uses half of the capability's this many most shared terms
    #: (:func:`shared_terms`): a team with a unit or two near a broad group's centre that speak of something else
    #: does not raise it; 0 counts every team with evidence
    score_terms: int = 5
    # How the map takes *small* units, units without tokens (``token_hashes`` empty): the functions of
    # SMALL_TOKENS tokens or more under the clone minimum (:attr:`dupfinder.model.FileResult.small_units`),
    # measured on the six tuning orgs by ``benchmarks/opportunities/small_units.py`` (RESULTS.md, "Small
    # functions in the map").
    #: "fit" (the default): the terms, the LSI and the teams' centres are fitted on the other units, Ward's tree
    #: is built over them, and each small unit joins the closest group; "tree": only the tree leaves them out;
    #: "": small units are units like the others
    small_join: str = "fit"
    small_count: float = 1.0  #: a small unit counts as this many units towards a team's min_team_units
    small_strong: bool = True  #: a small unit as close as strong_confidence makes its team alone
    small_confidence: float | None = None  #: a small unit is evidence from this cosine (None: min_confidence)
    #: words that never count as shared terms (:func:`shared_terms`); None: the units' languages' own words
    #: (:func:`dupfinder.languages.idioms_of`: Python's builtins, keywords and special methods)
    idioms: frozenset[str] | None = None


def _group_count(n: int, teams: int, settings: MapSettings) -> int:
    """How many groups ``n`` units of ``teams`` teams are cut into: one per ``units_per_group`` units, but at
    least ``min_groups`` while a group still holds ``units_per_team`` units per team on average (a capability
    that most teams implement in a function or two each is a group of about that many units)."""
    floor = min(settings.min_groups, int(n / (settings.units_per_team * max(1, teams))))
    return max(2, min(MAX_GROUPS, max(n // settings.units_per_group, floor)))


def _groups(lsi: np.ndarray, teams: int, settings: MapSettings) -> np.ndarray:
    """A group per row of ``lsi`` (unit-length rows), by k-means."""
    from sklearn.cluster import KMeans, MiniBatchKMeans

    k = _group_count(len(lsi), teams, settings)
    if settings.full_kmeans:
        labels = KMeans(k, init=settings.init, random_state=0, n_init=settings.n_init).fit(lsi).labels_
    else:
        labels = MiniBatchKMeans(k, init=settings.init, random_state=0, n_init=settings.n_init,
                                 batch_size=4096).fit(lsi).labels_  # fmt: skip
    return np.asarray(labels)


def _sample_key(unit: Unit) -> bytes:
    """A unit's place in the hashed sample: a digest of where it is, so the sample of a set of units
    changes only by the units that enter or leave it."""
    return hashlib.blake2b(f"{unit.path}\0{unit.start_line}\0{unit.end_line}".encode(), digest_size=8).digest()


def _ward_groups(
    lsi: np.ndarray, ordered: Sequence[Unit], teams: int, settings: MapSettings, factors: Sequence[float] = (1.0,)
) -> list[np.ndarray]:
    """A group per row of ``lsi`` by Ward's agglomerative clustering, one grouping per cut of the tree:
    deterministic, and a few units entering or leaving move only the merges near them (k-means'
    seeding moves every group).

    The tree is built over the units (over a hashed sample of ``max_sample`` of them when there are
    more: :func:`_sample_key`), cut into :func:`_group_count` groups times each of ``factors``; every
    unit then joins the group whose centre (mean of the tree's members, normalised) is closest by cosine.
    """
    from scipy.cluster.hierarchy import fcluster, linkage

    # with small_join, the tree holds the units with tokens (every unit when none has any)
    pool = [n for n, u in enumerate(ordered) if u.token_hashes] if settings.small_join else []
    pool = pool or list(range(len(lsi)))
    if len(pool) > settings.max_sample:
        keys = {n: _sample_key(ordered[n]) for n in pool}
        rows = np.array(sorted(sorted(pool, key=keys.__getitem__)[: settings.max_sample]))
    else:
        rows = np.array(pool)
    n_grouped = len(pool)
    tree = linkage(lsi[rows], method="ward")
    out = []
    for factor in factors:
        if settings.cut_distance is not None:
            cut = fcluster(tree, t=settings.cut_distance * factor, criterion="distance") - 1
        else:
            k = max(2, round(_group_count(n_grouped, teams, settings) * factor))
            cut = fcluster(tree, t=k, criterion="maxclust") - 1
        if len(rows) == len(lsi):
            out.append(np.asarray(cut))
            continue
        sums = np.zeros((int(cut.max()) + 1, lsi.shape[1]))
        np.add.at(sums, cut, lsi[rows])
        centres = sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
        out.append(np.asarray(np.argmax(lsi @ centres.T, axis=1)))
    return out


def _label_terms(scores: np.ndarray, vocab: np.ndarray, present: Any, teams: Sequence[str]) -> tuple[str, ...]:
    """A group's label: its most distinctive terms by c-TF-IDF (``scores``), each once, those that
    two or more of its teams' units use first, and words of the code (names, identifiers, calls)
    before imported module names (``backports, zoneinfo`` says less than ``month, weekday``).

    ``present``: the group's units x terms (non-zero where a unit has the term), ``teams`` their teams.
    """
    candidates = [
        int(t)
        for t in np.argsort(-scores, kind="stable")[:LABEL_CANDIDATES]
        if scores[t] > 0 and not str(vocab[t]).startswith("literal:")
    ]
    if not candidates:
        return ()
    used = present[:, candidates]
    by_team: dict[str, list[int]] = {}
    for n, team in enumerate(teams):
        by_team.setdefault(team, []).append(n)
    shared = np.zeros(len(candidates), dtype=int)  # teams using each candidate
    for rows in by_team.values():
        shared += np.asarray(used[rows].sum(axis=0)).ravel() > 0
    ranked = sorted(
        range(len(candidates)), key=lambda n: (int(shared[n]) < 2, str(vocab[candidates[n]]).startswith("import:"))
    )
    names = (str(vocab[candidates[n]]).removeprefix("import:") for n in ranked)
    # a module imported and named is one term: huey, import:huey
    return tuple(itertools.islice(dict.fromkeys(names), LABEL_TERMS))


def capability_map(
    units: Sequence[Unit], team_of: Callable[[str], str], settings: MapSettings | None = None
) -> tuple[Capability, ...]:
    """The capabilities of ``units`` (production code, any teams); see the module docstring."""
    settings = settings or MapSettings()
    if len(units) < MIN_UNITS:
        return ()
    import scipy.sparse as sp
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    ordered = sorted(units, key=lambda u: (u.path, u.start_line, u.end_line, u.name or ""))
    docs = [
        terms_of(u, settings.owner_weight, settings.literal_weight, settings.used_imports, settings.import_weight)
        for u in ordered
    ]
    vectorizer = TfidfVectorizer(analyzer=lambda d: d, min_df=2, max_df=0.2, max_features=MAX_TERMS,
                                 sublinear_tf=True, dtype=np.float32)  # fmt: skip
    fit = [n for n, u in enumerate(ordered) if u.token_hashes] if settings.small_join == "fit" else None
    fit = fit or None  # no unit with tokens: fitted on every unit
    try:
        if fit is None:
            x = vectorizer.fit_transform(docs)
        else:
            vectorizer.fit([docs[n] for n in fit])
            x = vectorizer.transform(docs)
    except ValueError:  # no term left
        return ()
    vocab = vectorizer.get_feature_names_out()
    if settings.min_term_teams > 1:
        team_names = sorted({team_of(u.path) for u in ordered})
        index = {t: n for n, t in enumerate(team_names)}
        rows_team = np.array([index[team_of(u.path)] for u in ordered])
        by_team = sp.csr_matrix((np.ones(len(ordered), dtype=np.float32), (rows_team, np.arange(len(ordered)))),
                                shape=(len(team_names), len(ordered)))  # fmt: skip
        seen_x = x if fit is None else x[fit]
        seen_by = by_team if fit is None else by_team[:, fit]
        spread = np.asarray(((seen_by @ (seen_x > 0).astype(np.float32)) > 0).sum(axis=0)).ravel()
        keep = np.flatnonzero(spread >= settings.min_term_teams)
        x, vocab = x[:, keep], vocab[keep]
    if x.shape[1] <= COMPONENTS:
        return ()
    # float64: k-means' distances then take the BLAS path (float32 is upcast in chunks, 2-3x slower)
    svd = TruncatedSVD(COMPONENTS, random_state=0, n_iter=settings.svd_iter)
    if fit is None:
        lsi = normalize(svd.fit_transform(x).astype(np.float64))
    else:
        lsi = normalize(svd.fit(x[fit]).transform(x).astype(np.float64))
    if settings.team_centre:
        team_ids = np.unique([team_of(u.path) for u in ordered], return_inverse=True)[1]
        among = np.arange(len(ordered)) if fit is None else np.array(fit)
        means = np.zeros((int(team_ids.max()) + 1, lsi.shape[1]))
        np.add.at(means, team_ids[among], lsi[among])
        means /= np.maximum(np.bincount(team_ids[among], minlength=len(means)), 1)[:, None]
        lsi = normalize(lsi - settings.team_centre * means[team_ids])
    n_teams = len({team_of(u.path) for u in ordered})
    if settings.grouping == "ward":
        cuts = _ward_groups(lsi, ordered, n_teams, settings, (1.0, *settings.extra_cuts))
    else:
        cuts = [_groups(lsi, n_teams, settings)]
    counts = (x > 0).astype(np.float32)
    out: list[Capability] = []
    seen: set[tuple[tuple[str, int], ...]] = set()
    first: dict[tuple[str, int], frozenset[str]] = {}  # unit -> teams of its capability in the first cut
    first_cosine = None
    if settings.extra_cut_confidence == "first":
        first_labels = np.unique(cuts[0], return_inverse=True)[1]
        sums = np.zeros((int(first_labels.max()) + 1, lsi.shape[1]))
        np.add.at(sums, first_labels, lsi)
        first_cosine = np.einsum("ij,ij->i", lsi, normalize(sums)[first_labels])
    for n, labels in enumerate(cuts):
        for cap in _capabilities(np.unique(labels, return_inverse=True)[1], lsi, counts, vocab, ordered, team_of,
                                 settings, first_cosine if n else None):  # fmt: skip
            key = tuple((u.path, u.start_line) for u, _, _ in cap.units)
            teams = frozenset(cap.teams())
            if n == 0:
                first.update((k, teams) for k in key)
            elif settings.novel_cuts and any(
                first.get(k) == teams or (settings.novel_subsets and teams <= first.get(k, frozenset())) for k in key
            ):
                continue  # the same teams as a capability of the first cut that holds one of its units
            elif len(teams) < settings.extra_cut_teams:
                continue
            if key not in seen:
                seen.add(key)
                out.append(cap)
    out.sort(key=lambda c: (c.units[0][0].path, c.units[0][0].start_line, c.label))
    return tuple(Capability(f"cap-{n:03d}", c.label, c.terms, c.units) for n, c in enumerate(out, start=1))


def _capabilities(
    labels: np.ndarray,
    lsi: np.ndarray,
    counts: Any,
    vocab: np.ndarray,
    ordered: Sequence[Unit],
    team_of: Callable[[str], str],
    settings: MapSettings,
    cosine_of: np.ndarray | None = None,
) -> list[Capability]:
    """The capabilities of one grouping (``labels``: groups numbered 0..k-1, none empty), unnumbered;
    ``cosine_of``: each unit's confidence, when not its cosine to its own group's centre."""
    import scipy.sparse as sp
    from sklearn.preprocessing import normalize

    k = int(labels.max()) + 1
    member = sp.csr_matrix((np.ones(len(labels), dtype=np.float32), (labels, np.arange(len(labels)))),
                           shape=(k, len(labels)))  # fmt: skip
    sums = np.asarray(member @ lsi)
    centres = normalize(sums)
    if settings.leave_one_out:
        # a unit's confidence is its cosine to the centre of the group's other units: in a small group a
        # unit is much of its own centre (a 3-unit group's members are >= 0.58 close to it by construction)
        cosine = np.einsum("ij,ij->i", lsi, normalize(sums[labels] - lsi))
    else:
        cosine = np.einsum("ij,ij->i", lsi, centres[labels])
    if cosine_of is not None:
        cosine = cosine_of
    floor = np.full(len(ordered), settings.min_confidence)
    if settings.small_confidence is not None:
        floor[[n for n, u in enumerate(ordered) if not u.token_hashes]] = settings.small_confidence
    also: dict[int, list[tuple[int, float]]] = {}  # group -> (row, cosine) of units of other groups close to it
    if settings.soft_confidence is not None:
        for lo in range(0, len(lsi), 8192):
            near = lsi[lo : lo + 8192] @ centres.T
            for r, g in zip(*np.nonzero(near >= settings.soft_confidence), strict=True):
                if labels[lo + r] != g:
                    also.setdefault(int(g), []).append((lo + int(r), float(near[r, g])))
    # class-based TF-IDF over the term counts (presence) of each group
    per_group = np.asarray((member @ counts).todense())
    size = per_group.sum(axis=1, keepdims=True)
    tf = per_group / np.maximum(size, 1.0)
    idf = np.log(1.0 + size.mean() / np.maximum(per_group.sum(axis=0), 1.0))
    ctfidf = tf * idf
    out: list[Capability] = []
    for g in range(k):
        rows = [(int(r), float(cosine[r])) for r in np.flatnonzero(labels == g) if cosine[r] >= floor[r]]
        rows += also.get(g, [])
        if not rows:
            continue
        hard = [r for r, _ in rows if labels[r] == g] or [r for r, _ in rows]
        terms = _label_terms(ctfidf[g], vocab, counts[hard], [team_of(ordered[r].path) for r in hard])
        members = sorted(
            ((ordered[r], team_of(ordered[r].path), round(c, 4)) for r, c in rows),
            key=lambda m: (m[1], m[0].path, m[0].start_line),
        )
        out.append(Capability("", ", ".join(terms), terms, tuple(members)))
    return out


def titled(caps: Sequence[Capability], rules: RuleSet) -> tuple[Capability, ...]:
    """``caps`` with the rule category their evidence units match (as a clone cluster's copies
    would: the mean confidence over the units reaches the category's ``min_confidence``)."""
    from dupfinder.rules import categorize_copies

    return tuple(replace(c, category=categorize_copies([u for u, _, _ in c.units], rules)[0]) for c in caps)


def without_adopters(caps: Sequence[Capability], rules: RuleSet) -> tuple[Capability, ...]:
    """``caps`` without the units whose file imports a declared platform of the capability's
    category: such a unit uses the platform (an adopter), it does not implement the capability."""
    from dupfinder.rules.platforms import platform_for_import

    def adopts(unit: Unit, category: str) -> bool:
        return any(
            (p := platform_for_import(imp, unit.language, rules)) is not None and p.category == category
            for imp in unit.imports
        )

    if not rules.platforms:
        return tuple(caps)
    return tuple(
        replace(c, units=tuple(m for m in c.units if not adopts(m[0], c.category))) if c.category else c for c in caps
    )


def team_capabilities(
    cap: Capability, settings: MapSettings | None = None, cloned: frozenset[tuple[str, int, int]] = frozenset()
) -> dict[str, tuple[int, int]]:
    """The teams with enough evidence of their own, with (units, lines): at least
    ``min_team_units`` units, or one unit that is a cross-team clone (``cloned``: path, start,
    end) or at least ``strong_confidence`` close to the group's centre."""
    settings = settings or MapSettings()
    strong = {
        t for u, t, c in cap.units
        if (c >= settings.strong_confidence and (settings.small_strong or u.token_hashes))
        or (u.path, u.start_line, u.end_line) in cloned
    }  # fmt: skip
    counted: dict[str, float] = {}
    for u, t, _ in cap.units:
        counted[t] = counted.get(t, 0.0) + (1.0 if u.token_hashes else settings.small_count)
    return {t: v for t, v in sorted(cap.teams().items()) if counted[t] >= settings.min_team_units or t in strong}


def confidence_of(cap: Capability, team: str) -> float:
    """A team's confidence in a capability: the mean of its evidence's cosines."""
    found = [c for _, t, c in cap.units if t == team]
    return round(sum(found) / len(found), 4) if found else 0.0


def capability_formula(score_terms: int | None = None) -> str:
    """How a capability opportunity is scored (``why["formula"]``), for :attr:`MapSettings.score_terms` (None:
    the default's)."""
    score_terms = MapSettings().score_terms if score_terms is None else score_terms
    teams = "teams" if not score_terms else f"teams whose evidence uses half of the {score_terms} most shared terms"
    return (
        f"10*(sum of the confidence of the {teams} - 1) + 2*log2(1+units) + log2(1+lines) + 10*cross_team_clone_share"
        " + 2*(repositories-1) + (languages-1) + log2(1+churn)"
    )


#: How a capability opportunity is scored with the default settings, shown in ``why["formula"]``.
CAPABILITY_FORMULA: Final = capability_formula()


def capability_rows(caps: Sequence[Capability]) -> tuple[CapabilityRow, ...]:
    """The map as rows of the report (teams with any evidence)."""
    return tuple(
        CapabilityRow(c.id, c.title, c.category, tuple((t, n, lines) for t, (n, lines) in sorted(c.teams().items())))
        for c in caps
    )


def capability_opportunities(
    caps: Sequence[Capability],
    cross_team: Sequence[Cluster],
    churn: Mapping[str, int] | None = None,
    settings: MapSettings | None = None,
) -> list[Opportunity]:
    """A platform opportunity for every capability two or more teams implement themselves.

    Evidence: each such team's units (``implementation``, confidence = cosine to the group's
    centre); a unit that is a copy in a cross-team clone cluster is ``clone`` evidence with
    confidence 1.0, the strongest. The score's parts are in ``why`` (see :data:`CAPABILITY_FORMULA`):
    its teams part counts a team at its strongest evidence's confidence, and only a team whose evidence
    uses half of the capability's :attr:`MapSettings.score_terms` most shared terms (``teams_speaking``):
    a broad group gathers a unit or two of many teams near its centre that speak of something else, and a
    PM reading the evidence would not count them.  On the eight orgs of ``benchmarks/opportunities``
    (``small_units.py``, variants ``24-termsN`` and ``24`` for five) 0, 3, 4, 5, 6 and 8 terms found 36,
    37, 38, 39, 36 and 38 labelled capabilities in the top 20.
    """
    settings = settings or MapSettings()
    cloned = {(i.path, i.start_line, i.end_line): c.id for c in cross_team for i in c.instances}
    keys = frozenset(cloned)
    out: list[Opportunity] = []
    for cap in caps:
        teams = team_capabilities(cap, settings, keys)
        if len(teams) < 2:
            continue
        by_team = team_terms(cap, teams, settings)
        shared = shared_terms(cap, teams, settings, by_team)
        if len(shared) < settings.min_shared_terms:
            continue
        # the teams the score counts: those whose evidence uses half of the most shared terms
        top = set(shared[: settings.score_terms])
        speaking = [t for t in teams if len(by_team[t] & top) >= len(top) / 2] if settings.score_terms else list(teams)
        evidence: list[TeamEvidence] = []
        for unit, team, conf in cap.units:
            if team not in teams:
                continue
            key = (unit.path, unit.start_line, unit.end_line)
            kind = "clone" if key in cloned else "implementation"
            evidence.append(TeamEvidence(team, unit.path, unit.start_line, unit.end_line, unit.name, kind,
                                         1.0 if kind == "clone" else conf))  # fmt: skip
        weighted = max(1.0, sum(max(e.confidence for e in evidence if e.team == t) for t in speaking))
        lines = sum(e.end_line - e.start_line + 1 for e in evidence)
        clone_lines = sum(e.end_line - e.start_line + 1 for e in evidence if e.kind == "clone")
        chosen = [u for u, t, _ in cap.units if t in teams]
        repos = len({u.root for u in chosen})
        langs = sorted({u.language for u in chosen})
        parts = {
            "score_teams": 10 * (weighted - 1),
            "score_instances": 2 * math.log2(1 + len(evidence)),
            "score_duplicated_lines": math.log2(1 + lines),
            "score_clone_share": 10 * clone_lines / max(1, lines),
            "score_repositories": 2 * (repos - 1),
            "score_languages": 1.0 * (len(langs) - 1),
        }
        why: dict[str, float | int | str] = {
            "teams": len(teams), "teams_weighted": round(weighted, 3), "instances": len(evidence), "clusters": 0,
            "lines": lines, "duplicated_lines": lines, "clone_lines": clone_lines, "repositories": repos,
            "languages": len(langs), "language_names": ", ".join(langs), "unowned_instances": 0,
            "terms": ", ".join(cap.terms), "capability": cap.id, "shared_terms": ", ".join(shared),
            "teams_speaking": len(speaking),
        }  # fmt: skip
        if churn is not None:
            total = sum(churn.get(p, 0) for p in {e.path for e in evidence})
            why["churn"] = total
            parts["score_churn"] = math.log2(1 + total)
        rounded = {k: round(v, 3) for k, v in parts.items()}
        why.update(rounded)
        why["score"] = round(sum(rounded.values()), 3)
        why["formula"] = capability_formula(settings.score_terms)
        pioneers = sorted(teams, key=lambda t: (-teams[t][0], -teams[t][1], t))[: min(3, -(-len(teams) // 2))]
        out.append(Opportunity(
            rank=0, category=cap.category, teams=tuple(sorted(teams)),
            cluster_ids=tuple(sorted({cloned[k] for k in ((e.path, e.start_line, e.end_line) for e in evidence)
                                      if k in cloned})),
            lines=lines, score=float(why["score"]), why=why, pioneers=tuple(pioneers), instances=len(evidence),
            label=cap.title, evidence=tuple(sorted(evidence, key=lambda e: (e.team, e.path,
                                                                                              e.start_line))),
        ))  # fmt: skip
    return out if settings.max_overlap is None else distinct(out, settings.max_overlap)


def team_terms(cap: Capability, teams: Collection[str], settings: MapSettings) -> dict[str, frozenset[str]]:
    """Each of ``teams``' terms (:func:`terms_of`) in its units of ``cap``."""
    return {
        team: frozenset(t for u, t_, _ in cap.units if t_ == team for t in terms_of(
            u, settings.owner_weight, 0, settings.used_imports, settings.import_weight))
        for team in teams
    }  # fmt: skip


def shared_terms(
    cap: Capability, teams: Collection[str], settings: MapSettings, by_team: Mapping[str, frozenset[str]] | None = None
) -> list[str]:
    """The terms (:func:`terms_of`) that at least half of ``teams`` (and two) use in their units of ``cap``,
    the most used first, never the language's own words (``settings.idioms``); ``by_team``: the teams' terms
    (:func:`team_terms`), when known."""
    used: Counter[str] = Counter()
    for terms in (by_team if by_team is not None else team_terms(cap, teams, settings)).values():
        used.update(terms)
    floor = max(2, len(teams) / 2)
    if settings.idioms is not None:
        idioms = settings.idioms
    else:
        from dupfinder.languages import idioms_of

        idioms = frozenset().union(*(idioms_of(lang) for lang in sorted({u.language for u, _, _ in cap.units})))
    return sorted((t for t, n in used.items() if n >= floor and t not in idioms), key=lambda t: (-used[t], t))


def distinct(opps: Sequence[Opportunity], max_overlap: float) -> list[Opportunity]:
    """``opps`` without those that repeat a higher-scored one: sharing at least ``max_overlap`` of the
    smaller evidence's units (path, lines) with it. The two cuts of Ward's tree and the rows of nearby
    groups can hold much the same units for a slightly different set of teams; a PM reads them as one line.
    """
    kept: list[tuple[Opportunity, frozenset[tuple[str, int, int]]]] = []
    for opp in sorted(opps, key=lambda o: (-o.score, o.label)):
        units = frozenset((e.path, e.start_line, e.end_line) for e in opp.evidence)
        if not any(len(units & other) >= max_overlap * min(len(units), len(other)) for _, other in kept):
            kept.append((opp, units))
    return [o for o, _ in kept]


__all__ = [
    "CAPABILITY_FORMULA",
    "Capability",
    "MapSettings",
    "capability_formula",
    "capability_map",
    "capability_opportunities",
    "capability_rows",
    "confidence_of",
    "distinct",
    "shared_terms",
    "team_capabilities",
    "terms_of",
    "titled",
    "without_adopters",
]
