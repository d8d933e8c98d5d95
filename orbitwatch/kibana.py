"""Kibana saved objects (``deploy/kibana/saved_objects.ndjson``) and their import.

The file is written for the default index prefix; :func:`saved_objects` rewrites the data
views' index patterns for another prefix. :func:`import_request` builds the multipart
``POST /api/saved_objects/_import?overwrite=true`` (with the ``kbn-xsrf`` header Kibana
requires), :func:`import_saved_objects` sends it and reads Kibana's per-object answer.
"""

from __future__ import annotations

import base64
import json
import ssl
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any

from orbitwatch.core.errors import OrbitwatchError
from orbitwatch.core.redact import redact_url
from orbitwatch.core.settings import PROJECT_ROOT, Settings

SAVED_OBJECTS_FILE = PROJECT_ROOT / "deploy" / "kibana" / "saved_objects.ndjson"
DEFAULT_PREFIX = "orbitwatch"


class KibanaError(OrbitwatchError):
    """Kibana did not import the saved objects."""


class KibanaUnavailable(KibanaError):
    """Nothing answered at the Kibana URL (refused, unresolvable, timed out)."""

    retriable = True


class KibanaImportFailed(KibanaError):
    """Kibana answered but refused the import, or some objects."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def saved_objects(prefix: str = DEFAULT_PREFIX) -> bytes:
    """The NDJSON to import, with the data views pointing at ``prefix``'s indices."""
    lines = SAVED_OBJECTS_FILE.read_text(encoding="utf-8").splitlines()
    if prefix == DEFAULT_PREFIX:
        return ("\n".join(lines) + "\n").encode()
    out = []
    for line in lines:
        obj = json.loads(line)
        if obj["type"] == "index-pattern":
            title: str = obj["attributes"]["title"]
            obj["attributes"]["title"] = prefix + title.removeprefix(DEFAULT_PREFIX)
        out.append(json.dumps(obj, ensure_ascii=False, sort_keys=True))
    return ("\n".join(out) + "\n").encode()


def import_url(settings: Settings, base_url: str | None = None) -> str:
    base = (base_url or settings.kibana_url).rstrip("/")
    space = f"/s/{settings.kibana_space}" if settings.kibana_space else ""
    return f"{base}{space}/api/saved_objects/_import?overwrite=true"


def _auth_header(settings: Settings) -> str | None:
    if settings.kibana_api_key:
        return f"ApiKey {settings.kibana_api_key.get_secret_value()}"
    if settings.kibana_username and settings.kibana_password:
        pair = f"{settings.kibana_username}:{settings.kibana_password.get_secret_value()}"
        return "Basic " + base64.b64encode(pair.encode()).decode()
    return None


def multipart_file(payload: bytes, filename: str, boundary: str) -> bytes:
    """A ``multipart/form-data`` body with one part, ``file`` (what ``_import`` reads)."""
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/ndjson\r\n\r\n"
    ).encode()
    return head + payload + f"\r\n--{boundary}--\r\n".encode()


def import_request(
    settings: Settings, payload: bytes, base_url: str | None = None
) -> urllib.request.Request:
    boundary = f"orbitwatch-{uuid.uuid4().hex}"
    headers = {
        "kbn-xsrf": "orbitwatch",
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Accept": "application/json",
    }
    if auth := _auth_header(settings):
        headers["Authorization"] = auth
    return urllib.request.Request(
        import_url(settings, base_url),
        data=multipart_file(payload, "orbitwatch.ndjson", boundary),
        headers=headers,
        method="POST",
    )


@dataclass(frozen=True)
class ImportResult:
    success_count: int
    imported: list[str] = field(default_factory=list)  # "type/id"


def import_saved_objects(
    settings: Settings, base_url: str | None = None, timeout: float = 30.0
) -> ImportResult:
    request = import_request(settings, saved_objects(settings.index_prefix), base_url)
    context = None
    if request.full_url.startswith("https") and settings.kibana_ca_file:
        context = ssl.create_default_context(cafile=str(settings.kibana_ca_file))
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
            answer: dict[str, Any] = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", "replace")[:500]
        raise KibanaImportFailed(
            f"Kibana refused the import (HTTP {exc.code}): {detail}", exc.code
        ) from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        reason = getattr(exc, "reason", exc)
        raise KibanaUnavailable(
            f"Kibana is unreachable at {redact_url(request.full_url.split('/api/')[0])}: {reason} "
            "(set ORBITWATCH_KIBANA_URL or pass --url)"
        ) from exc
    except json.JSONDecodeError as exc:
        raise KibanaImportFailed(f"Kibana answered with something that is not JSON: {exc}") from exc
    if not answer.get("success", False):
        errors = [
            f"{e.get('type')}/{e.get('id')}: {e.get('error', {}).get('type', 'error')}"
            for e in answer.get("errors", [])
        ]
        raise KibanaImportFailed(f"Kibana imported some objects only; failed: {', '.join(errors)}")
    imported = [f"{r.get('type')}/{r.get('id')}" for r in answer.get("successResults", [])]
    return ImportResult(int(answer.get("successCount", 0)), imported)
