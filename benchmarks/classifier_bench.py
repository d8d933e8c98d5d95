"""Throughput of the classifier on one core, against its rule-only decision and a naive
keyword filter.

Run: ``.venv/bin/python -m benchmarks.classifier_bench [--seconds 3] [--rounds 3]``

Inputs: the general-news reference feeds (``../shared/data/feeds``: what a worker mostly
sees, nearly nothing relevant) when present, and the labeled development set read at run
time from ``../shared/data`` (relative to the project root) when it is there, otherwise the
synthetic holdout set that ships with the repository (real-length multilingual title+lead
pairs), otherwise generated pairs.
Two baselines: the same classifier deciding by its hand-set rules only (what the learned
model costs on top of the gazetteer matching), and what a first attempt would be: one
case-insensitive regular expression of space keywords searched over title and text. All run
in this process, pinned to one core, on the same inputs, in alternating rounds; the medians
are reported, so the ratios are fair on a noisy machine.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.harness.report import display_path, out_path, write_report
from benchmarks.harness.stats import alternating_rounds, median, ratio
from connectors.errors import FeedError
from connectors.feedlist import FeedConfig, slugify
from connectors.normalize import normalize_feed
from connectors.parse import parse_document
from orbitwatch.core.settings import PROJECT_ROOT
from schemas import utc_now
from streams.classifier import Classifier

DEV_SET = PROJECT_ROOT.parent / "shared" / "data" / "labeled-dev.jsonl"
HOLDOUT_SET = PROJECT_ROOT / "tests" / "data" / "holdout-synthetic.jsonl"
FEEDS_DIR = PROJECT_ROOT.parent / "shared" / "data" / "feeds"
OUT = out_path("classifier")

BASELINE = re.compile(
    r"\b(space|satellite|rocket|launch|orbit|moon|lunar|mars|astronaut|cosmonaut|nasa|"
    r"roscosmos|spacecraft|космос|спутник|ракет|луна|卫星|航天|太空|火箭|月球|satélite|"
    r"espacial|spatial|weltraum|satellit|الفضاء|ماهواره|उपग्रह|vệ tinh)",
    re.IGNORECASE,
)

_SYNTHETIC_TITLES = [
    "Russia and China sign agreement on lunar research station",
    "SpaceX launches 22 Starlink satellites from Florida",
    "Central bank raises interest rates to fight inflation",
    "Роскосмос и CNSA обсудили сотрудничество по ГЛОНАСС и Бэйдоу",
    "中俄签署国际月球科研站合作协议",
    "Pentagon warns of Russian anti-satellite weapon in orbit",
    "Families celebrate the Mid-Autumn Festival under the full moon",
    "La France et l'Inde renforcent leur coopération spatiale",
]
_SYNTHETIC_LEADS = [
    "The two space agencies said the agreement covers navigation ground stations, joint "
    "missions to the Moon and the exchange of scientific payloads over the next decade.",
    "The company said the launch was routine; the first stage landed on a drone ship and "
    "the satellites were deployed into low Earth orbit an hour later.",
    "Officials said markets reacted calmly; analysts expect another increase next quarter "
    "as energy prices stay high and the labour market remains tight.",
]


def _read_pairs(path: Path) -> list[tuple[str, str]]:
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            pairs.append((item.get("title", ""), item.get("text", "")))
    return pairs


def load_inputs() -> tuple[list[tuple[str, str]], str]:
    for path, what in ((DEV_SET, "labeled dev"), (HOLDOUT_SET, "synthetic holdout")):
        if path.is_file():
            pairs = _read_pairs(path)
            return pairs, f"{len(pairs)} {what} items from {display_path(path)}"
    rng = random.Random(7)
    pairs = [(rng.choice(_SYNTHETIC_TITLES), rng.choice(_SYNTHETIC_LEADS)) for _ in range(500)]
    return pairs, "500 generated title+lead pairs (no labeled set found)"


def pin_to_one_core() -> str:
    """Run on a single CPU where the platform allows it (Linux), so "one core" is literal."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (platform has no sched_setaffinity)"
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return f"pinned to CPU {cpu}"


