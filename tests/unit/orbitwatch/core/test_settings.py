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


# --- Validation: one readable line per problem (issue 15) -----------------------------------

from orbitwatch.core.errors import SettingsError  # noqa: E402
from orbitwatch.core.settings import load_settings  # noqa: E402


def _problems(monkeypatch: pytest.MonkeyPatch, **env: str) -> list[str]:
    _clear_environment(monkeypatch)
    for name, value in env.items():
        monkeypatch.setenv(f"ORBITWATCH_{name}", value)
    with pytest.raises(SettingsError) as caught:
        load_settings(_env_file=None)
    return caught.value.lines()


@pytest.mark.parametrize(
    ("name", "value", "line"),
    [
        (
            "WATCHLIST",
            "RU,CN",
            "error: ORBITWATCH_WATCHLIST: expected a JSON list of country codes such as "
            '["RU","CN"], got RU,CN',
        ),
        (
            "KAFKA_SECURITY_PROTOCOL",
            "TLS",
            "error: ORBITWATCH_KAFKA_SECURITY_PROTOCOL: expected one of PLAINTEXT, SSL, "
            "SASL_PLAINTEXT, SASL_SSL, got TLS",
        ),
        (
            "TOPIC_PARTITIONS",
            "0",
            "error: ORBITWATCH_TOPIC_PARTITIONS: expected a number >= 1, got 0",
        ),
        (
            "ES_URL",
            "not a url",
            "error: ORBITWATCH_ES_URL: expected an http or https URL such as "
            "http://127.0.0.1:19200, got not a url",
        ),
        (
            "STORY_WINDOW",
            "-P1D",
            "error: ORBITWATCH_STORY_WINDOW: expected a positive duration such as PT72H, P1D "
            "or 06:00:00, got -P1D",
        ),
        (
            "LOG_LEVEL",
            "LOUD",
            "error: ORBITWATCH_LOG_LEVEL: expected one of DEBUG, INFO, WARNING, ERROR, got LOUD",
        ),
        (
            "KAFKA_BOOTSTRAP_SERVERS",
            "localhost",
            "error: ORBITWATCH_KAFKA_BOOTSTRAP_SERVERS: expected comma-separated host:port pairs "
            "such as 127.0.0.1:19092,kafka-2:9092, got localhost",
        ),
    ],
)
def test_an_invalid_setting_is_one_line_naming_the_variable_what_was_expected_and_the_value(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, line: str
) -> None:
    assert _problems(monkeypatch, **{name: value}) == [line]


@pytest.mark.parametrize("window", ["P0D", "-P1D", "0", "-5"])
def test_durations_must_be_positive(monkeypatch: pytest.MonkeyPatch, window: str) -> None:
    [line] = _problems(monkeypatch, STORY_WINDOW=window)
    assert line.startswith("error: ORBITWATCH_STORY_WINDOW: expected a positive duration")


def test_every_problem_is_reported_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = _problems(monkeypatch, TOPIC_PARTITIONS="0", WATCHLIST='["R1"]', ES_URL="x")
    assert [line.split(":")[1].strip() for line in lines] == [
        "ORBITWATCH_ES_URL",
        "ORBITWATCH_TOPIC_PARTITIONS",
        "ORBITWATCH_WATCHLIST",
    ]


def test_watchlist_codes_must_look_like_actor_codes_and_are_upper_cased(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    [line] = _problems(monkeypatch, WATCHLIST='["RU", "Russia"]')
    assert "not a code: RUSSIA" in line
    _clear_environment(monkeypatch)
    monkeypatch.setenv("ORBITWATCH_WATCHLIST", '["ru", "NATO"]')
    assert load_settings(_env_file=None).watchlist == ["RU", "NATO"]


def test_secrets_and_url_passwords_are_never_shown_in_the_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lines = _problems(
        monkeypatch,
        KIBANA_URL="ftp://admin:hunter2@kibana:5601",
        WEBHOOK_URLS='["mailto:bot:s3cret@x"]',
    )
    text = "\n".join(lines)
    assert "hunter2" not in text and "s3cret" not in text
    assert "got ftp://admin:***@kibana:5601" in text


def test_a_non_utf8_env_file_is_one_line_naming_the_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _clear_environment(monkeypatch)
    env_file = tmp_path / ".env"
    env_file.write_bytes(b"ORBITWATCH_LOG_LEVEL=\xff\xfeINFO\n")
    with pytest.raises(SettingsError) as caught:
        load_settings(_env_file=env_file)
    assert caught.value.lines() == [
        f"error: {env_file}: expected UTF-8 text, got byte 0xff at offset 21"
    ]


def test_an_unparsable_env_line_is_a_warning_naming_the_file_and_line_not_its_text(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _clear_environment(monkeypatch)
    env_file = tmp_path / ".env"
    env_file.write_text("ORBITWATCH_TOPIC_PARTITIONS=2\nsecret hunter2 here\n")
    settings = load_settings(_env_file=env_file)
    assert settings.topic_partitions == 2
    messages = [r.getMessage() for r in caplog.records]
    assert f"{env_file} line 2: not a NAME=value line; skipped" in messages
    assert not any("hunter2" in m or "could not parse statement" in m for m in messages)


def test_websub_is_off_unless_a_public_callback_url_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    _clear_environment(monkeypatch)
    assert load_settings(_env_file=None).websub_callback_url is None
    monkeypatch.setenv("ORBITWATCH_WEBSUB_CALLBACK_URL", "  ")
    assert load_settings(_env_file=None).websub_callback_url is None
    monkeypatch.setenv("ORBITWATCH_WEBSUB_CALLBACK_URL", "https://ow.example/websub")
    settings = load_settings(_env_file=None)
    assert settings.websub_callback_url == "https://ow.example/websub"
    assert settings.websub_bind_host == "127.0.0.1"


def test_websub_settings_are_checked_and_the_callback_password_is_never_shown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lines = _problems(
        monkeypatch,
        WEBSUB_CALLBACK_URL="ftp://user:pa55word@ow.example/websub",
        WEBSUB_MAX_BODY="10",
        WEBSUB_LEASE="P0D",
    )
    text = "\n".join(lines)
    assert "pa55word" not in text
    assert "ORBITWATCH_WEBSUB_CALLBACK_URL: expected an http or https URL" in text
    assert "ORBITWATCH_WEBSUB_MAX_BODY: expected a number >= 1024, got 10" in text
    assert "ORBITWATCH_WEBSUB_LEASE: expected a positive duration" in text
