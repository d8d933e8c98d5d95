"""``/metrics``, ``/health`` and ``/ready`` for every orbitwatch process.

``/health`` answers while the event loop runs (a liveness probe: restart me if I stop
answering); ``/ready`` runs the process's readiness checks (its Kafka client is connected,
its tables are recovered, Elasticsearch answers its index stage...) and answers 503 naming
the checks that fail, with the reason where the check gives one, so an orchestrator routes
nothing to a replica that cannot work yet and an operator sees why.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Literal

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from pydantic import BaseModel, Field

from orbitwatch.core.redact import redact_text


class HealthReport(BaseModel):
    status: Literal["ok", "ready", "not_ready"]
    checks: dict[str, bool]
    # Why a failed check failed, where it says (its reason, or the error it raised).
    reasons: dict[str, str] = Field(default_factory=dict)


# True when ready; False, or the reason (a non-empty string), when not.
ReadinessCheck = Callable[[], Awaitable[bool | str]]
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
        checks = {name: result is True for name, result in results.items()}
        reasons = {name: result for name, result in results.items() if isinstance(result, str)}
        ready = all(checks.values())
        report = HealthReport(
            status="ready" if ready else "not_ready", checks=checks, reasons=reasons
        )
        return _json(report, 200 if ready else 503)


async def _run_check(check: ReadinessCheck) -> bool | str:
    try:
        result = await asyncio.wait_for(check(), CHECK_TIMEOUT_S)
    except TimeoutError:
        return f"no answer within {CHECK_TIMEOUT_S:.0f}s"
    except Exception as exc:
        return redact_text(f"{type(exc).__name__}: {exc}")
    if isinstance(result, str):
        return redact_text(result) or False
    return bool(result)


def _json(report: HealthReport, status: int) -> web.Response:
    return web.Response(
        text=report.model_dump_json(), status=status, content_type="application/json"
    )
