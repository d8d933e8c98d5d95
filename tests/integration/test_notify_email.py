"""The e-mail of a real alert: demo feeds -> worker -> alerts -> notifier -> a real SMTP
server (aiosmtpd) on 127.0.0.1. Subject and body arrive with Russian and Chinese intact."""

from __future__ import annotations

import asyncio
import email
from email import policy
from email.message import EmailMessage

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session
from elasticsearch import Elasticsearch

from connectors.demo.server import DemoFeedServer
from orbitwatch.core.kafka import ensure_topics
from orbitwatch.core.settings import Settings
from schemas.topics import topic_specs
from streams.notify.endpoints import Endpoint
from streams.notify.notifier import Notifier
from streams.worker import build_worker_app
from tests.integration.test_end_to_end import AlertCollector, _poll_once, _wait_stable, _wait_until

pytestmark = pytest.mark.integration

LUNAR_EN = "Russia and China plan a nuclear power plant on the Moon by 2033-2035"
LUNAR_RU = "Росатом и Роскосмос: лунная электростанция с Китаем к 2033–2035 годам"
BEIDOU_RU = "Россия и Китай договорились о размещении наземных станций ГЛОНАСС и BeiDou"
BEIDOU_ZH = "中俄签署北斗与格洛纳斯地面站互设合作协议"


class Mailbox:
    def __init__(self) -> None:
        self.mails: list[EmailMessage] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        self.mails.append(email.message_from_bytes(raw, policy=policy.default))
        return "250 OK"


def text_of(mail: EmailMessage) -> str:
    part = mail.get_body(preferencelist=("plain", "html"))
    assert part is not None
    return str(part.get_content())


async def test_worker_alert_arrives_by_email_with_russian_and_chinese_intact(
    isolated_settings: Settings, es_client: Elasticsearch
) -> None:
    settings = isolated_settings.model_copy(
        update={"web_public_url": "https://desk.example.org", "webhook_allow_private": True}
    )
    await ensure_topics(settings, topic_specs(settings))
    mailbox = Mailbox()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(mailbox, hostname="127.0.0.1"), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with AlertCollector(settings) as collector, DemoFeedServer(port=0) as feeds:
            app, _ = build_worker_app(settings)
            await app.start()
            try:
                report = await _poll_once(settings, feeds)
                assert report.failed == []
                await _wait_until(
                    lambda: len({a.story_id for a in collector.only()}) >= 2,
                    "the worker's alerts",
                )
                await _wait_stable(lambda: len(collector.alerts), 5)
            finally:
                await app.stop()
        alerts = [a for a in collector.only() if a.rule == "high-severity"]
        by_title = {a.title: a for a in alerts}
        lunar = next(a for t, a in by_title.items() if t in (LUNAR_EN, LUNAR_RU))
        beidou = next(a for t, a in by_title.items() if t in (BEIDOU_RU, BEIDOU_ZH))

        endpoint = Endpoint(
            name="desk-mail",
            url=f"mailto://127.0.0.1:{port}?from=orbitwatch@example.org"
            "&to=desk@example.org&mode=insecure",
            rules=["high-severity"],
        )
        stop = asyncio.Event()
        notifier = Notifier(settings, [endpoint], from_beginning=True)
        task = asyncio.create_task(notifier.run(stop))
        try:
            await _wait_until(lambda: len(mailbox.mails) >= len(alerts), "the e-mails")
            await _wait_stable(lambda: len(mailbox.mails), 3)
        finally:
            stop.set()
            await asyncio.wait_for(task, 60)
    finally:
        server.close()
        await server.wait_closed()

    assert len(mailbox.mails) == len(alerts), [m["subject"] for m in mailbox.mails]
    mails = {str(m["subject"]): m for m in mailbox.mails}
    for alert in (lunar, beidou):
        subject = f"[orbitwatch] HIGH: {alert.title}"
        assert subject in mails, sorted(mails)
        body = text_of(mails[subject])
        assert f"Headline: {alert.title}" in body
        assert "Actors:   CN, RU" in body
        assert f"Story: https://desk.example.org/stories/{alert.story_id}" in body
        assert alert.source_urls[0] in body
    # The other language of each story, from the events index, byte for byte.
    lunar_body = text_of(mails[f"[orbitwatch] HIGH: {lunar.title}"])
    assert (LUNAR_RU if lunar.title == LUNAR_EN else LUNAR_EN) in lunar_body
    beidou_body = text_of(mails[f"[orbitwatch] HIGH: {beidou.title}"])
    assert BEIDOU_RU in beidou_body and BEIDOU_ZH in beidou_body
    print(
        f"\ne-mails={len(mailbox.mails)} subjects={sorted(mails)}"
        f"\n--- lunar ---\n{lunar_body}\n--- beidou ---\n{beidou_body}"
    )
