"""The desk in a real browser (headless Chromium through Playwright, see tests/browser.py),
on the real Kafka and Elasticsearch with the real worker:

- alerts the worker raises on the demo feeds appear on an open page without reload (the
  latency from the worker's alert time to the card in the page is printed, and held only to
  a generous ceiling: speed is measured by benchmarks/web_latency.py);
- the story page of the demo's lunar story shows its Russian and English articles together;
- a verdict click lands on the feedback topic;
- hostile feed text (a ``<script>`` title, an ``onerror=`` attribute in a summary) stays
  inert text on the live page and on the story page.

Screenshots of the live page and of a story page are saved under the test's output folder
(printed in the log).
"""

from __future__ import annotations

import asyncio
import statistics
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch

from deploy.local.demo_pipeline import run_demo
from orbitwatch.core.kafka import ensure_topics
from orbitwatch.core.settings import PROJECT_ROOT, Settings
from orbitwatch.web.server import running_desk
from schemas import Article, FeedRef, utc_now
from schemas.feedback import Verdict
from schemas.indices.names import IndexNames
from schemas.indices.setup import setup_indices
from schemas.topics import topic_specs
from streams.worker import build_worker_app
from tests.browser import chromium_or_skip, launch_args
from tests.kafka_io import drain, produce

pytestmark = pytest.mark.integration

CEILING_S = 10.0  # correctness, not speed: a card that never comes fails, a slow one does not
XSS_TITLE = (
    "<script>window.__xss = 1</script> Russia and China to build a nuclear power plant on the Moon"
)
XSS_SUMMARY = (
    '<img src=x onerror="window.__xss = 2"> Roscosmos said the reactor would power the '
    "International Lunar Research Station that Russia and China are building together."
)


@pytest.fixture
def chromium() -> str:
    return chromium_or_skip()


@pytest.fixture
async def desk(isolated_settings: Settings, es_client: Elasticsearch) -> AsyncIterator[str]:
    settings = isolated_settings.model_copy(update={"web_port": 0})
    await ensure_topics(settings, topic_specs(settings))
    setup_indices(es_client, IndexNames(settings.index_prefix))
    async with running_desk(settings) as base:
        yield base


# What the browser reported as blocked by the Content-Security-Policy during the test: an
# injected inline script or handler would show up here even if it did not run.
CSP_VIOLATIONS: list[str] = []


def _note_csp_violation(message: Any) -> None:
    if "Content Security Policy" in message.text:
        CSP_VIOLATIONS.append(message.text)


@pytest.fixture
async def page(chromium: str, desk: str) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as driver:
        browser = await driver.chromium.launch(executable_path=chromium, args=launch_args())
        context = await browser.new_context(viewport={"width": 1200, "height": 900})
        page = await context.new_page()
        CSP_VIOLATIONS.clear()
        page.on("console", _note_csp_violation)
        try:
            yield page
        finally:
            await browser.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    # A folder of the checkout (git-ignored), not pytest's tmp: that one is pruned after a
    # few runs, and CI keeps the checkout's files as artifacts.
    folder = PROJECT_ROOT / "tests" / "out" / "web"
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots of the desk: {folder}")
    return folder


async def _open_live(page: Any, desk: str) -> None:
    await page.goto(desk + "/")
    # The stream is open (and the desk's consumer positioned) before anything is produced.
    await page.wait_for_function("document.body.dataset.stream === 'open'", timeout=30_000)
    await page.wait_for_selector("#kafka-status.ok", timeout=30_000)


async def _received(page: Any) -> dict[str, float]:
    entries = await page.evaluate("window.deskReceived")
    return {e["id"]: e["at"] / 1000 for e in entries}


