"""What the platform PM's reports (HTML, Markdown, CSV) share: options, links, order, summary.

Everything here is a pure function of a :class:`~dupfinder.model.ScanResult`
and a :class:`ReportOptions`; nothing reads files or runs git (the command
line gathers repository names and revisions and passes them in).

Links
    ``--link-template`` is a format string with the fields ``{repo}``,
    ``{rev}``, ``{path}``, ``{line}`` and ``{end_line}``, e.g.
    ``https://git.example/{repo}/blob/{rev}/{path}#L{line}``. ``{path}`` is the
    path inside the repository holding the file (the nearest :class:`RepoRef`
    folder above it, plus that folder's own prefix when the scan started below
    the repository's top), percent-encoded so that a hostile file name can neither
    change the link's scheme nor leave the attribute it is written into. Only
    ``http``, ``https`` and ``file`` templates (or relative ones) are accepted.

Order
    Reports list opportunities by rank and, inside one, its clusters by the
    number of teams, then lines, then id; clusters that belong to no
    opportunity (a result that was never enriched) follow in scan order.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

from dupfinder.errors import DupfinderError
from dupfinder.model import Cluster, Instance, Opportunity, RepoRef, ReportOptions, ScanResult
from dupfinder.opportunities.graph import UNOWNED, team_label

if TYPE_CHECKING:
    from dupfinder.model import TrendPoint

#: Fields a link template may use.
LINK_FIELDS = ("repo", "rev", "path", "line", "end_line")
_LINK_SCHEMES = ("http", "https", "file", "")
UNCATEGORISED = "uncategorised"


def check_link_template(template: str) -> str:
    """``template`` when it is a usable link template; DupfinderError saying what to fix otherwise."""
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    except ValueError as exc:
        raise DupfinderError(f"--link-template: {exc}") from None
    for f in fields:
        if f not in LINK_FIELDS:
            allowed = ", ".join("{" + x + "}" for x in LINK_FIELDS)
            raise DupfinderError(f"--link-template: unknown field {{{f}}}; use {allowed}")
    scheme = urlsplit(template.partition("{")[0]).scheme.lower()
    if scheme not in _LINK_SCHEMES:
        raise DupfinderError(f"--link-template: scheme {scheme!r} not allowed; use http, https or file")
    return template


def repo_of(path: str, repos: Sequence[RepoRef]) -> RepoRef | None:
    """The repository whose folder is the nearest one above ``path``."""
    best: RepoRef | None = None
    for r in repos:
        inside = not r.folder or path.startswith(r.folder + "/")
        if inside and (best is None or len(r.folder) > len(best.folder)):
            best = r
    return best


def link(options: ReportOptions, path: str, start_line: int, end_line: int) -> str | None:
    """The link to ``path:start_line`` (None without a template)."""
    if options.link_template is None:
        return None
    repo = repo_of(path, options.repos)
    inner = path[len(repo.folder) + 1 :] if repo is not None and repo.folder else path
    if repo is not None and repo.prefix:
        inner = f"{repo.prefix}/{inner}"
    return options.link_template.format(
        repo=quote(repo.name if repo else "", safe=""),
        rev=quote(repo.rev if repo else "HEAD", safe=""),
        path=quote(inner, safe="/"),
        line=start_line,
        end_line=end_line,
    )


def instance_link(options: ReportOptions, inst: Instance) -> str | None:
    return link(options, inst.path, inst.start_line, inst.end_line)


def category_name(category: str | None) -> str:
    return UNCATEGORISED if category is None else category


def cluster_label(c: Cluster) -> str:
    """``name`` of the representative, or "similar code" for anonymous units."""
    return c.instances[0].name or "similar code"


def opportunity_label(o: Opportunity, clusters: Sequence[Cluster]) -> str:
    """The label (a capability's is ``category: terms``, a clone opportunity's its category), else the
    category, or for an unlabelled one the name of its first cluster's representative."""
    if o.label:
        return o.label
    if o.category is not None:
        return o.category
    return f"{UNCATEGORISED}: {cluster_label(clusters[0])}" if clusters else UNCATEGORISED


def _cluster_key(c: Cluster) -> tuple[int, int, str]:
    return (-len({team_label(i.team) for i in c.instances}), -c.lines, str(c.id))


def grouped(result: ScanResult) -> list[tuple[Opportunity | None, list[Cluster]]]:
    """Opportunities in rank order with their clusters (see the module docstring), then the rest one by one."""
    by_id = {c.id: c for c in result.clusters}
    seen: set[str] = set()
    out: list[tuple[Opportunity | None, list[Cluster]]] = []
    for o in sorted(result.opportunities, key=lambda o: o.rank):
        members = sorted((by_id[cid] for cid in o.cluster_ids if cid in by_id), key=_cluster_key)
        seen.update(str(c.id) for c in members)
        out.append((o, members))
    out.extend((None, [c]) for c in result.clusters if str(c.id) not in seen)
    return out


