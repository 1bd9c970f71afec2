"""Settings of the reports: links to the code, the trend to draw, the evidence budget."""

from __future__ import annotations

from dataclasses import dataclass

from dupfinder.model.trend import TrendPoint


@dataclass(frozen=True, slots=True)
class RepoRef:
    """A repository holding scanned files, for links."""

    folder: str  #: POSIX folder relative to the scan base ("" for the base itself)
    name: str  #: shown as ``{repo}`` in links
    rev: str  #: commit id (or "HEAD") shown as ``{rev}``
    prefix: str = ""  #: POSIX path of ``folder`` inside the repository ("" when it is the repository's top)


@dataclass(frozen=True, slots=True)
class ReportOptions:
    """Settings of the PM reports; the defaults give a report without links or trend."""

    link_template: str | None = None  #: validated by :func:`check_link_template`
    repos: tuple[RepoRef, ...] = ()  #: repositories under the base, any order
    max_evidence: int = 200  #: clusters whose code (and diffs) the HTML report embeds
    max_code_lines: int = 300  #: longest excerpt embedded per copy; longer ones are cut
    trend: tuple[TrendPoint, ...] = ()  #: oldest first; drawn as a chart when given
    title: str = "Platform opportunities"


#: a report without links, trend or a title of its own
DEFAULT_OPTIONS = ReportOptions()
