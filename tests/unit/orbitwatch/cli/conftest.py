"""Fixtures of the command-line tests."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from orbitwatch.core.settings import get_settings


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """A CliRunner whose settings come from the test alone: no ORBITWATCH_* of the shell,
    and no settings cached by an earlier test."""
    for name in list(os.environ):
        if name.startswith("ORBITWATCH_"):
            monkeypatch.delenv(name)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()
