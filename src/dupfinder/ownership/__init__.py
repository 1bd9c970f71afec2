"""Ownership: which team owns each file, and how much its files change.

:mod:`.resolver` builds the :class:`~dupfinder.ownership.resolver.TeamResolver`
(precedence, fallbacks, the walk that finds owner files) from the owner files
read by :mod:`.teamsfile`, :mod:`.codeowners` and :mod:`.catalog`, with owner
names normalised by :mod:`.names`; :mod:`.churn` counts git commits per file.
"""

from __future__ import annotations

from dupfinder.ownership.catalog import CATALOG_FILES, CatalogOwner, parse_catalog_info
from dupfinder.ownership.churn import git_churn
from dupfinder.ownership.codeowners import (
    CODEOWNERS_LOCATIONS,
    CodeOwners,
    CodeOwnersRule,
    compile_codeowners_pattern,
    parse_codeowners,
)
from dupfinder.ownership.names import default_owner_name, verbatim_owner
from dupfinder.ownership.resolver import FALLBACKS, SOURCES, TeamResolver, build_resolver
from dupfinder.ownership.teamsfile import TeamGlobs, load_teams_file

__all__ = [
    "CATALOG_FILES",
    "CODEOWNERS_LOCATIONS",
    "FALLBACKS",
    "SOURCES",
    "CatalogOwner",
    "CodeOwners",
    "CodeOwnersRule",
    "TeamGlobs",
    "TeamResolver",
    "build_resolver",
    "compile_codeowners_pattern",
    "default_owner_name",
    "git_churn",
    "load_teams_file",
    "parse_catalog_info",
    "parse_codeowners",
    "verbatim_owner",
]
