"""WebSub discovery: Link headers first, the document second, relative URLs resolved."""

from __future__ import annotations

import pytest

from connectors.parse import parse_document
from connectors.websub.discovery import discover, parse_link_header

pytestmark = pytest.mark.unit

BASE = "https://pub.example/feeds/news.xml"


def test_link_header_with_both_relations_and_commas_inside_the_target() -> None:
    links = parse_link_header(
        ['<https://hub.example/a,b>; rel="hub", </feeds/news.xml>; rel=self'], BASE
    )
    assert links == [("hub", "https://hub.example/a,b"), ("self", BASE)]


def test_one_link_with_two_relation_types_and_several_header_lines() -> None:
    links = parse_link_header(
        ['<https://hub.example/>; rel="hub self"', '<https://other.example/>; rel="alternate"'],
        BASE,
    )
    assert ("hub", "https://hub.example/") in links and ("self", "https://hub.example/") in links
    assert ("alternate", "https://other.example/") in links


def test_headers_take_precedence_over_the_document() -> None:
    found = discover(
        [("hub", "https://hub-header.example/")],
        [("hub", "https://hub-doc.example/"), ("self", "https://pub.example/self")],
        BASE,
    )
    assert found.hubs == ("https://hub-header.example/",)
    assert found.self_url == "https://pub.example/self"  # per relation: self from the document
    assert found.pushable


def test_no_self_url_means_no_push_and_non_http_hubs_are_ignored() -> None:
    found = discover([("hub", "mailto:x@example.org")], [("hub", "javascript:alert(1)")], BASE)
    assert found.hub is None and not found.pushable
    assert not discover([("hub", "https://hub.example/")], [], BASE).pushable


def test_atom_links_in_an_rss_document_are_discovered() -> None:
    rss = (
        b'<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">'
        b"<channel><title>t</title><link>https://pub.example/</link>"
        b'<atom:link rel="hub" href="https://hub.example/hub"/>'
        b'<atom:link rel="self" href="https://pub.example/feeds/news.xml"/>'
        b"<item><title>a</title><link>https://pub.example/a</link></item></channel></rss>"
    )
    parsed = parse_document(rss, url=BASE)
    found = discover([], parsed.links, BASE)
    assert found.hub == "https://hub.example/hub"
    assert found.self_url == "https://pub.example/feeds/news.xml"


def test_relative_hub_in_an_atom_document_resolves_against_the_document() -> None:
    atom = (
        b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>'
        b'<link rel="hub" href="/hub"/><link rel="self" href="news.xml"/>'
        b"<entry><id>1</id><title>a</title></entry></feed>"
    )
    found = discover([], parse_document(atom, url=BASE).links, BASE)
    assert found.hub == "https://pub.example/hub"
    assert found.self_url == BASE
