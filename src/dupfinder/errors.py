"""Errors that reach the user as one line (exit code 2), never as a traceback."""

from __future__ import annotations


class DupfinderError(Exception):
    """Base class: a usage or input problem with a message that says what to fix."""


class ConfigError(DupfinderError):
    """A malformed rules, teams or settings file; the message names file and line."""


class InputError(DupfinderError):
    """A path or input that cannot be scanned (missing, not a directory, ...)."""
