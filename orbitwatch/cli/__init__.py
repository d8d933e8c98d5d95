"""The ``orbitwatch`` command. Each command group lives in a module of its own."""

from orbitwatch.cli.main import app

__all__ = ["app"]
