from __future__ import annotations

import asyncio
import json

import pytest

from orbitwatch.web.sse import Hub, SeenIds, comment, frame, parse_since

pytestmark = pytest.mark.unit


def test_frame_has_id_event_and_one_data_line() -> None:
    text = frame({"id": "al_1", "html": "<p>a\nb</p>"}, event="alert", event_id=7)
    assert text.endswith("\n\n")
    lines = text[:-2].split("\n")
    assert lines[0] == "id: 7"
    assert lines[1] == "event: alert"
    assert lines[2].startswith("data: ")
    assert len(lines) == 3  # the newline in the value is escaped inside the JSON
    assert json.loads(lines[2][6:]) == {"id": "al_1", "html": "<p>a\nb</p>"}


def test_frame_fields_cannot_inject_lines() -> None:
    text = frame({}, event="alert\ndata: forged", event_id="1\nevent: x")
    assert text.count("\n") == 4  # three lines and the blank one
    assert "\nevent: x" not in text and "\ndata: forged" not in text


def test_comment_and_since() -> None:
    assert comment("keep\nalive") == ": keep alive\n\n"
    assert parse_since("12") == 12
    assert parse_since(" 3 ") == 3
    assert parse_since("-1") is None
    assert parse_since("x") is None
    assert parse_since(None) is None


def test_seen_ids_forget_the_oldest() -> None:
    seen = SeenIds(capacity=3)
    assert all(seen.add(i) for i in "abc")
    assert not seen.add("a")  # known; now the newest
    assert seen.add("d")  # b is forgotten
    assert "b" not in seen and "a" in seen and len(seen) == 3


async def test_hub_drops_a_re_emitted_alert_and_replays_after_a_number() -> None:
    hub = Hub(buffer=10)
    assert await hub.publish("al_1", "one")
    assert await hub.publish("al_2", "two")
    assert not await hub.publish("al_1", "one again")  # the worker re-emitted it
    assert hub.seq == 2 and hub.duplicates == 1
    assert [p.payload for p in hub.after(0)] == ["one", "two"]
    assert [p.payload for p in hub.after(1)] == ["two"]
    assert list(hub.after(2)) == []


async def test_hub_buffer_is_bounded_and_says_what_fell_out() -> None:
    hub = Hub(buffer=3)
    assert hub.missed(0) == 0
    for i in range(10):
        await hub.publish(f"al_{i}", i)
    assert [p.payload for p in hub.after(0)] == [7, 8, 9]
    assert hub.missed(0) == 7  # numbers 1..7 are gone
    assert hub.missed(7) == 0 and hub.missed(9) == 0


async def test_wait_wakes_on_publish_and_times_out_otherwise() -> None:
    hub = Hub()
    assert not await hub.wait(0, 0.05)
    waiter = asyncio.create_task(hub.wait(0, 5))
    await asyncio.sleep(0.01)
    await hub.publish("al_1", "x")
    assert await asyncio.wait_for(waiter, 1)
    assert await hub.wait(0, 0)  # already newer: no wait
