"""Rules as data: categories of recurring work, platform packages, ignore rules.

The values are in :mod:`dupfinder.model.rules`; this package loads them (:mod:`.loading`),
matches vocabulary and patterns (:mod:`.vocabulary`), categorises clusters (:mod:`.categorize`)
and answers ignore (:mod:`.ignores`) and platform (:mod:`.platforms`) questions.

Loading
    Rule files are the ``*.yaml``/``*.yml`` files directly inside the built-in
    rules folder (``dupfinder/_rules`` in a wheel, the repository's top-level
    ``rules/`` in a checkout) and then inside each extra folder (``--rules DIR``),
    each folder's files in name order. Every file of an extra folder is validated
    against ``schema.json`` (the built-in files, by the test suite, not on each
    run); a malformed file raises :class:`~dupfinder.errors.ConfigError`
    ``<file>:<line>: <what>``, the line found by walking the JSON Schema error's
    path down PyYAML's node tree. Records are keyed by ``id``: a later folder
    replaces an earlier record with the same id (an ignore rule that gives only
    ``id`` and ``enabled`` switches the earlier rule on or off and keeps its
    paths and markers); the same id twice in one folder is an error.

Categorisation (:func:`categorize`)
    Each copy (instance) of a cluster is scored against every category from four
    kinds of evidence, each counted as *distinct rule entries matched*:

    * ``names``: vocabulary words in the unit's own qualified name
      (``AdminSessionClient.login`` -> admin, session, client, login) -- the
      strongest evidence: a name states the unit's purpose;
    * ``calls``: ``fnmatch`` patterns on called dotted names (``requests.*``,
      ``*.execute``, ``bcrypt.hashpw``); ``*`` crosses dots;
    * ``identifiers``: vocabulary words in the identifiers of the unit, split on
      snake_case/camelCase into lower-case words (``maxRetries`` -> max,
      retries); a word matches its simple plural (retry ~ retries), ``word*`` is
      a prefix, ``sign_in`` a phrase (consecutive words, or ``signin``);
    * ``imports``: patterns on the enclosing *file's* imports -- weak evidence,
      since a file imports for all its functions, so at most
      ``max_import_hits`` of them count. A pattern without ``*`` also matches
      sub-modules (``sqlalchemy`` matches ``sqlalchemy.orm``, ``net/http``
      matches ``net/http/httputil``).

    A copy's confidence is a noisy-OR, ``1 - prod_k (1 - w_k) ** hits_k``, with
    per-hit weights ``w_k`` (defaults: names 0.6, calls 0.35, identifiers 0.2,
    imports 0.1; a category may override). The cluster's confidence is the mean
    over its copies. Categories whose confidence reaches their ``min_confidence``
    (default 0.5: e.g. one name word; two calls; a call and two identifier words)
    are candidates. Among candidates, one named by most copies' names wins over
    one supported only by body evidence ("purpose over mechanism": a
    ``login_member`` function that hashes a password is login code), then the
    higher confidence, then the smaller id -- fully deterministic.

    Cost: O(copies x categories x (calls + identifiers + imports)); each category's
    call and import patterns are first tried as one combined regex.
"""

from __future__ import annotations

from dupfinder.model import Category, Evidence, IgnoreRule, Platform, RuleSet, Weights
from dupfinder.rules.categorize import Categorizable, categorize, categorize_copies
from dupfinder.rules.ignores import HEADER_LINES, is_ignored
from dupfinder.rules.loading import builtin_rules_dir, load_rules, rules_schema
from dupfinder.rules.platforms import (
    ECOSYSTEMS,
    is_platform_code,
    platform_for,
    platform_for_import,
    platform_matches_import,
    platform_owning_path,
)
from dupfinder.support.words import split_identifier

__all__ = [
    "ECOSYSTEMS",
    "HEADER_LINES",
    "Categorizable",
    "Category",
    "Evidence",
    "IgnoreRule",
    "Platform",
    "RuleSet",
    "Weights",
    "builtin_rules_dir",
    "categorize",
    "categorize_copies",
    "is_ignored",
    "is_platform_code",
    "load_rules",
    "platform_for",
    "platform_for_import",
    "platform_matches_import",
    "platform_owning_path",
    "rules_schema",
    "split_identifier",
]
