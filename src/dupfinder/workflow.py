"""The whole analysis as users run it: scan, then teams, categories, opportunities and adoption.

``scan`` (the similarity half) knows nothing of teams or rules; this module
loads the rules and the owner files and hands both to :func:`enrich`.  Every
command that reports on teams (``scan``, ``opportunities``, ``report``,
``ci``) goes through :func:`analyse_codebase`, so they all agree.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from dupfinder.config import ScanConfig
from dupfinder.errors import ConfigError
from dupfinder.rules import RuleSet, load_rules

if TYPE_CHECKING:
    from dupfinder.model import ScanResult
    from dupfinder.pipeline import Progress

DEFAULT_TEAM_FALLBACK = "repo"


@dataclass(frozen=True, slots=True)
class TeamOptions:
    teams_file: str | None = None  #: YAML: team -> path globs (highest precedence)
    fallback: str = DEFAULT_TEAM_FALLBACK  #: root | repo | depth:N | none
    churn: bool = True  #: weigh copies by git commits of the last year, where there is history


#: a scanned tree's own rules (platform packages, categories, ignores), loaded automatically
PROJECT_RULES_DIR = os.path.join(".dupfinder", "rules")


def project_rules_dirs(paths: Sequence[str]) -> list[str]:
    """``.dupfinder/rules`` folders at the top of the scanned paths."""
    found = []
    for p in paths:
        candidate = os.path.join(p, PROJECT_RULES_DIR)
        if os.path.isdir(candidate) and candidate not in found:
            found.append(candidate)
    return found


def load_ruleset(
    rules_dirs: Sequence[str] = (),
    enable: Sequence[str] = (),
    disable: Sequence[str] = (),
    *,
    paths: Sequence[str] = (),
) -> RuleSet:
    """Built-in rules, then the scanned trees' ``.dupfinder/rules``, then ``rules_dirs`` (later
    records replace earlier ones by id), with ignore rules switched on or off by id."""
    rules = load_rules([*project_rules_dirs(paths), *rules_dirs])
    for ignore_id, on in [(i, True) for i in enable] + [(i, False) for i in disable]:
        try:
            rules = rules.with_ignore(ignore_id, on)
        except KeyError:
            known = ", ".join(r.id for r in rules.ignores)
            raise ConfigError(f"unknown ignore rule {ignore_id!r} (known: {known})") from None
    return rules


def with_rules(config: ScanConfig, rules: RuleSet) -> ScanConfig:
    """``config`` leaving out what the enabled ignore rules name."""
    return replace(config, ignore_rules=tuple(r for r in rules.ignores if r.enabled))


def enrich_result(
    result: ScanResult, rules: RuleSet, teams: TeamOptions, cache_dir: str | None = None, jobs: int = 1
) -> tuple[ScanResult, tuple[str, ...]]:
    """Teams, categories, opportunities and adoption for a scan (categories on ``jobs`` local
    processes when there are many clusters); also the owner-file warnings."""
    from dupfinder.ownership.churn import git_churn
    from dupfinder.opportunities.enrich import enrich
    from dupfinder.ownership.resolver import build_resolver

    resolver = build_resolver(result.base, result.roots, teams.teams_file, teams.fallback)
    churn = None
    if teams.churn:
        paths = {i.path for c in result.clusters for i in c.instances}
        churn = git_churn(result.base, paths) or None
    return enrich(result, resolver, rules, churn, cache_dir, jobs), tuple(resolver.warnings)


def analyse_codebase(
    paths: Sequence[str],
    config: ScanConfig | None = None,
    *,
    rules: RuleSet | None = None,
    teams: TeamOptions | None = None,
    progress: Progress | None = None,
    **scan_options: Any,
) -> tuple[ScanResult, tuple[str, ...]]:
    """Scan ``paths`` and attribute, categorise and rank what it finds."""
    from dupfinder.pipeline import scan

    rules = rules if rules is not None else load_ruleset(paths=paths)
    config = with_rules(config or ScanConfig(), rules)
    result = scan(paths, config, progress, **scan_options)
    jobs = min(config.effective_jobs, os.cpu_count() or 1)  # categories run on this machine's cores
    return enrich_result(result, rules, teams or TeamOptions(), scan_options.get("cache_dir"), jobs)
