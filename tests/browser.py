"""Headless Chromium for the browser tests: Debian's ``chromium`` driven by Playwright.

Playwright's own browser downloads are never used: the tests launch the system's Chromium
(``ORBITWATCH_CHROMIUM``, else ``chromium`` on the PATH). Without it, or without the
playwright package, the browser tests skip with the reason, except in CI (``CI=true``),
where they fail: CI installs Chromium (``.ci/run``) and must run them.
"""

from __future__ import annotations

import importlib.util
import os
import shutil

import pytest

CHROMIUM_ENV = "ORBITWATCH_CHROMIUM"


def chromium_path() -> str | None:
    return (
        os.environ.get(CHROMIUM_ENV) or shutil.which("chromium") or shutil.which("chromium-browser")
    )


def chromium_or_skip() -> str:
    """The Chromium executable; skips (fails under CI=true) when the tests cannot drive it."""
    path = chromium_path()
    problem = None
    if importlib.util.find_spec("playwright") is None:
        problem = "the playwright package is not installed (pip install -e '.[dev]')"
    elif path is None:
        problem = f"Chromium is not installed (apt-get install chromium, or set {CHROMIUM_ENV})"
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{problem}: CI must run the browser tests")
        pytest.skip(problem)
    assert path is not None
    return path


def launch_args() -> list[str]:
    # Chromium's sandbox refuses to run as root (CI containers); it is our own page anyway.
    return ["--no-sandbox"] if os.geteuid() == 0 else []
