"""Feed HTML -> clean plain text.

Feeds put HTML (often escaped twice, often broken) in titles, summaries and content. The
classifier and the search index want plain text: no markup, entities decoded, whitespace
collapsed, paragraphs kept apart.
"""

from __future__ import annotations

import html
import re

import nh3

# Block-level boundaries become line breaks; without this "<p>a</p><p>b</p>" reads "ab".
_BLOCK_BOUNDARY = re.compile(
    r"<\s*(?:br|hr|/p|/div|/li|/ul|/ol|/dt|/dd|/tr|/td|/th|/h[1-6]|/blockquote|/section"
    r"|/article|/figure|/figcaption|/table)\b[^>]*>",
    re.IGNORECASE,
)
# Marks a paragraph break through cleaning: a private-use character no feed text contains.
_BREAK = "\ue000"
_WHITESPACE = re.compile(r"\s+")
_BREAKS = re.compile(rf"\s*(?:{_BREAK}\s*)+")
# C0/C1 control characters: leftovers of broken encodings (newlines and tabs are whitespace
# and were collapsed before this runs).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b\ufeff]")


def html_to_text(markup: str | None, *, keep_paragraphs: bool = False) -> str:
    """Plain text of an HTML fragment (or of plain text with entities).

    Line breaks in the source are layout, not content, and collapse into spaces; block
    boundaries (``</p>``, ``<br>``, ``</li>``...) become one newline with
    ``keep_paragraphs``, else a space.
    """
    if not markup:
        return ""
    text = markup
    # Two rounds: feeds that escape their HTML twice ("&amp;lt;p&amp;gt;") still hold tags
    # after the first unescaping.
    for _ in range(2):
        if "<" in text:
            text = _BLOCK_BOUNDARY.sub(_BREAK, text)
            # tags=set(): keep no element, only text; script/style content is dropped.
            text = nh3.clean(text, tags=set())
        unescaped = html.unescape(text)  # nh3 re-escapes &, < and >
        if unescaped == text:
            break
        text = unescaped
    text = _WHITESPACE.sub(" ", text)
    text = _CONTROL.sub("", text)
    text = _BREAKS.sub("\n" if keep_paragraphs else " ", text)
    return text.strip()


def truncate(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a word boundary when one is near."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    if space > limit * 0.8:
        cut = cut[:space]
    return cut.rstrip() + "…"
