"""Kibana saved objects: well-formed NDJSON whose references resolve and whose fields the
index mappings have; the import request; the error when Kibana is not there."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import pytest
from typer.testing import CliRunner

from orbitwatch.cli import app as cli
from orbitwatch.core.settings import Settings, get_settings
from orbitwatch.kibana import (
    SAVED_OBJECTS_FILE,
    KibanaImportFailed,
    KibanaUnavailable,
    import_request,
    import_saved_objects,
    saved_objects,
)
from schemas.alert import Alert
from schemas.documents import EventDocument
from schemas.indices.mapping import mapping_for
from schemas.indices.templates import ALERT_TEXT_FIELDS

pytestmark = pytest.mark.unit

KQL_FIELD = re.compile(r"([A-Za-z_@][\w.@]*)\s*:")


def _objects() -> list[dict[str, Any]]:
    return [json.loads(line) for line in SAVED_OBJECTS_FILE.read_text().splitlines()]


def _fields(properties: dict[str, Any], prefix: str = "") -> set[str]:
    names: set[str] = set()
    for name, spec in properties.items():
        names.add(prefix + name)
        for sub in spec.get("fields", {}):
            names.add(f"{prefix}{name}.{sub}")
        names |= _fields(spec.get("properties", {}), f"{prefix}{name}.")
    return names


EVENT_FIELDS = _fields(mapping_for(EventDocument)["properties"])
ALERT_FIELDS = _fields(mapping_for(Alert, ALERT_TEXT_FIELDS)["properties"])


def test_every_line_is_a_saved_object_and_references_resolve() -> None:
    objects = _objects()
    assert objects, "no saved objects"
    ids = {(o["type"], o["id"]) for o in objects}
    assert len(ids) == len(objects)  # no duplicates
    for obj in objects:
        assert {"type", "id", "attributes", "references"} <= set(obj)
        assert obj["attributes"]["title"]
        for ref in obj["references"]:
            assert (ref["type"], ref["id"]) in ids, f"{obj['id']} -> {ref}"
    types = {o["type"] for o in objects}
    assert {"index-pattern", "search", "visualization", "dashboard"} <= types
    titles = {o["attributes"]["title"] for o in objects if o["type"] == "search"}
    assert {"High severity", "RU–CN", "Counterspace"} <= titles


def test_embedded_json_parses_and_named_references_exist() -> None:
    for obj in _objects():
        attributes = obj["attributes"]
        ref_names = {r["name"] for r in obj["references"]}
        source = attributes.get("kibanaSavedObjectMeta", {}).get("searchSourceJSON")
        if source:
            parsed = json.loads(source)
            if "indexRefName" in parsed:
                assert parsed["indexRefName"] in ref_names
        if "visState" in attributes:
            json.loads(attributes["visState"])
        if obj["type"] == "dashboard":
            panels = json.loads(attributes["panelsJSON"])
            for panel in panels:
                assert f"{panel['panelIndex']}:{panel['panelRefName']}" in ref_names


def _view_fields(obj: dict[str, Any]) -> set[str]:
    (ref,) = [r for r in obj["references"] if r["type"] == "index-pattern"]
    return ALERT_FIELDS if ref["id"].endswith("alerts") else EVENT_FIELDS


def test_saved_objects_use_only_mapped_fields() -> None:
    objects = _objects()
    for obj in objects:
        attributes = obj["attributes"]
        if obj["type"] == "index-pattern":
            fields = ALERT_FIELDS if "alerts" in attributes["title"] else EVENT_FIELDS
            assert attributes["timeFieldName"] in fields
            continue
        if obj["type"] not in ("search", "visualization"):
            continue
        fields = _view_fields(obj)
        used: set[str] = set(attributes.get("columns", []))
        used |= {field for field, _ in attributes.get("sort", [])}
        query = json.loads(attributes["kibanaSavedObjectMeta"]["searchSourceJSON"])["query"]
        used |= set(KQL_FIELD.findall(query["query"]))
        if "visState" in attributes:
            for agg in json.loads(attributes["visState"])["aggs"]:
                if "field" in agg["params"]:
                    used.add(agg["params"]["field"])
        unknown = used - fields
        assert not unknown, f"{obj['id']} uses unmapped fields {unknown}"


def test_data_views_name_only_mapped_fields_and_hide_the_search_tokens() -> None:
    views = {o["id"]: o["attributes"] for o in _objects() if o["type"] == "index-pattern"}
    for view_id, attributes in views.items():
        fields = ALERT_FIELDS if view_id.endswith("alerts") else EVENT_FIELDS
        labelled = set(json.loads(attributes["fieldAttrs"]))
        hidden = {f["value"] for f in json.loads(attributes["sourceFilters"])}
        assert labelled <= fields and hidden <= fields, view_id
    # Free text in Discover searches every field (index.query.default_field "*"), search_text
    # included; its token soup stays out of the documents shown.
    events = views["orbitwatch-events"]
    assert "search_text" in json.loads(events["fieldAttrs"])
    assert {"value": "search_text"} in json.loads(events["sourceFilters"])


def test_data_views_follow_the_index_prefix() -> None:
    default = saved_objects()
    assert b'"title": "orbitwatch-events*"' in default
    other = [json.loads(line) for line in saved_objects("acme").splitlines()]
    titles = {o["attributes"]["title"] for o in other if o["type"] == "index-pattern"}
    assert titles == {"acme-events*", "acme-alerts*"}


def test_import_request_is_multipart_with_xsrf_auth_and_space() -> None:
    settings = Settings(
        kibana_url="https://kibana.example:5601/",
        kibana_username="elastic",
        kibana_password="secret",
        kibana_space="ops",
    )
    request = import_request(settings, b'{"type":"x"}\n')
    assert (
        request.full_url
        == "https://kibana.example:5601/s/ops/api/saved_objects/_import?overwrite=true"
    )
    assert request.get_method() == "POST"
    assert request.get_header("Kbn-xsrf") == "orbitwatch"
    assert request.get_header("Authorization") == "Basic ZWxhc3RpYzpzZWNyZXQ="
    content_type = request.get_header("Content-type") or ""
    assert content_type.startswith("multipart/form-data; boundary=")
    body = request.data
    assert isinstance(body, bytes)
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    (part,) = list(message.iter_parts())
    assert part.get_param("name", header="content-disposition") == "file"
    assert part.get_filename() == "orbitwatch.ndjson"
    assert part.get_payload(decode=True) == b'{"type":"x"}\n'


class _Kibana(BaseHTTPRequestHandler):
    answer: ClassVar[dict[str, Any]] = {}
    code: ClassVar[int] = 200
    seen: ClassVar[list[tuple[str, Message, bytes]]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self.seen.append((self.path, self.headers, self.rfile.read(length)))
        payload = json.dumps(self.answer).encode()
        self.send_response(self.code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def kibana() -> Iterator[tuple[str, type[_Kibana]]]:
    handler = type("Handler", (_Kibana,), {"seen": [], "answer": {}, "code": 200})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()


def test_import_posts_every_object_and_reads_the_answer(
    kibana: tuple[str, type[_Kibana]],
) -> None:
    url, handler = kibana
    objects = _objects()
    handler.answer = {
        "success": True,
        "successCount": len(objects),
        "successResults": [{"type": o["type"], "id": o["id"]} for o in objects],
    }
    result = import_saved_objects(Settings(), base_url=url)
    assert result.success_count == len(objects)
    (path, headers, body) = handler.seen[0]
    assert path == "/api/saved_objects/_import?overwrite=true"
    assert headers["kbn-xsrf"] == "orbitwatch"
    for obj in objects:
        assert obj["id"].encode() in body


def test_partial_import_is_an_error(kibana: tuple[str, type[_Kibana]]) -> None:
    url, handler = kibana
    handler.answer = {
        "success": False,
        "successCount": 1,
        "errors": [
            {
                "type": "dashboard",
                "id": "orbitwatch-overview",
                "error": {"type": "missing_references"},
            }
        ],
    }
    with pytest.raises(
        KibanaImportFailed, match="dashboard/orbitwatch-overview: missing_references"
    ):
        import_saved_objects(Settings(), base_url=url)


def test_http_error_is_reported_with_status(kibana: tuple[str, type[_Kibana]]) -> None:
    url, handler = kibana
    handler.code = 401
    handler.answer = {"statusCode": 401, "message": "unauthorized"}
    with pytest.raises(KibanaImportFailed) as failure:
        import_saved_objects(Settings(), base_url=url)
    assert failure.value.status == 401


def test_unreachable_kibana_gives_a_clear_error() -> None:
    with pytest.raises(KibanaUnavailable, match=re.escape("unreachable at http://127.0.0.1:9")):
        import_saved_objects(Settings(), base_url="http://127.0.0.1:9", timeout=3)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            cli, ["kibana", "import"], env={"ORBITWATCH_KIBANA_URL": "http://127.0.0.1:9"}
        )
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert "Kibana is unreachable at http://127.0.0.1:9" in result.output
