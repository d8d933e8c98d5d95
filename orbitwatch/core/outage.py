"""Servers that are away: waiting for one at start-up, and telling an operator about an outage
in a few readable lines instead of a line (and a traceback) per failed attempt.

- :func:`server_address` names a server for a log line: host and port only, so a password
  in the configured URL never reaches the log.
- :func:`wait_for` retries a connect step with bounded backoff until it succeeds; one log
  line per wait names the server, the attempt and the error.
- :class:`Outage` follows one dependency through failures and successes: one line when it
  goes away, one summary per ``summary_every`` seconds while it stays away, one line when
  it is back.

Clocks and sleeps are injected, so tests run all of it without waiting.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar
from urllib.parse import urlsplit

from orbitwatch.core.retry import Backoff, Sleep

T = TypeVar("T")
Clock = Callable[[], float]

# Attempts beyond this many characters of error text are cut: an error line stays one line.
MAX_ERROR_CHARS = 300


def server_address(address: str) -> str:
    """``address`` (a URL or a comma-separated ``host:port`` list) as ``host:port`` entries,
    with any user name, password, path or query left out."""
    names = []
    for part in address.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            parts = urlsplit(part if "://" in part else f"//{part}")
            host = parts.hostname or ""
            port = parts.port
        except ValueError:
            names.append("<unparsable address>")
            continue
        if ":" in host:  # IPv6
            host = f"[{host}]"
        scheme = f"{parts.scheme}://" if parts.scheme else ""
        names.append(f"{scheme}{host}:{port}" if port else f"{scheme}{host}")
    return ",".join(names)


def describe_error(exc: BaseException) -> str:
    """``Type: message`` on one line, bounded in length."""
    name = type(exc).__name__
    text = " ".join(str(exc).split()).removeprefix(f"{name}: ")
    described = f"{name}: {text}" if text else name
    if len(described) > MAX_ERROR_CHARS:
        described = described[: MAX_ERROR_CHARS - 3] + "..."
    return described


class Unreachable(Exception):
    """:func:`wait_for` gave up: the server did not answer within the time allowed."""


async def wait_for(
    connect: Callable[[], Awaitable[T]],
    what: str,
    where: str,
    *,
    log: logging.Logger,
    retriable: Callable[[BaseException], bool] = lambda exc: isinstance(exc, Exception),
    backoff: Backoff | None = None,
    sleep: Sleep = asyncio.sleep,
    clock: Clock = time.monotonic,
    timeout: float | None = None,
) -> T:
    """Await ``connect()`` until it succeeds; between attempts wait with bounded backoff and
    log one line naming ``what`` (``Kafka``) and ``where`` (its address, already redacted).

    Raises :class:`Unreachable` once ``timeout`` seconds have passed without success (never
    if ``timeout`` is None) and whatever ``connect`` raises that is not ``retriable``.
    """
    backoff = backoff or Backoff(initial=1.0, maximum=30.0)
    started = clock()
    attempt = 0
    while True:
        attempt += 1
        try:
            result = await connect()
        except Exception as exc:
            if not retriable(exc):
                raise
            waited = clock() - started
            if timeout is not None and waited >= timeout:
                raise Unreachable(
                    f"{what} at {where} is unreachable ({describe_error(exc)})"
                ) from exc
            delay = backoff.next_delay()
            if timeout is not None:
                delay = min(delay, max(timeout - waited, 0.0))
            log.warning(
                "waiting for %s at %s: attempt %d failed (%s); next attempt in %.1fs",
                what,
                where,
                attempt,
                describe_error(exc),
                delay,
            )
            await sleep(delay)
            continue
        if attempt > 1:
            log.info("%s at %s answered after %.0fs", what, where, clock() - started)
        return result


@dataclass
class Outage:
    """The state of one dependency as its callers see it, logged sparingly.

    Callers report each failed attempt (:meth:`failed`, with how many events they hold
    meanwhile) and each success (:meth:`succeeded`). Each method returns the line it
    logged, or None.
    """

    what: str  # "Elasticsearch"
    where: str  # its address, redacted (server_address)
    log: logging.Logger
    who: str = ""  # the component reporting, e.g. an agent's name
    summary_every: float = 60.0
    clock: Clock = field(default=time.monotonic, repr=False)
    since: float | None = None  # when it went away; None while it answers
    attempts: int = 0  # failed attempts since it went away
    held: int = 0  # events the caller holds, as of the last failure
    last_error: str = ""
    _last_summary: float = 0.0

    @property
    def away(self) -> bool:
        return self.since is not None

    def reason(self) -> str | None:
        """Why the dependency counts as away (for ``/ready``), None while it answers."""
        if self.since is None:
            return None
        return (
            f"{self._prefix()} unavailable for {self.clock() - self.since:.0f}s "
            f"({self.attempts} failed attempts): {self.last_error}"
        )

    def _prefix(self) -> str:
        who = f" ({self.who})" if self.who else ""
        return f"{self.what} at {self.where}{who}"

    def failed(self, exc: BaseException, *, held: int = 0) -> str | None:
        now = self.clock()
        self.attempts += 1
        self.held = held
        self.last_error = describe_error(exc)
        if self.since is None:
            self.since = self._last_summary = now
            line = f"{self._prefix()} is unavailable: {self.last_error}"
            self.log.warning(line)
            # The traceback stays available to whoever asks for it.
            self.log.debug("%s: first failure", self._prefix(), exc_info=exc)
            return line
        if now - self._last_summary >= self.summary_every:
            self._last_summary = now
            line = (
                f"{self._prefix()} still unavailable after {now - self.since:.0f}s: "
                f"{self.attempts} failed attempts, {self.held} events held; "
                f"last error: {self.last_error}"
            )
            self.log.warning(line)
            return line
        return None

    def succeeded(self) -> str | None:
        if self.since is None:
            return None
        line = (
            f"{self._prefix()} is back after {self.clock() - self.since:.0f}s "
            f"({self.attempts} failed attempts)"
        )
        self.log.info(line)
        self.since, self.attempts, self.held, self.last_error = None, 0, 0, ""
        return line
