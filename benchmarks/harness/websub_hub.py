"""A real WebSub hub nobody here wrote, and a publisher, on 127.0.0.1.

The hub is the one in PyPI's ``flask-websub`` (with ``celery``, both in the dev extra): run
as a child process (``python -m benchmarks.harness.websub_hub --port N --db FILE``) with
celery in eager mode, so its tasks (verifying intent, fetching the topic, distributing
signed content with retries) run inside its request handlers and no broker is needed. Its
publish mode is on: a publisher POSTs ``hub.mode=publish`` and the hub fetches the topic
(which must carry ``Link: rel=hub`` and ``rel=self`` headers) and pushes it to every
subscriber.

:class:`Publisher` is that publisher: an Atom feed per topic, served with the Link headers
and the ``atom:link`` elements WebSub discovery reads, that a caller adds entries to.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_hub(port: int, db: str, min_lease: int, signature: str) -> None:  # pragma: no cover
    """The child process: flask-websub's hub, celery eager, on 127.0.0.1:port."""
    from celery import Celery
    from flask import Flask
    from flask_websub.hub import Hub, SQLite3HubStorage

    app = Flask("orbitwatch-test-hub")
    app.config["PUBLISH_SUPPORTED"] = True
    app.config["HUB_MIN_LEASE_SECONDS"] = min_lease
    celery = Celery("orbitwatch-test-hub", broker="memory://", backend="cache+memory://")
    celery.conf.task_always_eager = True
    celery.conf.task_eager_propagates = False
    hub = Hub(
        SQLite3HubStorage(db),
        celery,
        MAX_ATTEMPTS=3,
        BACKOFF_BASE=0.1,
        SIGNATURE_ALGORITHM=signature,
        PUBLISH_SUPPORTED=True,
    )
    app.register_blueprint(hub.build_blueprint(url_prefix="/hub"))
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app.run(host="127.0.0.1", port=port, threaded=True, use_reloader=False)


class WebSubHub:
    """``async with WebSubHub() as hub:`` -> ``hub.url``; ``await hub.publish(topic)``."""

    def __init__(self, *, min_lease: int = 60, signature: str = "sha512") -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hub"
        self.min_lease = min_lease
        self.signature = signature
        self._dir = tempfile.TemporaryDirectory(prefix="orbitwatch-hub-")
        self._process: subprocess.Popen[bytes] | None = None
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> WebSubHub:
        db = str(Path(self._dir.name) / "hub.sqlite3")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        command = [sys.executable, "-m", "benchmarks.harness.websub_hub"]
        command += ["--port", str(self.port), "--db", db, "--min-lease", str(self.min_lease)]
        self._process = subprocess.Popen(
            [*command, "--signature", self.signature],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the flask-websub hub did not start") from None
                await asyncio.sleep(0.1)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._session is not None:
            await self._session.close()
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._dir.cleanup()

    async def publish(self, topic: str) -> int:
        """Tell the hub the topic changed. In eager mode the hub fetches the topic and
        distributes it before answering, so this returns once every push was answered."""
        assert self._session is not None
        form = {"hub.mode": "publish", "hub.topic": topic}
        async with self._session.post(self.url, data=form) as response:
            await response.read()
            return response.status


@dataclass
class Topic:
    title: str
    entries: list[tuple[str, str, datetime]] = field(default_factory=list)  # id, title, when


class Publisher:
    """Atom feeds on 127.0.0.1 naming ``hub_url`` (header and document), entries on demand."""

    def __init__(self, hub_url: str, *, link_headers: bool = True) -> None:
        self.hub_url = hub_url
        self.link_headers = link_headers
        self.topics: dict[str, Topic] = {}
        self.hits: dict[str, int] = {}
        self.port = 0
        self._runner: web.AppRunner | None = None

    def url_for(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/feeds/{name}.atom"

    def add_topic(self, name: str, title: str) -> str:
        self.topics[name] = Topic(title)
        return self.url_for(name)

    def add_entry(self, name: str, entry_id: str, title: str) -> None:
        self.topics[name].entries.append((entry_id, title, datetime.now(UTC)))

    def document(self, name: str) -> bytes:
        topic, url = self.topics[name], self.url_for(name)
        entries = "".join(
            f"<entry><id>{escape(eid)}</id><title>{escape(title)}</title>"
            f'<link href="http://127.0.0.1:{self.port}/articles/{escape(eid)}"/>'
            f"<updated>{when.isoformat()}</updated>"
            f"<summary>{escape(title)}. A report on orbital activity.</summary></entry>"
            for eid, title, when in reversed(topic.entries[-50:])
        )
        updated = topic.entries[-1][2] if topic.entries else datetime.now(UTC)
        return (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>{escape(topic.title)}</title><id>{escape(url)}</id>"
            f"<updated>{updated.isoformat()}</updated>"
            f'<link rel="hub" href="{escape(self.hub_url)}"/>'
            f'<link rel="self" href="{escape(url)}"/>'
            f"{entries}</feed>"
        ).encode()

    async def _feed(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in self.topics:
            return web.Response(status=404)
        self.hits[name] = self.hits.get(name, 0) + 1
        headers = {}
        if self.link_headers:
            headers["Link"] = f'<{self.hub_url}>; rel="hub", <{self.url_for(name)}>; rel="self"'
        return web.Response(
            body=self.document(name), content_type="application/atom+xml", headers=headers
        )

    async def __aenter__(self) -> Publisher:
        app = web.Application()
        app.router.add_get("/feeds/{name}.atom", self._feed)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


def main() -> None:  # pragma: no cover - the child process
    parser = argparse.ArgumentParser(description="flask-websub's hub on 127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--min-lease", type=int, default=60)
    parser.add_argument("--signature", default="sha512")
    args = parser.parse_args()
    serve_hub(args.port, args.db, args.min_lease, args.signature)


if __name__ == "__main__":  # pragma: no cover
    main()
