"""The /metrics, /health and /ready endpoints on a real local HTTP server."""

from __future__ import annotations

import aiohttp
from prometheus_client import CollectorRegistry, Counter

from orbitwatch.core.health_server import HealthServer


async def _ok() -> bool:
    return True


async def _down() -> bool:
    return False


async def _broken() -> bool:
    raise ConnectionError("broker unreachable")


async def test_endpoints_report_metrics_health_and_readiness() -> None:
    registry = CollectorRegistry()
    Counter("orbitwatch_test_things_total", "things", registry=registry).inc(3)
    server = HealthServer(
        "127.0.0.1", 0, {"kafka": _ok, "elasticsearch": _down, "tables": _broken}, registry
    )
    await server.start()
    base = f"http://127.0.0.1:{server.bound_port}"
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{base}/metrics") as response:
                assert response.status == 200
                assert "orbitwatch_test_things_total 3.0" in await response.text()
            async with http.get(f"{base}/health") as response:
                assert response.status == 200
                assert (await response.json())["status"] == "ok"
            async with http.get(f"{base}/ready") as response:
                assert response.status == 503
                body = await response.json()
                assert body == {
                    "status": "not_ready",
                    "checks": {"kafka": True, "elasticsearch": False, "tables": False},
                    "reasons": {"tables": "ConnectionError: broker unreachable"},
                }
    finally:
        await server.stop()


async def test_ready_when_every_check_passes() -> None:
    server = HealthServer("127.0.0.1", 0, {"kafka": _ok}, CollectorRegistry())
    await server.start()
    try:
        url = f"http://127.0.0.1:{server.bound_port}/ready"
        async with aiohttp.ClientSession() as http, http.get(url) as response:
            assert response.status == 200
            assert (await response.json())["status"] == "ready"
    finally:
        await server.stop()


async def test_a_check_can_say_why_it_fails_and_never_shows_a_password() -> None:
    async def away() -> str:
        return "Elasticsearch at http://elastic:pw-123@es:9200 is unavailable"

    server = HealthServer("127.0.0.1", 0, {"elasticsearch": away}, CollectorRegistry())
    await server.start()
    try:
        url = f"http://127.0.0.1:{server.bound_port}/ready"
        async with aiohttp.ClientSession() as http, http.get(url) as response:
            assert response.status == 503
            body = await response.json()
    finally:
        await server.stop()
    assert body["checks"] == {"elasticsearch": False}
    assert body["reasons"]["elasticsearch"].startswith("Elasticsearch at http://elastic:")
    assert "pw-123" not in body["reasons"]["elasticsearch"]
