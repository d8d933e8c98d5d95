"""Serving the desk with uvicorn: the CLI, the browser tests and the benchmark share this."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable

import uvicorn

from orbitwatch.core.settings import Settings
from orbitwatch.web.app import build_app, describe_address

STARTUP_TIMEOUT_S = 30.0


def make_server(settings: Settings) -> uvicorn.Server:
    config = uvicorn.Config(
        build_app(settings),
        host=settings.web_host,
        port=settings.web_port,
        log_level=logging.getLevelName(logging.WARNING).lower(),
        access_log=False,
        lifespan="on",
        # Open live streams must not hold a stop for long.
        timeout_graceful_shutdown=3,
    )
    return uvicorn.Server(config)


def bound_port(server: uvicorn.Server) -> int:
    for listener in server.servers:
        for sock in listener.sockets:
            return int(sock.getsockname()[1])
    raise RuntimeError("the desk has no listening socket")


class DeskStartFailed(Exception):
    """uvicorn could not start (it logged why, e.g. the port is taken)."""


async def _serve(server: uvicorn.Server) -> None:
    try:
        await server.serve()
    except SystemExit as exc:  # uvicorn's way of saying the socket could not be bound
        raise DeskStartFailed(f"the desk could not start (uvicorn exit {exc.code})") from None


async def _started(settings: Settings) -> tuple[uvicorn.Server, asyncio.Task[None], str]:
    server = make_server(settings)
    task = asyncio.create_task(_serve(server))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STARTUP_TIMEOUT_S
    while not server.started:
        if task.done():
            task.result()  # raises DeskStartFailed
            raise DeskStartFailed("the desk stopped while starting")
        if loop.time() > deadline:
            server.should_exit = True
            raise TimeoutError("the desk did not start in time")
        await asyncio.sleep(0.05)
    port = bound_port(server)
    base = describe_address(settings.model_copy(update={"web_port": port, "web_public_url": None}))
    return server, task, base.rstrip("/")


async def serve_desk(settings: Settings, on_started: Callable[[str], None]) -> None:
    """Serve until a signal stops the server (uvicorn handles SIGINT and SIGTERM)."""
    _, task, base = await _started(settings)
    on_started(base)
    await task


@contextlib.asynccontextmanager
async def running_desk(settings: Settings) -> AsyncIterator[str]:
    """The desk served in this event loop; yields its base URL (``http://host:port``)."""
    server, task, base = await _started(settings)
    try:
        yield base
    finally:
        server.should_exit = True
        await task
