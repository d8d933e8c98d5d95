"""A large, realistic article stream for throughput runs, built from texts at hand.

Sources, in order of realism:

- the real RSS/Atom documents in ``../shared/data/feeds`` (general world news, the bulk of
  what a production connector sees), parsed by the connector's own parser - only when that
  folder exists; it is read at run time and never copied into the project;
- the project's own labeled holdout (``tests/data/holdout-synthetic.jsonl``, 12 languages,
  relevant and hard-negative items) and its demo feeds.

Each generated article takes one base item and appends a random number of paragraphs from
other items in the same language, so lengths vary from a headline to a few kilobytes and two
articles sharing a base are rarely near-duplicates (as with real feeds, a few still are).
The share of relevant bases is a parameter: production streams are well under 1% strategic
space news, the default of 5% is deliberately heavier so stories and alerts get exercised.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from connectors.demo.server import demo_documents
from connectors.feedlist import FeedConfig, slugify
from connectors.normalize import normalize_feed
from connectors.parse import parse_document
from orbitwatch.core.settings import PROJECT_ROOT
from schemas import Article, utc_now

HOLDOUT = PROJECT_ROOT / "tests" / "data" / "holdout-synthetic.jsonl"
SHARED_FEEDS = PROJECT_ROOT.parent / "shared" / "data" / "feeds"


@dataclass(frozen=True)
class Seed:
    language: str
    title: str
    text: str
    relevant: bool
    filler: bool = False  # general news, fit to pad other articles with


def _feed_seeds(documents: dict[str, bytes], relevant: bool, filler: bool) -> list[Seed]:
    seeds: list[Seed] = []
    for name, body in sorted(documents.items()):
        try:
            parsed = parse_document(body)
        except Exception:  # an unusable capture simply contributes nothing
            continue
        feed = FeedConfig(
            id=slugify(f"corpus-{Path(name).stem}"), name=name, url=f"http://corpus.invalid/{name}"
        )
        for article in normalize_feed(parsed, feed, fetched_at=utc_now()):
            text = article.content or article.summary
            if article.title or text:
                seeds.append(Seed(article.language or "en", article.title, text, bool(relevant)))
    return seeds


def holdout_seeds() -> list[Seed]:
    """The project's own labeled holdout, relevant and hard-negative items."""
    seeds = []
    for line in HOLDOUT.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        seeds.append(Seed(row["lang"], row["title"], row["text"], row["label"]["relevant"]))
    return seeds


def load_seeds() -> tuple[list[Seed], list[str]]:
    """All seed texts and the names of the sources they came from."""
    sources = ["tests/data/holdout-synthetic.jsonl", "connectors/demo feeds"]
    seeds = holdout_seeds()
    # The demo feeds are mostly relevant stories; mark them so the mix stays controlled.
    seeds += _feed_seeds(demo_documents(), relevant=True, filler=False)
    if SHARED_FEEDS.is_dir():
        real = {p.name: p.read_bytes() for p in SHARED_FEEDS.iterdir() if p.suffix != ".tsv"}
        seeds += _feed_seeds(real, relevant=False, filler=True)
        sources.append("../shared/data/feeds (real news, read at run time)")
    return seeds, sources


def generate(
    count: int, relevant_share: float = 0.05, seed: int = 7, feeds: int = 200
) -> list[Article]:
    """``count`` articles with fresh ids, spread over ``feeds`` feeds and the last day."""
    rng = random.Random(seed)
    seeds, _ = load_seeds()
    relevant = [s for s in seeds if s.relevant]
    # Padding comes from general news only: two hard negatives glued together (one naming
    # states, one about space) would read as a relevant article that nobody wrote.
    by_language: dict[str, list[Seed]] = defaultdict(list)
    for s in seeds:
        if s.filler:
            by_language[s.language].append(s)
    background = [s for s in seeds if not s.relevant]
    now = utc_now()
    articles: list[Article] = []
    for n in range(count):
        base = rng.choice(relevant if rng.random() < relevant_share else background)
        pool = by_language.get(base.language, [])
        extras = rng.choice((0, 0, 1, 2, 3, 5, 8)) if pool else 0
        extra = [rng.choice(pool).text for _ in range(extras)]
        body = "\n\n".join([base.text, *extra])
        fetched = now - timedelta(seconds=rng.uniform(0, 86_400))
        articles.append(
            Article(
                id=f"bench-{seed}-{n:07d}",
                feed_id=f"bench-feed-{rng.randrange(feeds):03d}",
                url=f"https://news.example/{seed}/{n}",
                title=base.title,
                summary=body,
                published_at=fetched - timedelta(seconds=rng.uniform(0, 3_600)),
                fetched_at=fetched,
                language=base.language,
            )
        )
    return articles
