"""The `orbitwatch feeds` commands that need no server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from connectors.demo.server import DEMO_DIR
from connectors.feedlist import feeds_from_data
from orbitwatch.cli import app

pytestmark = pytest.mark.unit


def test_feeds_parse_prints_json_lines_and_goes_on_after_a_broken_document(
    tmp_path: Path,
) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_bytes(b"<html><head><title>Moved</title></head></html>")
    empty = tmp_path / "empty.xml"
    empty.write_bytes(b"")
    good = DEMO_DIR / "kosmos-vestnik.xml"
    result = CliRunner().invoke(app, ["feeds", "parse", str(broken), str(empty), str(good)])
    assert result.exit_code == 1  # something failed, but everything was tried
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    assert len(lines) == 3
    assert {json.loads(line)["language"] for line in lines} == {"ru"}
    errors = result.stderr.splitlines()
    assert errors == [
        f"{broken}: not_a_feed: an HTML page, not a feed (title: 'Moved')",
        f"{empty}: empty_body: the document is empty",
    ]


def test_import_opml_writes_a_valid_feed_list(tmp_path: Path) -> None:
    opml = tmp_path / "subs.opml"
    opml.write_text(
        '<opml version="2.0"><body><outline text="Space">'
        '<outline type="rss" text="ESA" xmlUrl="https://www.esa.int/rssfeed/TopNews"/>'
        "</outline></body></opml>"
    )
    output = tmp_path / "feeds.yaml"
    result = CliRunner().invoke(app, ["feeds", "import-opml", str(opml), "-o", str(output)])
    assert result.exit_code == 0, result.output
    (feed,) = feeds_from_data(yaml.safe_load(output.read_text()))
    assert (feed.id, feed.url, feed.tags) == (
        "esa",
        "https://www.esa.int/rssfeed/TopNews",
        ["space"],
    )


def test_invalid_feed_list_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "feeds.yaml"
    bad.write_text("feeds:\n  - name: x\n    url: not-a-url\n")
    result = CliRunner().invoke(app, ["feeds", "check", "--feeds", str(bad)])
    assert result.exit_code == 2
    assert "feed #1 (x): url:" in result.stderr


def _dead_feeds(tmp_path: Path) -> Path:
    # Port 9 (discard) refuses connections at once: two feeds that always fail.
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text(
        yaml.safe_dump(
            {
                "feeds": [
                    {"name": n, "url": f"http://127.0.0.1:9/{n}.xml", "allow_private": True}
                    for n in ("one", "two")
                ]
            }
        )
    )
    return feeds


def test_feeds_check_exits_1_when_a_feed_fails(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["feeds", "check", "--feeds", str(_dead_feeds(tmp_path))])
    assert result.exit_code == 1
    assert "0 of 2 feed(s) readable" in result.stdout
    assert result.stderr.strip() == "error: 2 feed(s) failed, more than --allow-failures 0"


@pytest.mark.parametrize(("allowed", "code"), [(1, 1), (2, 0)])
def test_allow_failures_tolerates_that_many(tmp_path: Path, allowed: int, code: int) -> None:
    feeds = _dead_feeds(tmp_path)
    result = CliRunner().invoke(
        app, ["feeds", "check", "--feeds", str(feeds), "--allow-failures", str(allowed)]
    )
    assert result.exit_code == code, result.output
