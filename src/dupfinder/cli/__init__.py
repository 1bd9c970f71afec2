"""The command line (:mod:`dupfinder.cli.app`): options become values, commands call the pipeline and a reporter."""

from __future__ import annotations

from dupfinder.cli.app import cli, main

__all__ = ["cli", "main"]
