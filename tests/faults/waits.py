"""Waiting on the pipeline, and watching that the processes under test stay up.

Every wait polls a cheap condition and gives up after a generous limit; it also fails at once
when a process that must stay up has exited, naming its log.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager

from tests.faults.processes import Process


async def wait_until(
    check: Callable[[], Awaitable[bool]],
    what: str,
    *,
    limit_s: float,
    every_s: float = 0.5,
    alive: Iterable[Process] = (),
) -> float:
    """Poll ``check`` until it is true; returns the seconds that took."""
    watched = list(alive)
    began = time.monotonic()
    while not await check():
        for process in watched:
            if not process.alive():
                raise AssertionError(
                    f"{process.name} exited ({process.returncode}) while waiting for {what}; "
                    f"log {process.log}:\n{process.tail()}"
                )
        if time.monotonic() - began > limit_s:
            raise AssertionError(f"timed out after {limit_s:.0f}s waiting for {what}")
        await asyncio.sleep(every_s)
    return time.monotonic() - began


async def wait_for(
    check: Callable[[], bool],
    what: str,
    *,
    limit_s: float,
    every_s: float = 0.5,
    alive: Iterable[Process] = (),
) -> float:
    """:func:`wait_until` for a blocking ``check`` (an HTTP call), run in a thread so that
    the test's own tasks (producing, reading alerts) go on meanwhile."""
    return await wait_until(
        lambda: asyncio.to_thread(check), what, limit_s=limit_s, every_s=every_s, alive=alive
    )


class Settled:
    """A condition on a changing value that must also hold still for ``quiet_s`` seconds."""

    def __init__(self, read: Callable[[], object], done: Callable[[], bool], quiet_s: float):
        self.read, self.done, self.quiet_s = read, done, quiet_s
        self._value: object = None
        self._since = time.monotonic()

    def __call__(self) -> bool:
        value = self.read()
        if value != self._value:
            self._value, self._since = value, time.monotonic()
        return time.monotonic() - self._since >= self.quiet_s and self.done()


class Watchdog:
    """Notes, every ``every_s`` seconds, whether processes that must stay up still are: a
    process that exits and is restarted by someone between two checks of a test's own waits
    would otherwise go unseen."""

    def __init__(self, processes: Iterable[Process], every_s: float = 0.2) -> None:
        self.processes = list(processes)
        self.every_s = every_s
        self.exits: list[str] = []
        self.checks = 0

    @asynccontextmanager
    async def watching(self) -> AsyncIterator[Watchdog]:
        task = asyncio.create_task(self._run())
        try:
            yield self
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            self._check()

    def _check(self) -> None:
        self.checks += 1
        for process in self.processes:
            if not process.alive() and not any(e.startswith(process.name) for e in self.exits):
                self.exits.append(f"{process.name} exited ({process.returncode}): {process.log}")

    async def _run(self) -> None:
        while True:
            self._check()
            await asyncio.sleep(self.every_s)
