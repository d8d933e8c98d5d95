"""The connector loop against the real demo feed server, with an in-memory sink.

Kafka itself is exercised in tests/integration/test_connector_kafka.py; here the subject is
the runner's own logic: what it emits, in which order, what it remembers, how it counts
failures.
"""

from __future__ import annotations

import asyncio
import dataclasses
import socket
import time
from collections.abc import Callable, Sequence

import pytest

from connectors.demo.server import DemoFeedServer
from connectors.feedlist import FeedConfig
from connectors.fetch import FetchLimits
from connectors.producer import DeliveryFailed
from connectors.runner import Connector, ConnectorOptions
from connectors.schedule import BackoffPolicy
from connectors.state import FeedStateStore
from schemas import Article, FeedHealth, FeedState

pytestmark = pytest.mark.unit

OPTIONS = ConnectorOptions(host_gap=0.0, per_host=4, parser_processes=False)
DEMO_ARTICLES = 10  # 4 + 3 + 3 entries in the three demo feeds


class RecordingSink:
    """Keeps what the connector sends, in order; can be told to fail like a down broker."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []
        self.articles: list[Article] = []
        self.states: dict[str, FeedState] = {}
        self.health: dict[str, FeedHealth] = {}
        self.fail_articles = False

    async def send_articles(self, articles: Sequence[Article]) -> None:
        if self.fail_articles:
            raise DeliveryFailed("broker unavailable")
        self.articles.extend(articles)
        self.events.extend(("article", a.feed_id) for a in articles)

    async def send_state(self, state: FeedState) -> None:
        # Through bytes, as on Kafka: what is restored is what was serialized.
        self.states[state.feed_id] = FeedState.from_bytes(state.to_bytes())
        self.events.append(("state", state.feed_id))

    async def send_health(self, feed_id: str, health: FeedHealth) -> None:
        self.health[feed_id] = health
        self.events.append(("health", feed_id))


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/feed"


def _dead_feed(feed_id: str) -> FeedConfig:
    return FeedConfig(id=feed_id, name=feed_id, url=_closed_port_url(), allow_private=True)


async def test_first_round_emits_everything_then_nothing_then_only_the_new_entry(
    server: DemoFeedServer,
) -> None:
    sink = RecordingSink()
    async with Connector(server.feed_configs(), sink, options=OPTIONS) as connector:
        first = await connector.poll_round()
        assert first.produced == DEMO_ARTICLES and not first.failed
        assert {a.language for a in sink.articles} == {"en", "ru", "zh"}

        second = await connector.poll_round()
        assert second.produced == 0
        assert second.not_modified == 3  # conditional GET: nothing re-downloaded

        server.add_entry(
            "orbital-herald",
            title="China tests a reusable spaceplane",
            link="https://orbital-herald.example/2025/03/spaceplane",
            summary="A third flight of the experimental spacecraft.",
        )
        third = await connector.poll_round()
        assert third.produced == 1
        assert sink.articles[-1].title == "China tests a reusable spaceplane"
    assert len({a.id for a in sink.articles}) == DEMO_ARTICLES + 1


async def test_articles_are_sent_before_the_state_that_remembers_them(
    server: DemoFeedServer,
) -> None:
    sink = RecordingSink()
    async with Connector(server.feed_configs(), sink, options=OPTIONS) as connector:
        await connector.poll_round()
    for feed_id in server.documents:
        events = [kind for kind, fid in sink.events if fid == feed_id]
        assert events.index("state") > max(i for i, k in enumerate(events) if k == "article")
        assert events[-1] == "health"
        state = sink.states[feed_id]
        assert state.etag and state.last_modified and len(state.seen_ids) >= 3
        assert state.health.articles_produced == len(
            [a for a in sink.articles if a.feed_id == feed_id]
        )


async def test_restart_from_saved_state_emits_nothing_old(server: DemoFeedServer) -> None:
    sink = RecordingSink()
    async with Connector(server.feed_configs(), sink, options=OPTIONS) as connector:
        await connector.poll_round()
    produced_before = len(sink.articles)

    # The publisher re-serves identical content with new validators: a full 200 response.
    for name, document in list(server.documents.items()):
        server.set_document(name, document.body + b"\n")
    restarted = Connector(
        server.feed_configs(), sink, FeedStateStore(dict(sink.states)), options=OPTIONS
    )
    async with restarted:
        report = await restarted.poll_round()
    assert not report.failed and report.not_modified == 0
    assert report.produced == 0
    assert len(sink.articles) == produced_before


async def test_a_broken_feed_is_reported_and_the_others_go_on(server: DemoFeedServer) -> None:
    server.set_document("tiangong-daily", b"<!DOCTYPE html><html><head><title>Moved</title>")
    sink = RecordingSink()
    async with Connector(server.feed_configs(), sink, options=OPTIONS) as connector:
        report = await connector.poll_round()
    assert [r.feed.id for r in report.failed] == ["tiangong-daily"]
    assert report.produced == 7
    health = sink.health["tiangong-daily"]
    assert health.last_error_kind == "not_a_feed" and "Moved" in (health.last_error or "")
    assert health.consecutive_failures == 1 and health.next_poll_at is not None
    assert sink.health["orbital-herald"].last_success_at is not None


async def test_network_outage_is_not_counted_against_the_feeds() -> None:
    feeds = [_dead_feed("a"), _dead_feed("b"), _dead_feed("c")]
    sink = RecordingSink()
    async with Connector(feeds, sink, options=OPTIONS) as connector:
        report = await connector.poll_round()
        again = await connector.poll_round()
    assert report.outage and again.outage
    for feed_id in ("a", "b", "c"):
        health = sink.health[feed_id]
        assert health.last_error_kind == "connection"
        assert health.consecutive_failures == 0
        assert not health.dormant


async def test_one_dead_feed_among_live_ones_is_counted(server: DemoFeedServer) -> None:
    feeds = [*server.feed_configs(), _dead_feed("dead")]
    sink = RecordingSink()
    async with Connector(feeds, sink, options=OPTIONS) as connector:
        report = await connector.poll_round()
    assert not report.outage
    assert sink.health["dead"].consecutive_failures == 1


async def test_a_feed_that_keeps_failing_goes_dormant_but_stays_scheduled(
    server: DemoFeedServer,
) -> None:
    gone = FeedConfig(id="gone", name="gone", url=server.url_for("nope"), allow_private=True)
    policy = BackoffPolicy(dormant_after=3, max_delay=7200)
    options = ConnectorOptions(host_gap=0.0, parser_processes=False, backoff=policy)
    sink = RecordingSink()
    async with Connector([gone], sink, options=options) as connector:
        for _ in range(3):
            await connector.poll_round()
        assert connector.due_feeds() == []  # backing off...
        assert 0 < connector.seconds_until_next_due() <= 7200  # ...but coming back
    health = sink.health["gone"]
    assert health.dormant and health.consecutive_failures == 3
    assert health.last_error_kind == "http_status" and health.last_status == 404


async def test_delivery_failure_keeps_state_so_the_articles_come_again(
    server: DemoFeedServer,
) -> None:
    sink = RecordingSink()
    sink.fail_articles = True
    async with Connector(server.feed_configs(), sink, options=OPTIONS) as connector:
        report = await connector.poll_round()
        assert report.delivery_failures == 3 and report.produced == 0
        assert sink.states == {}  # nothing remembered: nothing was delivered
        sink.fail_articles = False
        retry = await connector.poll_round()
    assert retry.produced == DEMO_ARTICLES and retry.not_modified == 0


async def test_run_stops_gracefully_on_the_stop_event(server: DemoFeedServer) -> None:
    sink = RecordingSink()
    stop = asyncio.Event()
    async with Connector(server.feed_configs(), sink, options=OPTIONS) as connector:
        task = asyncio.create_task(connector.run(stop))
        for _ in range(100):
            if len(sink.states) == 3:
                break
            await asyncio.sleep(0.05)
        stop.set()
        await asyncio.wait_for(task, timeout=5)
    assert len(sink.articles) == DEMO_ARTICLES


async def _eventually(condition: Callable[[], bool], limit_s: float) -> bool:
    deadline = time.monotonic() + limit_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


async def test_a_hanging_feed_does_not_hold_up_the_next_polls_of_the_others(
    server: DemoFeedServer,
) -> None:
    """Regression: rounds ran one after another, so one feed that kept the connection open
    until the read timeout delayed every other feed's next poll by as long."""
    connected = asyncio.Event()

    async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connected.set()
        await reader.read()  # until the connector gives up and closes
        writer.close()

    hanging = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    port = hanging.sockets[0].getsockname()[1]
    feeds = [
        *server.feed_configs(poll_interval=1.0),
        FeedConfig(id="hangs", name="hangs", url=f"http://127.0.0.1:{port}/", allow_private=True),
    ]
    options = dataclasses.replace(
        OPTIONS, fetch=FetchLimits(read_timeout=30.0, total_timeout=30.0), shutdown_grace=0.2
    )
    sink = RecordingSink()
    stop = asyncio.Event()
    try:
        async with Connector(feeds, sink, options=options) as connector:
            task = asyncio.create_task(connector.run(stop))
            assert await _eventually(
                lambda: len(sink.articles) == DEMO_ARTICLES and connected.is_set(), 5.0
            )
            server.add_entry(
                "orbital-herald",
                title="Second ASAT test reported",
                link="https://orbital-herald.example/news/asat-2",
                summary="Debris tracked in low orbit.",
            )
            # Due again one second after its last poll; the hanging feed has 30 s to go.
            arrived = await _eventually(lambda: len(sink.articles) == DEMO_ARTICLES + 1, 5.0)
            stop.set()
            await asyncio.wait_for(task, timeout=5)
    finally:
        hanging.close()
    assert arrived, "the new entry waited for the hanging feed"
    assert sink.articles[-1].url == "https://orbital-herald.example/news/asat-2"


