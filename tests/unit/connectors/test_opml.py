"""OPML import (connectors/opml.py)."""

from __future__ import annotations

import pytest
import yaml

from connectors.feedlist import (
    FeedListError,
    feeds_from_data,
    feeds_to_yaml,
)
from connectors.opml import feeds_from_opml

pytestmark = pytest.mark.unit


OPML = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>subscriptions</title></head><body>
  <outline text="Space" title="Space">
    <outline type="rss" text="SpaceNews" xmlUrl="https://spacenews.com/feed/" htmlUrl="https://spacenews.com"/>
    <outline type="rss" text="NASA" title="NASA News" xmlUrl="https://www.nasa.gov/news-release/feed/"/>
  </outline>
  <outline type="rss" text="TASS" xmlUrl="https://tass.com/rss/v2.xml" language="en"/>
</body></opml>"""


def test_opml_import() -> None:
    feeds = feeds_from_opml(OPML)
    assert [(f.id, f.tags) for f in feeds] == [
        ("spacenews", ["space"]),
        ("nasa-news", ["space"]),
        ("tass", []),
    ]
    assert feeds[2].language == "en"
    # and the YAML it produces is a valid feed list
    assert feeds_from_data(yaml.safe_load(feeds_to_yaml(feeds))) == feeds


def test_opml_errors() -> None:
    with pytest.raises(FeedListError, match="OPML"):
        feeds_from_opml(b"<rss/>")
    with pytest.raises(FeedListError):
        feeds_from_opml(b"<opml><body><outline text='x' xmlUrl='gopher://x'/></body></opml>")
    with pytest.raises(FeedListError, match="ENTITY"):
        feeds_from_opml(b'<!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]><opml/>')