async def test_worker_alerts_appear_live_and_the_lunar_story_shows_both_languages(
    isolated_settings: Settings, desk: str, page: Any, screenshots: Path
) -> None:
    await _open_live(page, desk)
    outcome = await run_demo(isolated_settings, lambda e: None, lambda a: None, own_namespace=False)
    assert outcome.alerts, "the demo raised no alert"
    loop = asyncio.get_running_loop()
    deadline = loop.time() + CEILING_S
    want = {a.alert_id for a in outcome.alerts}
    while loop.time() < deadline and not want <= set(await _received(page)):
        await asyncio.sleep(0.1)
    received = await _received(page)
    missing = want - set(received)
    assert not missing, f"alerts never shown on the open page: {missing}"
    latencies = sorted(received[a.alert_id] - a.alerted_at.timestamp() for a in outcome.alerts)
    print(
        f"\nworker alert -> card on the open page: n={len(latencies)}, "
        f"median {statistics.median(latencies) * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms"
    )
    assert latencies[-1] < CEILING_S
    # Once each, even if the worker re-emitted one.
    ids = await page.eval_on_selector_all(
        "#alerts [data-alert-id]", "els => els.map(e => e.dataset.alertId)"
    )
    assert sorted(ids) == sorted(set(ids)) and set(ids) == want
    await page.screenshot(path=str(screenshots / "live.png"), full_page=True)

    # The lunar story: the Russian and the English article side by side.
    lunar = next(
        e.story_id
        for e in outcome.events
        if e.classification.relevant
        and "lunar" in [t.value for t in e.classification.event_types]
        and e.article.language == "ru"
    )
    languages = {e.article.language for e in outcome.events if e.story_id == lunar}
    assert {"ru", "en"} <= languages
    await page.goto(f"{desk}/stories/{lunar}")
    langs = await page.eval_on_selector_all("article.article", "els => els.map(e => e.lang)")
    assert {"ru", "en"} <= set(langs)
    titles = await page.eval_on_selector_all(
        "article.article h3", "els => els.map(e => e.textContent)"
    )
    assert any("Росатом" in t or "лунн" in t.lower() for t in titles), titles
    assert any("Moon" in t for t in titles), titles
    assert await page.locator("article.article mark").count() > 0  # the evidence is marked
    await page.screenshot(path=str(screenshots / "story.png"), full_page=True)

    # A verdict from the story's alert card lands on the feedback topic.
    card = page.locator(".story-alerts [data-alert-id]").first
    alert_id = await card.get_attribute("data-alert-id")
    await card.locator("button.bad").click()
    await page.wait_for_selector(f'[data-alert-id="{alert_id}"][data-done]', timeout=20_000)
    records = await drain(isolated_settings, isolated_settings.topic_feedback, expect=1, quiet_s=1)
    verdicts = [Verdict.from_bytes(r.value) for r in records]
    assert any(
        v.alert_id == alert_id and not v.relevant and v.recorded_by == "web" for v in verdicts
    )
    assert CSP_VIOLATIONS == []


async def test_hostile_feed_text_stays_inert(
    isolated_settings: Settings, desk: str, page: Any, screenshots: Path
) -> None:
    await _open_live(page, desk)
    now = utc_now()
    article = Article(
        id="xss-probe-1",
        feed_id="hostile",
        url="https://hostile.example/moon",
        title=XSS_TITLE,
        summary=XSS_SUMMARY,
        language="en",
        published_at=now - timedelta(minutes=1),
        fetched_at=now,
        source=FeedRef(
            feed_id="hostile",
            name='Hostile <b onmouseover="x">Wire</b>',
            url="https://hostile.example/f",
        ),
    )
    app, _ = build_worker_app(isolated_settings)
    await app.start()
    try:
        await produce(
            isolated_settings,
            isolated_settings.topic_articles_raw,
            [(b"xss-probe-1", article.to_bytes())],
        )
        card = page.locator("#alerts [data-alert-id]").first
        await card.wait_for(timeout=60_000)
        headline = await card.locator(".headline").text_content()
        assert headline is not None and "<script>window.__xss = 1</script>" in headline
        assert await page.evaluate("typeof window.__xss") == "undefined"
        assert await page.locator("#alerts script, #alerts img").count() == 0
        story_link = await card.locator(".headline a").get_attribute("href")
        assert story_link is not None
        for _ in range(100):  # the index stage writes the event beside the alert
            await page.goto(desk + story_link)
            if await page.locator("article.article").count():
                break
            await asyncio.sleep(0.2)
        text = await page.locator("article.article").first.text_content()
        assert text is not None and 'onerror="window.__xss = 2"' in text
        assert await page.locator("main img, main script, main b").count() == 0
        assert await page.evaluate("typeof window.__xss") == "undefined"
        await page.screenshot(path=str(screenshots / "story-hostile.png"), full_page=True)
        assert CSP_VIOLATIONS == []
    finally:
        await app.stop()