async def test_a_feed_is_never_polled_twice_at_once(server: DemoFeedServer) -> None:
    """Rounds overlap, so a feed still in flight must not be started again by a later one."""
    server.latency = 1.5  # every answer takes longer than the poll interval
    sink = RecordingSink()
    stop = asyncio.Event()
    async with Connector(server.feed_configs(poll_interval=1.0), sink, options=OPTIONS) as conn:
        task = asyncio.create_task(conn.run(stop))
        await asyncio.sleep(4.0)
        stop.set()
        await asyncio.wait_for(task, timeout=5)
    # 4 s of polls that each take 1.5 s and are due 1 s after the last one ended: 2 each.
    assert all(hits <= 2 for hits in server.hits.values()), server.hits
    assert len(sink.articles) == DEMO_ARTICLES


async def test_restart_honours_back_off_chosen_before() -> None:
    sink = RecordingSink()
    feed = _dead_feed("lonely")
    async with Connector([feed], sink, options=OPTIONS) as connector:
        await connector.poll_round()
    restarted = Connector([feed], sink, FeedStateStore(dict(sink.states)), options=OPTIONS)
    async with restarted:
        restarted.resume_schedule()
        assert restarted.due_feeds() == []


def _adaptive(feeds: list[FeedConfig]) -> list[FeedConfig]:
    return [f.model_copy(update={"polling": "adaptive"}) for f in feeds]


