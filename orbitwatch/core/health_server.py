"""``/metrics``, ``/health`` and ``/ready`` for every orbitwatch process.

``/health`` answers while the event loop runs (a liveness probe: restart me if I stop
answering); ``/ready`` runs the process's readiness checks (its Kafka client is connected,
its tables are recovered...) and answers 503 naming the checks that fail, so an orchestrator
routes nothing to a replica that cannot work yet.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Literal

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from pydantic import BaseModel


class HealthReport(BaseModel):
    status: Literal["ok", "ready", "not_ready"]
    checks: dict[str, bool]


ReadinessCheck = Callable[[], Awaitable[bool]]
CHECK_TIMEOUT_S = 2.0


class HealthServer:
    def __init__(
        self,
        host: str,
        port: int,
        checks: Mapping[str, ReadinessCheck] | None = None,
        registry: CollectorRegistry = REGISTRY,
    ) -> None:
        self.host = host
        self.port = port
        self.checks = dict(checks or {})
        self.registry = registry
        self._runner: web.AppRunner | None = None

    @property
    def bound_port(self) -> int:
        """The real port (useful when 0 asked the OS to pick one)."""
        if self._runner is None:
            raise RuntimeError("health server not started")
        for address in self._runner.addresses:
            return int(address[1])
        raise RuntimeError("health server has no listening socket")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/metrics", self._metrics)
        app.router.add_get("/health", self._health)
        app.router.add_get("/ready", self._ready)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _metrics(self, _: web.Request) -> web.Response:
        body = generate_latest(self.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def _health(self, _: web.Request) -> web.Response:
        return _json(HealthReport(status="ok", checks={}), 200)

    async def _ready(self, _: web.Request) -> web.Response:
        results = {name: await _run_check(check) for name, check in self.checks.items()}
        ready = all(results.values())
        report = HealthReport(status="ready" if ready else "not_ready", checks=results)
        return _json(report, 200 if ready else 503)


async def _run_check(check: ReadinessCheck) -> bool:
    try:
        return await asyncio.wait_for(check(), CHECK_TIMEOUT_S)
    except Exception:
        return False


def _json(report: HealthReport, status: int) -> web.Response:
    return web.Response(
        text=report.model_dump_json(), status=status, content_type="application/json"
    )
