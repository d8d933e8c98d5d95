"""Messages for people: an alert rendered from a Jinja2 template, per channel kind.

A template defines a ``subject`` block (the e-mail subject or the chat title) and a ``body``
block; one without blocks is all body. Its file name gives the body's format: ``*.md.j2``
markdown, ``*.html.j2`` HTML (autoescaped: an article title cannot inject markup), anything
else plain text. Apprise converts the format to what the service takes.

Where templates come from, first match wins:

1. the endpoint's own ``template:`` (a file);
2. ``ORBITWATCH_NOTIFY_TEMPLATES_DIR``: a file named like a default overrides it;
3. the defaults beside this module: ``chat.md.j2`` (chat services) and ``email.txt.j2``.

Every template is checked at start-up by rendering it once with a sample alert
(:func:`streams.notify.sample.sample_alert`), with undefined names an error: a syntax error or
a misspelt variable is one line naming the file, before the notifier consumes anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import jinja2

from orbitwatch.core.errors import ConfigError
from orbitwatch.core.settings import Settings
from schemas import Alert, AlertKind, Evidence
from streams.notify.endpoints import Channel, Endpoint

DEFAULT_TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
DEFAULT_TEMPLATES = {Channel.chat: "chat.md.j2", Channel.email: "email.txt.j2"}
HTML_SUFFIXES = ("html", "htm", "html.j2", "htm.j2")


class BodyFormat(StrEnum):
    """The names Apprise uses for body formats."""

    text = "text"
    markdown = "markdown"
    html = "html"


def body_format(template_name: str) -> BodyFormat:
    name = template_name.removesuffix(".j2")
    if name.endswith((".html", ".htm")):
        return BodyFormat.html
    return BodyFormat.markdown if name.endswith(".md") else BodyFormat.text


@dataclass(frozen=True)
class StoryTitle:
    """The story in another language: one member article's title."""

    language: str
    title: str
    url: str | None = None


@dataclass(frozen=True)
class Message:
    subject: str
    body: str
    format: BodyFormat


@dataclass(frozen=True)
class StoryContext:
    """What the alert does not carry but a reader wants: the story's other languages."""

    other_languages: Sequence[StoryTitle] = field(default_factory=tuple)


class TemplateError(ConfigError):
    """A template that does not compile or does not render the sample alert."""


def _environment(search_path: Sequence[Path]) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(p) for p in search_path]),
        autoescape=jinja2.select_autoescape(
            enabled_extensions=HTML_SUFFIXES, default_for_string=False, default=False
        ),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


class Renderer:
    """Renders alerts for the endpoints it was built for (templates compiled once)."""

    def __init__(self, settings: Settings, endpoints: Sequence[Endpoint]) -> None:
        self.public_url = settings.web_public_url.rstrip("/") if settings.web_public_url else None
        shared = [DEFAULT_TEMPLATE_DIR]
        if settings.notify_templates_dir is not None:
            shared.insert(0, settings.notify_templates_dir)
        self._shared = _environment(shared)
        self._templates: dict[str, jinja2.Template] = {}
        problems: list[str] = []
        for endpoint in endpoints:
            if endpoint.channel is Channel.webhook:
                continue
            try:
                self._templates[endpoint.name] = self._load(endpoint)
            except TemplateError as exc:
                problems.append(f"{endpoint.name}: {exc}")
        if problems:
            raise TemplateError("\n".join(problems))
        from streams.notify.sample import sample_alert, sample_story

        for name, template in self._templates.items():
            try:
                self._render(template, sample_alert(), sample_story())
            except jinja2.TemplateError as exc:
                problems.append(f"{name}: {_one_line(template.filename, exc)}")
        if problems:
            raise TemplateError("\n".join(problems))

    def _load(self, endpoint: Endpoint) -> jinja2.Template:
        try:
            if endpoint.template is not None:
                own = _environment([endpoint.template.parent, DEFAULT_TEMPLATE_DIR])
                return own.get_template(endpoint.template.name)
            return self._shared.get_template(DEFAULT_TEMPLATES[endpoint.channel])
        except jinja2.TemplateNotFound as exc:
            raise TemplateError(f"template {exc.name} not found") from exc
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(_one_line(exc.filename, exc)) from exc

    def render(
        self, endpoint: Endpoint, alert: Alert, story: StoryContext | None = None
    ) -> Message:
        return self._render(self._templates[endpoint.name], alert, story or StoryContext())

    def _render(self, template: jinja2.Template, alert: Alert, story: StoryContext) -> Message:
        values = self.context(alert, story)
        blocks = template.blocks
        if "body" not in blocks:
            return Message("", template.render(values).strip(), body_format(template.name or ""))
        ctx = template.new_context(values)
        subject = "".join(blocks["subject"](ctx)) if "subject" in blocks else ""
        body = "".join(blocks["body"](template.new_context(values)))
        # A subject is one line, whatever the template left in it.
        return Message(" ".join(subject.split()), body.strip(), body_format(template.name or ""))

    def story_url(self, story_id: str | None) -> str | None:
        if self.public_url is None or not story_id:
            return None
        return f"{self.public_url}/stories/{story_id}"

    def context(self, alert: Alert, story: StoryContext) -> dict[str, Any]:
        """The names a template sees (documented in docs/alerting.md)."""
        return {
            "alert": alert,
            "severity": alert.severity.value,
            "headline": alert.title,
            "rule": alert.rule,
            "kind": alert.kind.value,
            "is_digest": alert.kind is AlertKind.digest,
            "actors": alert.actors,
            "actor_pairs": alert.actor_pairs,
            "types": [t.value for t in alert.event_types],
            "relation": alert.relation.value if alert.relation else None,
            "evidence": _distinct_evidence(alert),
            "sources": alert.source_urls,
            "other_languages": list(story.other_languages),
            "story_url": self.story_url(alert.story_id),
            "members": [
                {"member": m, "story_url": self.story_url(m.story_id)} for m in alert.members
            ],
            "alerted_at": alert.alerted_at.strftime("%Y-%m-%d %H:%M UTC"),
        }


MAX_EVIDENCE = 10  # cues listed in a message; the alert itself carries them all


def _distinct_evidence(alert: Alert) -> list[Evidence]:
    """Each cue once (the title and the text often match the same term), the first few."""
    seen: set[tuple[str, str, str]] = set()
    cues = []
    for item in alert.evidence:
        key = (item.kind, item.value, item.term.casefold())
        if key not in seen:
            seen.add(key)
            cues.append(item)
    return cues[:MAX_EVIDENCE]


def _one_line(filename: str | None, exc: jinja2.TemplateError) -> str:
    line = getattr(exc, "lineno", None)
    where = f"{filename or 'template'}" + (f", line {line}" if line else "")
    message = " ".join(str(exc.message or exc).split())
    return f"{where}: {message}"