def measure(
    function: Callable[[str, str], object], pairs: list[tuple[str, str]], seconds: float
) -> float:
    """Articles per second of CPU time, looping over ``pairs`` for about ``seconds``."""
    for title, text in pairs[:50]:  # warm caches
        function(title, text)
    done = 0
    started = time.process_time()
    while True:
        for title, text in pairs:
            function(title, text)
        done += len(pairs)
        elapsed = time.process_time() - started
        if elapsed >= seconds:
            return done / elapsed


def compare(
    classifier: Classifier,
    rules: Classifier,
    baseline: Callable[[str, str], object],
    pairs: list[tuple[str, str]],
    args: argparse.Namespace,
) -> dict[str, object]:
    """Learned, rules-only and keyword baseline on ``pairs``, in alternating rounds."""
    rounds = alternating_rounds(
        {
            "learned": lambda: measure(classifier.classify_text, pairs, args.seconds),
            "rules": lambda: measure(rules.classify_text, pairs, args.seconds),
            "keyword": lambda: measure(baseline, pairs, args.seconds),
        },
        args.rounds,
    )
    ours, rule_only, naive = (median(rounds[k]) for k in ("learned", "rules", "keyword"))
    spread = f"{min(rounds['learned']):,.0f}..{max(rounds['learned']):,.0f}"
    print(f"learned model:   {ours:10,.0f} articles/s (one core, CPU time; rounds {spread})")
    print(f"rules only:      {rule_only:10,.0f} articles/s (one core, CPU time)")
    print(f"keyword baseline:{naive:10,.0f} articles/s (one core, CPU time)")
    print(
        f"ratio learned/rules-only: {ours / rule_only:.3f}; learned/keyword: {ours / naive:.3f} "
        f"(medians of {args.rounds} rounds each)"
    )
    return {
        "articles_per_second": round(ours),
        "rounds": [round(r) for r in rounds["learned"]],
        "rules_only_per_second": round(rule_only),
        "ratio_to_rules_only": ratio(ours, rule_only),
        "keyword_baseline_per_second": round(naive),
        "ratio_to_baseline": ratio(ours, naive),
    }


def load_feed_inputs() -> tuple[list[tuple[str, str]], str]:
    """Title and summary of every entry of the general-news reference feeds, if present."""
    index = FEEDS_DIR / "INDEX.tsv"
    if not index.is_file():
        return [], "no reference feeds"
    pairs: list[tuple[str, str]] = []
    with index.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if not row["notes"].startswith(("topic=other", "topic=geopolitics")):
                continue
            path = FEEDS_DIR / row["file"]
            feed = FeedConfig(id=slugify(path.stem), name=row["file"], url="https://feed.invalid/")
            try:
                parsed = parse_document(path.read_bytes())
            except FeedError:
                continue  # the reference set's deliberately broken documents
            for article in normalize_feed(parsed, feed, fetched_at=utc_now()):
                pairs.append((article.title, article.summary or ""))
    return pairs, f"{len(pairs)} entries of the general-news feeds in {display_path(FEEDS_DIR)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="CPU seconds per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per function")
    args = parser.parse_args()

    pinned = pin_to_one_core()
    pairs, origin = load_inputs()
    build_started = time.perf_counter()
    classifier = Classifier()
    build_seconds = time.perf_counter() - build_started
    rules = Classifier(rules_only=True)

    def baseline(title: str, text: str) -> bool:
        return BASELINE.search(title) is not None or BASELINE.search(text) is not None

    average_chars = sum(len(t) + len(x) for t, x in pairs) / len(pairs)
    print(f"input: {origin}, {average_chars:.0f} characters per article on average")
    print(f"classifier ({classifier.version}) built once in {build_seconds:.2f} s; {pinned}")
    report: dict[str, object] = {
        "build_seconds": round(build_seconds, 2),
        "pinned": pinned,
        "classifier_version": classifier.version,
    }
    report |= compare(classifier, rules, baseline, pairs, args)
    report["input"] = origin
    report["average_chars"] = round(average_chars)
    feed_pairs, feed_origin = load_feed_inputs()
    if feed_pairs:
        # What a worker mostly sees: general news, where nearly nothing is relevant, so the
        # model's type and relation heads rarely run.
        print(f"\ninput: {feed_origin}")
        report["general_news"] = {"input": feed_origin} | compare(
            classifier, rules, baseline, feed_pairs, args
        )
    write_report(OUT, report)


if __name__ == "__main__":
    main()
