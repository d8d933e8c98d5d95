"""The browser tests' Chromium lookup: skip outside CI, fail in CI (tests/browser.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import browser

pytestmark = pytest.mark.unit


def test_missing_chromium_skips_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(browser, "chromium_path", lambda: None)
    with pytest.raises(pytest.skip.Exception, match="Chromium is not installed"):
        browser.chromium_or_skip()


def test_missing_chromium_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    monkeypatch.setattr(browser, "chromium_path", lambda: None)
    with pytest.raises(pytest.fail.Exception, match="CI must run the browser tests"):
        browser.chromium_or_skip()


def test_the_configured_chromium_is_used(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(browser.CHROMIUM_ENV, str(tmp_path / "chromium"))
    assert browser.chromium_path() == str(tmp_path / "chromium")
