"""OPML import: turn a feed reader's subscription export into feed-list entries.

Outlines with an ``xmlUrl`` become feeds; the titles of the outlines they sit in become
tags (most readers export folders that way).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from pydantic import ValidationError

from connectors.errors import FeedError
from connectors.feedlist import FeedConfig, FeedListError, derive_feed_id
from connectors.xmlguard import refuse_entity_declarations


def _outline_name(outline: ET.Element) -> str:
    return (outline.get("title") or outline.get("text") or "").strip()


def feeds_from_opml(data: bytes, source: Path | str = "<opml>") -> list[FeedConfig]:
    """Parse OPML bytes into feeds. Invalid outlines are reported together."""
    try:
        refuse_entity_declarations(data)
        root = ET.fromstring(data)
    except (FeedError, ET.ParseError) as exc:
        raise FeedListError(source, [f"not a usable OPML document: {exc}"]) from exc
    body = root.find("body")
    if root.tag != "opml" or body is None:
        raise FeedListError(source, ["not an OPML document (no <opml><body>)"])

    feeds: list[FeedConfig] = []
    problems: list[str] = []
    used_ids: set[str] = set()

    def walk(element: ET.Element, folders: list[str]) -> None:
        for outline in element.findall("outline"):
            url = (outline.get("xmlUrl") or "").strip()
            name = _outline_name(outline)
            if not url:
                walk(outline, [*folders, name] if name else folders)
                continue
            name = name or url
            feed_id = derive_feed_id(name, url)
            if feed_id in used_ids:  # two subscriptions with the same title
                feed_id = derive_feed_id(f"{name} {len(used_ids)}", url)
            try:
                feed = FeedConfig(
                    id=feed_id,
                    name=name[:200],
                    url=url,
                    language=outline.get("language") or None,
                    tags=folders,
                )
            except ValidationError as exc:
                first = exc.errors()[0]
                field = ".".join(str(p) for p in first["loc"])
                problems.append(f"outline {name!r}: {field}: {first['msg']}")
                continue
            used_ids.add(feed.id)
            feeds.append(feed)

    walk(body, [])
    if problems:
        raise FeedListError(source, problems)
    return feeds


def load_opml(path: Path | str) -> list[FeedConfig]:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FeedListError(path, [f"cannot read file: {exc.strerror or exc}"]) from exc
    return feeds_from_opml(data, path)
