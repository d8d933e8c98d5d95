"""The analyst's desk while Kafka and then Elasticsearch go away and come back.

``orbitwatch web`` runs in its own process on the private servers, with a live stream open.
While a server is away the desk keeps answering: ``/health`` is 200, ``/ready`` is 503 naming
the server, the live page and the stream say which one is unreachable (never with
credentials). When it is back the desk recovers by itself: ``/ready`` is 200 again, and an
alert produced after Kafka's return reaches the open stream without a restart of the desk.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

from orbitwatch.core.kafka import ensure_topics
from orbitwatch.core.settings import Settings
from schemas import Alert, AlertKind, Severity, utc_now
from schemas.topics import topic_specs
from tests.faults.conftest import Figures
from tests.faults.private_infra import PrivateInfra
from tests.faults.processes import Process, orbitwatch_env
from tests.faults.waits import wait_for
from tests.kafka_io import produce


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except (urllib.error.URLError, OSError) as exc:
        return 0, str(exc)


def _ready_checks(base: str) -> dict[str, bool]:
    status, body = _get(base + "/ready")
    return json.loads(body)["checks"] if status in (200, 503) else {}


class Stream:
    """The live stream as a page holds it: every event, in order."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.events: list[tuple[str, dict[str, object]]] = []

    def read(self) -> None:
        with urllib.request.urlopen(self.base + "/events/alerts", timeout=600) as response:
            event = ""
            for raw in response:
                line = raw.decode().rstrip("\n")
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: "):
                    self.events.append((event, json.loads(line[6:])))

    def saw(self, event: str, **fields: object) -> bool:
        return any(
            kind == event and all(data.get(k) == v for k, v in fields.items())
            for kind, data in self.events
        )


async def test_the_desk_rides_out_kafka_and_elasticsearch_outages(
    fault_settings: Settings, private_infra: PrivateInfra, figures: Figures, tmp_path: Path
) -> None:
    port = _free_port()
    settings = fault_settings.model_copy(update={"web_port": port})
    await ensure_topics(settings, topic_specs(settings))
    env = orbitwatch_env(settings, {"ORBITWATCH_WEB_PORT": str(port)})
    desk = Process("web", ["web"], env, tmp_path)
    base = f"http://127.0.0.1:{port}"
    desk.start()
    try:
        await wait_for(
            lambda: _get(base + "/ready")[0] == 200, "the desk ready", limit_s=90, alive=[desk]
        )
        stream = Stream(base)
        reader = asyncio.get_running_loop().run_in_executor(None, stream.read)

        # Kafka away: the desk stays up and says so.
        went = time.monotonic()
        await asyncio.to_thread(private_infra.stop_kafka)
        await wait_for(
            lambda: _ready_checks(base).get("kafka") is False,
            "/ready naming Kafka",
            limit_s=60,
            alive=[desk],
        )
        figures.add("Kafka away -> /ready says so", time.monotonic() - went, " s")
        assert _get(base + "/health")[0] == 200
        page = _get(base + "/")[1]
        assert "is unreachable: reconnecting, new alerts paused" in page
        await wait_for(lambda: stream.saw("status", kafka=False), "the stream told", limit_s=30)

        await asyncio.to_thread(private_infra.start_kafka)
        back = time.monotonic()
        await wait_for(
            lambda: _get(base + "/ready")[0] == 200,
            "the desk ready again",
            limit_s=120,
            alive=[desk],
        )
        figures.add("Kafka back -> desk ready", time.monotonic() - back, " s")
        now = utc_now()
        alert = Alert(
            alert_id="al_after-the-outage",
            kind=AlertKind.match,
            rule="high-severity",
            severity=Severity.high,
            title="After the outage: Russia and China plan a lunar reactor",
            story_id="story-after",
            article_ids=["article-after"],
            published_at=now - timedelta(minutes=1),
            alerted_at=now,
        )
        sent = time.monotonic()
        await produce(
            settings, settings.topic_alerts, [(alert.alert_id.encode(), alert.to_bytes())]
        )
        await wait_for(
            lambda: stream.saw("alert", id=alert.alert_id),
            "the alert on the open stream",
            limit_s=60,
        )
        figures.add("alert after Kafka's return -> stream", time.monotonic() - sent, " s")
        assert stream.saw("status", kafka=True)

        # Elasticsearch away: pages say so, the process carries on.
        await asyncio.to_thread(private_infra.stop_elasticsearch)
        await wait_for(
            lambda: _ready_checks(base).get("elasticsearch") is False,
            "/ready naming Elasticsearch",
            limit_s=60,
            alive=[desk],
        )
        status, page = _get(base + "/")
        assert status == 200 and f"Elasticsearch at {settings.es_url}" in page
        assert _get(base + "/stories/story-after")[0] == 200
        await asyncio.to_thread(private_infra.start_elasticsearch)
        back = time.monotonic()
        await wait_for(
            lambda: _get(base + "/ready")[0] == 200,
            "the desk ready again",
            limit_s=180,
            alive=[desk],
        )
        figures.add("Elasticsearch back -> desk ready", time.monotonic() - back, " s")
        assert desk.alive() and desk.starts == 1
        reader.cancel()
    finally:
        desk.stop()
