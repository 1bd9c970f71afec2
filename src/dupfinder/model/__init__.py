"""Frozen value types that flow one way through the pipeline, one module per stage's values.

discover -> :mod:`~dupfinder.model.source` (SourceFile) -> languages (ParsedFile, RawUnit)
-> normalize -> :mod:`~dupfinder.model.unit` (Unit, FileResult) -> similarity
-> :mod:`~dupfinder.model.cluster` (Cluster) -> :mod:`~dupfinder.model.result` (ScanResult)
-> ownership (:mod:`~dupfinder.model.ownership`), rules (:mod:`~dupfinder.model.rules`)
-> opportunities (:mod:`~dupfinder.model.opportunity`) -> gate (:mod:`~dupfinder.model.gate`)
and history (:mod:`~dupfinder.model.trend`) -> reporters.

These modules hold data only, no logic. Enrichment stages return new values
(``dataclasses.replace``); nothing here is mutated after construction.
"""

from __future__ import annotations

from dupfinder.model.clone_history import (
    CloneHistory,
    ClusterHistory,
    Commit,
    CopyCount,
    DivergentFix,
    FirstSeen,
    HistoryReport,
)
from dupfinder.model.cluster import Cluster, ClusterId, Instance
from dupfinder.model.gate import Earlier, FailOn, Finding, GateReport, Inconsistent, Sibling, Version
from dupfinder.model.opportunity import (
    Adoption,
    CapabilityRow,
    Evidence,
    Opportunity,
    TeamCleanup,
    TeamEvidence,
    TestSupport,
)
from dupfinder.model.ownership import DEFAULT_TEAM_FALLBACK, Attribution, TeamOptions
from dupfinder.model.report import DEFAULT_OPTIONS, RepoRef, ReportOptions
from dupfinder.model.result import ScanResult, ScanStats
from dupfinder.model.rules import Category, IgnoreRule, Platform, RuleSet, Weights
from dupfinder.model.source import KEYWORD, LITERAL, NAME, PUNCT, ParsedFile, RawUnit, Skip, SourceFile, Token
from dupfinder.model.trend import PlatformPoint, Revision, TeamPoint, TrendPoint, TrendSeries
from dupfinder.model.unit import FileResult, Fingerprint, StreamHead, TokenStream, Unit

__all__ = [
    "DEFAULT_OPTIONS",
    "DEFAULT_TEAM_FALLBACK",
    "KEYWORD",
    "LITERAL",
    "NAME",
    "PUNCT",
    "Adoption",
    "Attribution",
    "CapabilityRow",
    "Category",
    "CloneHistory",
    "Cluster",
    "ClusterHistory",
    "ClusterId",
    "Commit",
    "CopyCount",
    "DivergentFix",
    "Earlier",
    "Evidence",
    "FailOn",
    "FileResult",
    "Finding",
    "Fingerprint",
    "FirstSeen",
    "GateReport",
    "HistoryReport",
    "IgnoreRule",
    "Inconsistent",
    "Instance",
    "Opportunity",
    "ParsedFile",
    "Platform",
    "PlatformPoint",
    "RawUnit",
    "RepoRef",
    "ReportOptions",
    "Revision",
    "RuleSet",
    "ScanResult",
    "ScanStats",
    "Sibling",
    "Skip",
    "SourceFile",
    "StreamHead",
    "TeamCleanup",
    "TeamEvidence",
    "TeamOptions",
    "TeamPoint",
    "TestSupport",
    "Token",
    "TokenStream",
    "TrendPoint",
    "TrendSeries",
    "Unit",
    "Version",
    "Weights",
]
