"""Markdown report for a wiki page or a pull request: summary, ranked opportunities, adoption, evidence.

GitHub-flavoured Markdown. Everything that comes from the scanned code (paths,
names, team names) is untrusted: in running text every Markdown and HTML
punctuation character is backslash-escaped, and paths and names go into code
spans whose fence is longer than any run of backticks inside them, so a file
called ``<img src=x onerror=alert(1)>.py`` or a team called ``*[x](javascript:...)``
shows as written and never becomes markup. Output is deterministic.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TextIO

from dupfinder.model import Cluster, Instance, Opportunity, ReportOptions, ScanResult
from dupfinder.model.report import DEFAULT_OPTIONS
from dupfinder.reporters.common import (
    category_name,
    cluster_label,
    grouped,
    instance_link,
    opportunity_label,
    summary,
)

MAX_OPPORTUNITY_ROWS = 50  #: rows of the ranked table
MAX_EVIDENCE_OPPORTUNITIES = 10  #: opportunities whose clusters are listed with file:line
MAX_EVIDENCE_CLUSTERS = 5  #: clusters listed per opportunity
MAX_TEAMS_IN_CELL = 6

#: Labels of the score's parts in ``Opportunity.why``.
PART_LABELS = {
    "score_teams": "teams",
    "score_instances": "copies",
    "score_duplicated_lines": "duplicated lines",
    "score_repositories": "repositories",
    "score_languages": "languages",
    "score_churn": "churn",
}

# what can start markup inside a line: emphasis, code, links, HTML, entities, tables, strikethrough
_PUNCT = re.compile(r"([\\`*_\[\]<>|&~])")


def text(value: str) -> str:
    """``value`` as literal Markdown text, safe inside a table cell."""
    return _PUNCT.sub(r"\\\1", " ".join(value.split()))


def code(value: str) -> str:
    """``value`` as an inline code span, safe inside a table cell."""
    flat = " ".join(value.split()).replace("|", "\\|")
    longest = max((len(m) for m in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def _url(url: str) -> str:
    # the template is the user's; what was substituted is percent-encoded already
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace("<", "%3C").replace(">", "%3E")


def _num(x: float) -> str:
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def score_breakdown(o: Opportunity) -> list[tuple[str, float]]:
    """(label, points) of the non-zero parts of an opportunity's score, in the order of ``why``."""
    out: list[tuple[str, float]] = []
    for key, value in o.why.items():
        if key.startswith("score_") and isinstance(value, int | float) and value:
            out.append((PART_LABELS.get(key, key[len("score_") :].replace("_", " ")), float(value)))
    return out


def _teams_cell(teams: Sequence[str]) -> str:
    shown = ", ".join(text(t) for t in teams[:MAX_TEAMS_IN_CELL])
    more = f" and {len(teams) - MAX_TEAMS_IN_CELL} more" if len(teams) > MAX_TEAMS_IN_CELL else ""
    return f"{len(teams)}: {shown}{more}"


def _opportunities(groups: Sequence[tuple[Opportunity, list[Cluster]]], out: TextIO) -> None:
    out.write("## Ranked opportunities\n\n")
    out.write("| Rank | Category | Teams | Copies | Lines | Score | Score parts | Pioneers |\n")
    out.write("|---:|---|---|---:|---:|---:|---|---|\n")
    for o, members in groups[:MAX_OPPORTUNITY_ROWS]:
        parts = " + ".join(f"{text(label)} {_num(v)}" for label, v in score_breakdown(o)) or "-"
        pioneers = ", ".join(text(p) for p in o.pioneers) or "-"
        out.write(
            f"| {o.rank} | {text(opportunity_label(o, members))} | {_teams_cell(o.teams)} | {o.instances} "
            f"| {o.lines:,} | {_num(o.score)} | {parts} | {pioneers} |\n"
        )
    if len(groups) > MAX_OPPORTUNITY_ROWS:
        out.write(f"\n{len(groups) - MAX_OPPORTUNITY_ROWS:,} more opportunities are in the HTML and CSV reports.\n")
    out.write("\n")


def _adoption(result: ScanResult, out: TextIO) -> None:
    if not result.adoption:
        return
    out.write("## Platform adoption\n\n")
    out.write("| Platform | Category | Adoption | Adopters | Rolling their own |\n")
    out.write("|---|---|---:|---|---|\n")
    for a in result.adoption:
        with_code = len(set(a.adopters) | set(a.rolling_their_own))
        out.write(
            f"| {text(a.platform)} | {text(a.category)} | {a.rate:.0%} ({len(a.adopters)} of {with_code} teams) "
            f"| {', '.join(text(t) for t in a.adopters) or '-'} "
            f"| {', '.join(text(t) for t in a.rolling_their_own) or '-'} |\n"
        )
    out.write("\n")


def _location(options: ReportOptions, c: Cluster, n: int) -> str:
    i = c.instances[n]
    where = code(f"{i.path}:{i.start_line}-{i.end_line}")
    url = instance_link(options, i)
    if url is not None:
        where = f"[{where}]({_url(url)})"
    name = f" {code(i.name)}" if i.name else ""
    team = text(i.team) if i.team is not None else "unowned"
    return f"- {where}{name}: {team}, {text(i.language)}, similarity {i.similarity:.2f}\n"


