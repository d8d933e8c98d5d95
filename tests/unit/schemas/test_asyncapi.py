"""docs/asyncapi.yaml: current with the models and topics, and a well-formed AsyncAPI 3.0 document.

The form is checked twice: structurally here (always), and against the official AsyncAPI
3.0.0 JSON Schema from the ``@asyncapi/specs`` npm package when npm can fetch it. The
package is cached under ``.local-infra/cache/`` (git-ignored); nothing is vendored.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from orbitwatch.cli import app
from orbitwatch.core.settings import PROJECT_ROOT, Settings
from schemas import Article, utc_now
from schemas.asyncapi import (
    ASYNCAPI_PATH,
    ROLES,
    build_document,
    is_current,
    render,
    write,
)
from schemas.topics import DEAD_LETTER_HEADERS, TOPICS, Topic, topic_specs

pytestmark = pytest.mark.unit

SPECS_PACKAGE = "@asyncapi/specs@6.11.1"
SPECS_CACHE = PROJECT_ROOT / ".local-infra" / "cache" / "asyncapi-specs-6.11.1"
SCHEMA_MEMBER = "package/schemas/3.0.0-without-$id.json"


def committed() -> dict[str, Any]:
    doc = yaml.safe_load(ASYNCAPI_PATH.read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


def resolve(doc: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = doc
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def all_refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [r for value in node.values() for r in all_refs(value)]
    if isinstance(node, list):
        return [r for item in node for r in all_refs(item)]
    return []


def test_committed_document_matches_the_models_and_topics() -> None:
    assert is_current(), (
        "docs/asyncapi.yaml differs from what the models and topics generate; "
        "run `orbitwatch schemas asyncapi` and commit the result"
    )


def test_every_pipeline_topic_is_a_channel_with_its_partitioning() -> None:
    doc = committed()
    by_address = {ch["address"]: ch for ch in doc["channels"].values()}
    specs = topic_specs(Settings.model_construct())
    assert sorted(by_address) == sorted(spec.name for spec in specs)
    for spec in specs:
        kafka = by_address[spec.name]["bindings"]["kafka"]
        assert kafka["topic"] == spec.name
        assert kafka["partitions"] == spec.partitions
        config = kafka.get("topicConfiguration", {})
        policy = config.get("cleanup.policy", ["delete"])
        expected = (["compact"] if spec.compacted else []) + (
            ["delete"] if spec.retention_ms is not None or not spec.compacted else []
        )
        assert policy == expected, spec.name
        assert config.get("retention.ms") == spec.retention_ms, spec.name


def test_structure_of_an_asyncapi_3_document() -> None:
    doc = committed()
    assert doc["asyncapi"] == "3.0.0"
    assert doc["info"]["title"] and doc["info"]["version"]
    assert doc["channels"] and doc["operations"]
    for channel_id, channel in doc["channels"].items():
        assert channel["address"], channel_id
        assert channel["messages"], channel_id
        for message in channel["messages"].values():
            resolved = resolve(doc, message["$ref"])
            assert "payload" in resolved and resolved["contentType"] == "application/json"
    for op_id, operation in doc["operations"].items():
        assert operation["action"] in ("send", "receive"), op_id
        channel_ref = operation["channel"]["$ref"]
        assert channel_ref.startswith("#/channels/"), op_id
        resolve(doc, channel_ref)
        for message in operation["messages"]:
            # AsyncAPI 3: an operation's messages must be messages of its own channel.
            assert message["$ref"].startswith(channel_ref + "/messages/"), op_id
    assert doc["components"]["messages"] and doc["components"]["schemas"]


def test_every_ref_resolves_inside_the_document() -> None:
    doc = committed()
    refs = all_refs(doc)
    assert refs
    for ref in refs:
        resolve(doc, ref)  # KeyError names the broken reference
    # Pydantic's own "#/$defs/..." references would point nowhere in this document.
    assert not [ref for ref in refs if ref.startswith("#/$defs/")]


def test_dead_letter_topics_carry_the_error_headers() -> None:
    doc = committed()
    required = {header.name for header in DEAD_LETTER_HEADERS}
    for topic in TOPICS:
        message = doc["components"]["messages"][topic.message_name]
        if topic.dead_letter:
            headers = resolve(doc, message["headers"]["$ref"])
            assert set(headers["required"]) >= required
            assert set(headers["properties"]) == {header.name for header in topic.headers}
        else:
            assert "headers" not in message


def test_a_real_article_validates_against_its_payload_schema() -> None:
    doc = committed()
    payload = doc["components"]["messages"]["article"]["payload"]
    # Validate inside the document, so the components.schemas references resolve.
    schema = {**payload, "components": doc["components"]}
    article = Article(id="a1", feed_id="f", title="t", fetched_at=utc_now())
    jsonschema.validate(json.loads(article.to_bytes()), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"id": "a1"}, schema)


def test_every_role_is_explained() -> None:
    for topic in TOPICS:
        for role in topic.senders + topic.receivers:
            assert role in ROLES, f"{topic.setting}: unknown role {role!r}"


def test_a_topic_added_to_the_registry_becomes_a_channel(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    escalations = Topic(
        setting="topic_alerts",  # any name setting: the registry entry is what counts
        key="Alert id (UTF-8)",
        model=Article,
        channel_id="alertEscalations",
        message_name="escalation",
        summary="Escalated alerts.",
        senders=("alerting",),
    )
    monkeypatch.setattr("schemas.asyncapi.TOPICS", (*TOPICS, escalations))
    doc = build_document()
    assert doc["channels"]["alertEscalations"]["messages"] == {
        "escalation": {"$ref": "#/components/messages/escalation"}
    }
    assert "alertingSendAlertEscalations" in doc["operations"]


def test_renamed_topics_are_followed() -> None:
    doc = build_document(Settings.model_construct(topic_articles_raw="news.raw"))
    assert doc["channels"]["articlesRaw"]["address"] == "news.raw"


def test_write_and_check_round_trip(tmp_path: Path) -> None:
    target = tmp_path / "asyncapi.yaml"
    assert not is_current(target)
    assert write(target) is True
    assert is_current(target)
    assert write(target) is False
    target.write_text(render().replace("articles.raw", "articles.new"), encoding="utf-8")
    assert not is_current(target)


def test_cli_check_passes_on_the_committed_document() -> None:
    result = CliRunner().invoke(app, ["schemas", "asyncapi", "--check"])
    assert result.exit_code == 0, result.output


def official_schema() -> dict[str, Any]:
    """The AsyncAPI 3.0.0 JSON Schema from npm, cached; skips when it cannot be had."""
    cached = SPECS_CACHE / "3.0.0-without-$id.json"
    if not cached.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is not installed: cannot fetch the AsyncAPI JSON Schema")
        SPECS_CACHE.mkdir(parents=True, exist_ok=True)
        try:
            out = subprocess.run(
                [npm, "pack", SPECS_PACKAGE, "--silent"],
                cwd=SPECS_CACHE,
                capture_output=True,
                text=True,
                timeout=120,
                check=True,
            )
        except (subprocess.SubprocessError, OSError) as exc:
            pytest.skip(f"npm could not fetch {SPECS_PACKAGE}: {exc}")
        tarball = SPECS_CACHE / out.stdout.strip().splitlines()[-1]
        with tarfile.open(tarball) as archive:
            member = archive.extractfile(SCHEMA_MEMBER)
            assert member is not None, f"{SCHEMA_MEMBER} missing from {tarball.name}"
            cached.write_bytes(member.read())
        tarball.unlink()
    schema = json.loads(cached.read_text(encoding="utf-8"))
    assert isinstance(schema, dict)
    return schema


def test_document_validates_against_the_official_asyncapi_schema() -> None:
    schema = official_schema()
    validator = jsonschema.Draft7Validator(schema)
    errors = sorted(validator.iter_errors(committed()), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
    # The schema is strict enough to notice a broken document.
    broken = committed()
    broken["operations"]["connectorSendArticlesRaw"]["action"] = "publish"  # AsyncAPI 2 word
    assert list(validator.iter_errors(broken))
