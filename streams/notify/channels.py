"""E-mail and chat endpoints through Apprise: an alert rendered into a message, then sent.

Apprise reports a failure as a result and log lines, not an exception or a status code, so
every failure is retried (the retry loop of :func:`streams.notify.delivery.deliver`); the
reason that reaches logs and dead-letter headers is Apprise's last warning, with the URL's
secrets masked. Apprise sends in worker threads, so a slow mail server blocks neither the
event loop nor another endpoint.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import jinja2

from orbitwatch.core.redact import redact_text
from schemas import Alert
from streams.notify.delivery import DeliveryError
from streams.notify.endpoints import Channel, Endpoint
from streams.notify.render import Message, Renderer, StoryContext

log = logging.getLogger(__name__)

StoryLookup = Callable[[Alert], Awaitable[StoryContext]]
REMEMBERED_STORIES = 256  # story contexts kept between the attempts of a delivery


async def no_story(alert: Alert) -> StoryContext:
    return StoryContext()


def _quiet_apprise_log(debug: bool) -> None:
    """Apprise logs a warning of its own for every failed attempt; the notifier already logs
    one line per attempt with Apprise's reason in it (captured from the result), so
    Apprise's records stay out of the service log unless the log level is DEBUG."""
    logging.getLogger("apprise").propagate = debug


class AppriseSender:
    """Sends rendered alerts to Apprise endpoints, one Apprise object per endpoint."""

    def __init__(
        self,
        endpoints: Sequence[Endpoint],
        renderer: Renderer,
        *,
        timeout: float,
        story: StoryLookup = no_story,
        debug: bool = False,
    ) -> None:
        import apprise

        _quiet_apprise_log(debug)
        self.renderer = renderer
        self.timeout = timeout
        self.story = story
        # No persistent storage: Apprise would otherwise keep state files of its own.
        asset = apprise.AppriseAsset(storage_mode="memory", secure_logging=True)
        self._services: dict[str, Any] = {}
        for endpoint in endpoints:
            if endpoint.channel is Channel.webhook:
                continue
            service = apprise.Apprise(asset=asset)
            if not service.add(endpoint.url):
                raise ValueError(f"Apprise refused {endpoint.shown_url}")  # checked at load
            self._services[endpoint.name] = service
        self._stories: OrderedDict[str, StoryContext] = OrderedDict()

    async def send(self, endpoint: Endpoint, alert: Alert, attempt: int) -> None:
        try:
            message = self.renderer.render(endpoint, alert, await self._story(alert))
        except jinja2.TemplateError as exc:
            # Checked on the sample alert at start-up; a real alert can still hit a branch
            # the sample did not. Retrying cannot help: dead-letter it with the reason.
            raise DeliveryError(
                "template", f"{endpoint.name}: template failed: {exc}", retriable=False
            ) from exc
        await self.send_message(endpoint, message)

    async def send_message(self, endpoint: Endpoint, message: Message) -> None:
        import apprise

        result = await self._services[endpoint.name].async_notify(
            body=message.body,
            title=message.subject,
            body_format=message.format.value,
            timeout=self.timeout,
        )
        if result:
            return
        timed_out = result.status == apprise.AppriseResultStatus.TIMEOUT
        warnings = [entry.message for entry in result.logs() if entry.level != "DEBUG"]
        detail = redact_text(warnings[-1]) if warnings else "no reason given"
        raise DeliveryError(
            "timeout" if timed_out else "apprise_failed",
            f"Apprise: {detail}",
            retriable=True,
        )

    async def _story(self, alert: Alert) -> StoryContext:
        """The story context, looked up once per alert (not per attempt or endpoint)."""
        cached = self._stories.get(alert.alert_id)
        if cached is None:
            cached = await self.story(alert)
            self._stories[alert.alert_id] = cached
            while len(self._stories) > REMEMBERED_STORIES:
                self._stories.popitem(last=False)
        return cached