def _evidence(groups: Sequence[tuple[Opportunity | None, list[Cluster]]], options: ReportOptions, out: TextIO) -> None:
    shown = groups[:MAX_EVIDENCE_OPPORTUNITIES]
    if not shown:
        return
    out.write("## Evidence\n\n")
    for o, members in shown:
        if o is not None:
            out.write(f"### {o.rank}. {text(opportunity_label(o, members))}\n\n")
        else:
            out.write(f"### {text(category_name(members[0].category))}\n\n")
        for c in members[:MAX_EVIDENCE_CLUSTERS]:
            name = c.instances[0].name
            what = f"copies of {code(name)}" if name else "copies of similar code"
            out.write(
                f"Cluster {code(str(c.id))}: {len(c.instances)} {what}, {c.lines:,} lines, "
                f"lowest similarity {c.similarity:.2f}\n\n"
            )
            for n in range(len(c.instances)):
                out.write(_location(options, c, n))
            out.write("\n")
        if len(members) > MAX_EVIDENCE_CLUSTERS:
            out.write(f"{len(members) - MAX_EVIDENCE_CLUSTERS:,} more clusters of this opportunity are not listed.\n\n")


#: opportunities whose teams' own evidence is listed, and units listed per team
TEAM_EVIDENCE_OPPORTUNITIES = 20
TEAM_EVIDENCE_UNITS = 3


def _team_evidence(result: ScanResult, out: TextIO) -> None:
    """Each top opportunity's teams with a few units of their own code."""
    shown = [o for o in result.opportunities[:TEAM_EVIDENCE_OPPORTUNITIES] if o.evidence]
    if not shown:
        return
    out.write("## Teams and their own code\n\n")
    for o in shown:
        out.write(f"**{o.rank}. {text(o.label or o.category or 'uncategorised')}**\n\n")
        for team in o.teams:
            mine = [e for e in o.evidence if e.team == team]
            units = ", ".join(
                f"{code(e.path)}:{e.start_line} {text(e.name or '')} ({e.kind}, {e.confidence:.2f})".replace(
                    " (", " (", 1
                )
                for e in mine[:TEAM_EVIDENCE_UNITS]
            )
            more = f" and {len(mine) - TEAM_EVIDENCE_UNITS} more" if len(mine) > TEAM_EVIDENCE_UNITS else ""
            out.write(f"- {text(team)}: {units}{more}\n")
        out.write("\n")


def _apart(result: ScanResult, out: TextIO) -> None:
    """Team clean-ups and shared test support: duplication that is not a platform's job."""
    if result.team_cleanups:
        out.write("## Team clean-ups (copies within one team)\n\n| team | clusters | lines |\n|---|---:|---:|\n")
        for t in result.team_cleanups:
            out.write(f"| {text(t.team)} | {len(t.cluster_ids):,} | {t.lines:,} |\n")
        out.write("\n")
    if result.test_support:
        out.write("## Shared test support (not ranked)\n\n| kind | teams | clusters | lines |\n|---|---|---:|---:|\n")
        for s in result.test_support:
            out.write(f"| {s.code_kind} | {text(', '.join(s.teams))} | {len(s.cluster_ids):,} | {s.lines:,} |\n")
        out.write("\n")


# ---------------------------------------------------------------- history (report --history)


def _where(i: Instance) -> str:
    team = f" [{i.team}]" if i.team else ""
    return f"{i.path}:{i.start_line}-{i.end_line}{team}"


def _history(result: ScanResult, out: TextIO) -> None:
    """Past commits that changed some copies of a cluster and left the others."""
    h = result.history
    if h is None:
        return
    by_id = {c.id: c for c in result.clusters}
    rows = [(c, f) for c in h.clusters for f in c.divergent_fixes if c.cluster_id in by_id]
    out.write("## Fixed in one place only\n\n")
    out.write(f"From git ({text(h.repo)} at `{h.tip[:12]}`, {h.commits:,} commits walked): past commits that "
              "changed some copies of a cluster and left the others as they were.\n\n")  # fmt: skip
    for line in h.skipped:
        out.write(f"{text(line)}\n\n")
    if not rows:
        out.write("No commit changed one copy of a cluster and left its siblings.\n\n")
        return
    out.write("| Commit | Date | Cluster | Changed | Left behind |\n|---|---|---|---|---|\n")
    for c, f in rows:
        label = cluster_label(by_id[c.cluster_id])
        out.write(f"| `{f.commit.sha[:12]}` {text(f.commit.subject)} | {f.commit.date[:10]} | {code(label)} "
                  f"| {text(', '.join(_where(i) for i in f.changed))} "
                  f"| {text(', '.join(_where(i) for i in f.not_changed))} |\n")  # fmt: skip
    out.write("\n")


def write(result: ScanResult, out: TextIO, options: ReportOptions = DEFAULT_OPTIONS) -> None:
    out.write(f"# {text(options.title)}\n\n")
    out.write(text(summary(result, options.trend)) + "\n\n")
    groups = grouped(result)
    ranked = [(o, cs) for o, cs in groups if o is not None]
    if ranked:
        _opportunities(ranked, out)
    _adoption(result, out)
    _team_evidence(result, out)
    _apart(result, out)
    _history(result, out)
    _evidence(groups, options, out)
    skipped = len(result.stats.skipped)
    out.write(
        f"Scanned {result.stats.files:,} files ({result.stats.lines:,} lines, {result.stats.units:,} functions); "
        f"{skipped:,} skipped.\n"
    )
