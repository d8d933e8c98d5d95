"""Messages rendered from templates (streams/notify/render.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from orbitwatch.core.settings import Settings
from schemas import Alert, Severity
from streams.notify.endpoints import Endpoint
from streams.notify.render import BodyFormat, Renderer, StoryContext, StoryTitle, TemplateError
from streams.notify.sample import sample_alert, sample_story

pytestmark = pytest.mark.unit

MAIL = Endpoint(name="mail", url="mailtos://u:p@mail.example.org")
CHAT = Endpoint(name="chat", url="slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ")
OTHERS = StoryContext(
    (StoryTitle("ru", "Россия и Китай построят станцию"), StoryTitle("zh", "中俄将建月球站"))
)


def test_email_default_subject_and_body() -> None:
    renderer = Renderer(Settings(web_public_url="https://ow.example.org/"), [MAIL])
    alert = sample_alert()
    message = renderer.render(MAIL, alert, OTHERS)
    assert message.format is BodyFormat.text
    assert message.subject == f"[orbitwatch] HIGH: {alert.title}"
    for part in (
        "Severity: HIGH",
        f"Headline: {alert.title}",
        "Actors:   CN, RU",
        "Types:    lunar, nuclear (cooperation)",
        "[ru] Россия и Китай построят станцию",
        "[zh] 中俄将建月球站",
        'event_type lunar: "Moon" (in the title)',
        alert.source_urls[0],
        f"Story: https://ow.example.org/stories/{alert.story_id}",
        alert.alert_id,
    ):
        assert part in message.body, part


def test_no_story_link_without_a_public_url() -> None:
    message = Renderer(Settings(), [MAIL, CHAT]).render(CHAT, sample_alert(), OTHERS)
    assert message.format is BodyFormat.markdown
    assert "/stories/" not in message.body
    assert "- ru: Россия и Китай построят станцию" in message.body


def test_a_digest_is_one_message_listing_its_members() -> None:
    alert = sample_alert().model_copy(
        update={
            "kind": "digest",
            "title": "d: 2 alert(s) on 2 story(ies)",
            "members": [
                {
                    "alert_id": "a1",
                    "story_id": "s1",
                    "article_id": "x1",
                    "title": "First",
                    "severity": Severity.high,
                    "actors": ["RU"],
                },
                {
                    "alert_id": "a2",
                    "story_id": "s2",
                    "article_id": "x2",
                    "title": "Second",
                    "severity": Severity.medium,
                    "url": "https://n.example.org/2",
                },
            ],
        }
    )
    alert = Alert.model_validate(alert.model_dump())
    renderer = Renderer(Settings(web_public_url="https://ow.example.org"), [MAIL, CHAT])
    for endpoint in (MAIL, CHAT):
        body = renderer.render(endpoint, alert).body
        assert body.index("First") < body.index("Second"), endpoint.name
        assert "https://ow.example.org/stories/s1" in body
        assert "https://ow.example.org/stories/s2" in body
        assert "https://n.example.org/2" in body


def test_templates_dir_overrides_a_default_by_name(tmp_path: Path) -> None:
    (tmp_path / "chat.md.j2").write_text(
        "{% block subject %}{{ severity }}{% endblock %}{% block body %}"
        "{{ headline }} / {{ actors | join('+') }}{% endblock %}",
        encoding="utf-8",
    )
    renderer = Renderer(Settings(notify_templates_dir=tmp_path), [MAIL, CHAT])
    message = renderer.render(CHAT, sample_alert())
    assert (message.subject, message.body) == ("high", f"{sample_alert().title} / CN+RU")
    assert renderer.render(MAIL, sample_alert()).subject.startswith("[orbitwatch] HIGH")


def test_an_html_template_is_autoescaped(tmp_path: Path) -> None:
    path = tmp_path / "mail.html.j2"
    path.write_text("{% block body %}<p>{{ headline }}</p>{% endblock %}", encoding="utf-8")
    endpoint = MAIL.model_copy(update={"template": path})
    alert = sample_alert().model_copy(update={"title": "<script>x</script> & co"})
    message = Renderer(Settings(), [endpoint]).render(endpoint, alert)
    assert message.format is BodyFormat.html
    assert message.body == "<p>&lt;script&gt;x&lt;/script&gt; &amp; co</p>"
    # Markdown and text are not HTML: no entities in them.
    assert "& co" in Renderer(Settings(), [CHAT]).render(CHAT, alert).body


def test_a_template_without_blocks_is_all_body(tmp_path: Path) -> None:
    path = tmp_path / "short.txt.j2"
    path.write_text("{{ severity }}: {{ headline }}\n", encoding="utf-8")
    endpoint = CHAT.model_copy(update={"template": path})
    message = Renderer(Settings(), [endpoint]).render(endpoint, sample_alert())
    assert message == type(message)("", f"high: {sample_alert().title}", BodyFormat.text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{% block body %}{{ headline }{% endblock %}", r"short\.md\.j2, line 1: unexpected '}'"),
        ("{% block body %}{{ headlin }}{% endblock %}", r"short\.md\.j2.*'headlin' is undefined"),
        ("{% block body %}{% for x in actors %}{% endblock %}", r"short\.md\.j2, line 1: "),
    ],
)
def test_a_bad_template_is_one_line_at_start_up(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "short.md.j2"
    path.write_text(text, encoding="utf-8")
    endpoint = CHAT.model_copy(update={"template": path})
    with pytest.raises(TemplateError, match=expected) as caught:
        Renderer(Settings(), [endpoint])
    assert str(caught.value).startswith("chat: ")
    assert "\n" not in str(caught.value)


def test_a_missing_template_is_named(tmp_path: Path) -> None:
    endpoint = CHAT.model_copy(update={"template": tmp_path / "nope.md.j2"})
    with pytest.raises(TemplateError, match=r"chat: template nope\.md\.j2 not found"):
        Renderer(Settings(), [endpoint])


def test_the_sample_renders_with_every_default() -> None:
    renderer = Renderer(Settings(), [MAIL, CHAT])
    for endpoint in (MAIL, CHAT):
        body = renderer.render(endpoint, sample_alert(), sample_story()).body
        assert "示例" in body and "Пример" in body