def _teams_phrase(teams: Sequence[str], limit: int = 3) -> str:
    shown = list(teams[:limit])
    if len(teams) > limit:
        return ", ".join(shown) + f" and {len(teams) - limit} more"
    if len(shown) <= 1:
        return "".join(shown)
    return ", ".join(shown[:-1]) + " and " + shown[-1]


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (plural or word + 's')}"


def evidence_phrase(o: Opportunity, languages: int) -> str:
    """What an opportunity's evidence shows, and no more: the teams with evidence of their own,
    its units and lines, and the share of those lines that sits in cross-team clones."""
    if not o.evidence:
        return (f"{_plural(len(o.teams), 'team')} wrote it {_plural(o.instances, 'time')} "
                f"({_plural(o.lines, 'line')} in {_plural(languages, 'language')})")  # fmt: skip
    teams = {e.team for e in o.evidence}
    known = o.why.get("languages")
    languages = known if isinstance(known, int) and known > 0 else languages
    lines = sum(e.end_line - e.start_line + 1 for e in o.evidence)
    cloned = sum(e.end_line - e.start_line + 1 for e in o.evidence if e.kind == "clone")
    return (f"{_plural(len(teams), 'team')} with code of their own for it, {_plural(len(o.evidence), 'unit')} "
            f"and {_plural(lines, 'line')} in {_plural(languages, 'language')}, "
            f"{round(100 * cloned / max(1, lines))} % of the lines in cross-team clones")  # fmt: skip


def summary(result: ScanResult, trend: Sequence[TrendPoint] = ()) -> str:
    """One plain-text paragraph a PM can paste into a document (escape it for the target format)."""
    st = result.stats
    teams = sorted({team_label(i.team) for c in result.clusters for i in c.instances})
    copy_lines = sum(c.lines for c in result.clusters)
    parts = [
        f"dupfinder scanned {_plural(st.files, 'file')} ({_plural(st.lines, 'line')}) and found "
        f"{_plural(len(result.clusters), 'group')} of similar code holding {_plural(copy_lines, 'line')}"
        + (f" across {_plural(len(teams), 'team')}." if any(t != UNOWNED for t in teams) else ".")
    ]
    groups = grouped(result)
    ranked = [(o, cs) for o, cs in groups if o is not None]
    if ranked:
        top, members = ranked[0]
        languages = sorted({i.language for c in members for i in c.instances})
        owned = [t for t in top.teams if t != UNOWNED]
        sentence = f"The top platform opportunity is {opportunity_label(top, members)}: " + evidence_phrase(
            top, len(languages)
        )
        if top.pioneers:
            sentence += f"; partner first with {_teams_phrase(top.pioneers)}"
        elif not owned:
            sentence += "; no team owns these copies yet"
        parts.append(sentence + ".")
        nxt = ranked[1:3]
        if nxt:
            parts.append(
                "Next are "
                + " and ".join(f"{opportunity_label(o, cs)} ({_plural(len(o.teams), 'team')})" for o, cs in nxt)
                + "."
            )
    for a in result.adoption:
        with_code = sorted(set(a.adopters) | set(a.rolling_their_own))
        if not with_code:
            parts.append(f"Platform {a.platform} has no users and no competing copies yet.")
            continue
        own = [t for t in a.rolling_their_own if t not in a.adopters]
        sentence = (
            f"Platform {a.platform} ({a.category}) is used by {len(a.adopters)} of {_plural(len(with_code), 'team')} "
            f"with {a.category} code ({a.rate:.0%})"
        )
        if own:
            sentence += f"; {_teams_phrase(own)} still {'roll' if len(own) > 1 else 'rolls'} their own"
        parts.append(sentence + ".")
    if len(trend) >= 2:
        first, last = trend[0], trend[-1]
        parts.append(
            f"Across {len(trend)} sampled revisions from {first.date[:10]} to {last.date[:10]}, duplicated lines "
            f"went from {first.duplicated_lines:,} to {last.duplicated_lines:,}" + _adoption_change(first, last) + "."
        )
    return " ".join(parts)


def _adoption_change(first: TrendPoint, last: TrendPoint) -> str:
    before = {p.platform: p.rate for p in first.adoption}
    changes = [
        f"{p.platform} adoption from {before.get(p.platform, 0.0):.0%} to {p.rate:.0%}"
        for p in last.adoption
        if p.platform in before or p.rate > 0
    ]
    return ("; " + ", ".join(changes)) if changes else ""