async def test_adaptive_feeds_record_their_interval_and_why(server: DemoFeedServer) -> None:
    server.headers["orbital-herald"] = {"Cache-Control": "max-age=20000"}
    sink = RecordingSink()
    async with Connector(_adaptive(server.feed_configs()), sink, options=OPTIONS) as connector:
        await connector.poll_round()
    hinted = sink.health["orbital-herald"]
    assert hinted.interval_reason is not None and "max-age=20000" in hinted.interval_reason
    assert hinted.poll_interval_s == pytest.approx(20000, rel=0.01)
    for feed_id in ("kosmos-vestnik", "tiangong-daily"):
        health = sink.health[feed_id]
        assert health.poll_interval_s is not None and 60 <= health.poll_interval_s <= 6 * 3600
        assert health.interval_reason and "learned" in health.interval_reason
        assert health.entries_per_hour is not None and not health.pushed
    state = sink.states["orbital-herald"]
    assert state.schedule.hints.not_before is not None and state.schedule.last_request_at


async def test_a_pushed_feed_is_polled_as_a_safety_net_and_shown_as_pushed(
    server: DemoFeedServer,
) -> None:
    sink = RecordingSink()
    feeds = _adaptive(server.feed_configs())
    async with Connector(feeds, sink, options=OPTIONS) as connector:
        await connector.poll_round()
        connector.set_pushed("kosmos-vestnik", True)
        await connector.poll_round()
        pushed = sink.health["kosmos-vestnik"]
        assert pushed.pushed and pushed.interval_reason and "pushed" in pushed.interval_reason
        assert pushed.poll_interval_s is not None
        connector.set_pushed("kosmos-vestnik", False)  # e.g. the hub fell silent
        due = connector._next_due["kosmos-vestnik"] - time.monotonic()
        assert due <= pushed.poll_interval_s / 4 + 1
        await connector.poll_round()
        assert not sink.health["kosmos-vestnik"].pushed
