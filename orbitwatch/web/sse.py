"""Server-Sent Events: framing, and the hub that fans alerts out to open pages.

The hub sees every alert the Kafka consumer reads. It drops an alert whose id it has seen
(the worker re-emits after a crash with the same deterministic id), numbers the rest, keeps
the last few hundred in a replay buffer, and wakes every subscriber. A page asks for what
came after the number it was rendered with (``?since=``) and, after a reconnect, after the
last event id it received (``Last-Event-ID``): nothing fired in between is missed, and the
page drops repeats by alert id too.
"""

from __future__ import annotations

import asyncio
import json
from collections import OrderedDict, deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


def frame(data: Any, *, event: str | None = None, event_id: str | int | None = None) -> str:
    """One SSE event. ``data`` is sent as compact JSON on one line (JSON escapes newlines,
    so a field value can never end the event or inject another field)."""
    lines = []
    if event_id is not None:
        lines.append(f"id: {_one_line(str(event_id))}")
    if event is not None:
        lines.append(f"event: {_one_line(event)}")
    lines.append("data: " + json.dumps(data, ensure_ascii=False, separators=(",", ":")))
    return "\n".join(lines) + "\n\n"


def comment(text: str = "") -> str:
    """A comment line: keeps proxies from closing an idle stream."""
    return f": {_one_line(text)}\n\n"


def _one_line(text: str) -> str:
    return text.replace("\r", " ").replace("\n", " ")


def parse_since(value: str | None) -> int | None:
    if value is None or not value.strip().isdigit():
        return None
    return int(value.strip())


class SeenIds:
    """The last ``capacity`` ids, oldest forgotten first."""

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._ids: OrderedDict[str, None] = OrderedDict()

    def add(self, item: str) -> bool:
        """Remember ``item``; False when it was already known."""
        if item in self._ids:
            self._ids.move_to_end(item)
            return False
        self._ids[item] = None
        if len(self._ids) > self.capacity:
            self._ids.popitem(last=False)
        return True

    def __contains__(self, item: object) -> bool:
        return item in self._ids

    def __len__(self) -> int:
        return len(self._ids)


@dataclass(frozen=True)
class Pushed:
    seq: int
    key: str  # the alert id
    payload: Any


class Hub:
    """Alerts for open pages: de-duplicated, numbered, buffered, broadcast."""

    def __init__(self, buffer: int = 500, remember: int = 10_000) -> None:
        self._seen = SeenIds(remember)
        self._buffer: deque[Pushed] = deque(maxlen=buffer)
        self._seq = 0
        self._changed = asyncio.Condition()
        self.duplicates = 0

    @property
    def seq(self) -> int:
        """The number of the newest alert (0 before any): a page rendered now asks for
        what comes after it."""
        return self._seq

    def seen(self, key: str) -> bool:
        return key in self._seen

    async def publish(self, key: str, payload: Any) -> bool:
        """Add an alert; False (and nothing sent) when its id was seen before."""
        if not self._seen.add(key):
            self.duplicates += 1
            return False
        self._seq += 1
        self._buffer.append(Pushed(self._seq, key, payload))
        async with self._changed:
            self._changed.notify_all()
        return True

    def missed(self, seq: int) -> int:
        """How many alerts numbered above ``seq`` fell out of the buffer (a page away for
        longer than the buffer lasts cannot get them from here: it has to reload)."""
        if not self._buffer:
            return 0
        return max(0, self._buffer[0].seq - seq - 1)

    def after(self, seq: int) -> Iterator[Pushed]:
        """Buffered alerts numbered above ``seq``, oldest first."""
        return (item for item in list(self._buffer) if item.seq > seq)

    async def wait(self, seq: int, timeout: float) -> bool:
        """Until an alert numbered above ``seq`` exists (True) or ``timeout`` passes."""
        if self._seq > seq:
            return True
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(lambda: self._seq > seq), timeout)
            except TimeoutError:
                return False
        return True
