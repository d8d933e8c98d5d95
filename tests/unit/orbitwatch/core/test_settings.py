"""Settings.environment() must rebuild the same settings in a child process."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from orbitwatch.core.settings import Settings


def _clear_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("ORBITWATCH_"):
            monkeypatch.delenv(name)


def test_environment_round_trips_every_set_field(monkeypatch: pytest.MonkeyPatch) -> None:
    _clear_environment(monkeypatch)
    original = Settings(_env_file=None).model_copy(
        update={
            "story_window": timedelta(seconds=90),
            "data_dir": Path("/tmp/orbitwatch-child"),
            "topic_partitions": 2,
            "kafka_sasl_password": SecretStr("s3cret"),
            "watchlist": ["CN", "RU"],
            "index_prefix": "bench-1",
        }
    )
    env = original.environment()
    assert env["ORBITWATCH_KAFKA_SASL_PASSWORD"] == "s3cret"  # the child needs the real value
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    rebuilt = Settings(_env_file=None)
    assert rebuilt == original


def test_environment_leaves_defaults_out(monkeypatch: pytest.MonkeyPatch) -> None:
    _clear_environment(monkeypatch)
    env = Settings(_env_file=None).model_copy(update={"app_id": "x"}).environment()
    assert env == {"ORBITWATCH_APP_ID": "x"}
