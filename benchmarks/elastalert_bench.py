"""Detection latency: orbitwatch's in-stream alerting next to the same rule in ElastAlert 2.

    .venv/bin/python -m benchmarks.elastalert_bench [--rates 10,50] [--seconds 30]

One orbitwatch rule (``high-severity`` from ``deploy/rules.yaml`` by default) is translated
into an ElastAlert 2 rule of type ``any`` on the events alias, with the same conditions as
Elasticsearch filters and the same "one alert per story" (``query_key: story_id`` with the
rule's realert window). In a namespace of its own (``ea-bench-<random>``: topics, indices,
consumer group and ElastAlert's writeback indices, all removed at the end), the benchmark
runs ``orbitwatch worker`` and ElastAlert as separate processes on the same Kafka and
Elasticsearch, produces articles (``benchmarks/articles.py``) at each rate, and measures for
every story the rule should alert on (its first article's produce call as time zero):

- **orbitwatch**: until its alert arrives on the alerts topic;
- **ElastAlert**: until ElastAlert's alerter runs (the alerter records the time itself,
  ``benchmarks/elastalert_shim.py``);
- **searchable**: until the article is found by ``_search`` (polled every 100 ms, no forced
  refresh). ElastAlert cannot be faster than this: it only sees what a search sees.

Which stories "should alert" is asked from Elasticsearch afterwards with the rule's filter,
so both systems are judged against the same documents. Results: counts (matched, missed,
duplicate alerts), p50/p95/p99 per rate and the ElastAlert/orbitwatch ratios on stdout and in
``benchmarks/out/elastalert.json``.

ElastAlert 2 is installed from PyPI into a virtualenv of its own
(``<infra_home>/elastalert-venv``, git-ignored), created with python3.11 on first use; see
``ELASTALERT_REQUIREMENTS`` for the version. Against the local ``integ-test-zip`` server it
needs one workaround, in ``benchmarks/elastalert_shim.py``: the server has no ``GET /``
(the ``rest-root`` module), which ElastAlert calls to learn the version, so the shim reads
it from ``GET _nodes/_local`` there. Nothing else is missing: ElastAlert's writeback indices
(``<namespace>-elastalert*``, made by its own ``create-index``) use plain mappings, no
analysis-common or ILM, and its Elasticsearch 7.10 client talks to 8.19 unchanged.

The ElastAlert settings, and why:

- ``run_every: 1s``. It is not the real poll interval: ElastAlert schedules every rule with
  APScheduler's ``jitter=5`` (hard-coded in ``ElastAlerter.init_rule``), and the jitter adds
  up, so the rule runs every ``run_every + U(0, 5 s)``: 3.5 s on average, which the report
  measures from ElastAlert's log. Below 1 s the mean interval would shrink by at most the
  difference while the queries multiply.
- ``buffer_time: 30s``: every run queries ``[now - buffer_time, now]`` and skips hits it
  has seen (by id), so the window must cover the delay from a document's timestamp to a
  search seeing it (indexing batch <= 1 s, refresh interval 1 s, plus any backlog), or the
  document is never alerted. 30 s is ample; the price is re-reading 30 s of matches per run.
- ``timestamp_field: classified_at``, not ``@timestamp``: ``@timestamp`` is the article's
  publication time (it picks the monthly index), often hours or days before the document is
  written, so a window ending "now" would never see it.
- ``query_key: story_id`` with ``realert`` = the orbitwatch rule's realert (6 h): one alert
  per story, as orbitwatch's match rules. ElastAlert's default realert (1 min, per rule)
  would drop almost every alert.

Reading the numbers: ElastAlert's latency is the searchable latency (orbitwatch's bulk
interval, 1 s at most, plus the refresh interval, 1 s) plus the wait for the rule's next run
(about 2 s on average with the intervals above, up to 6 s) plus the run itself, which writes
a silence and an alert record to Elasticsearch per alert, one after the other. Its first run
comes 0-15 s after start (random), which the warm-up absorbs.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from aiokafka import ConsumerRecord
from elasticsearch import Elasticsearch

from benchmarks.articles import STORY_WINDOW, ArticleFactory
from benchmarks.harness.namespace import bench_namespace
from benchmarks.harness.observe import (
    SearchWatch,
    Watchers,
    assigned_consumer,
    each_record,
)
from benchmarks.harness.processes import (
    Process,
    check_alive,
    start_logged,
    start_worker,
    stop_process,
)
from benchmarks.harness.produce import Sent, produce_at_rate, produce_until
from benchmarks.harness.report import (
    add_rate_options,
    display_path,
    finish,
    out_path,
    parse_rates,
)
from benchmarks.harness.stats import elapsed_ms, ratio, summary
from benchmarks.harness.table import cell, print_table
from orbitwatch.core.settings import PROJECT_ROOT, Settings, get_settings
from schemas import Alert
from schemas.classification import Severity
from schemas.indices.names import IndexNames
from streams.alerting.rules import MatchRule, RuleDefaults, When, load_rules

OUT = out_path("elastalert")
DEFAULT_RULE = "high-severity"
# elastalert2 2.20.0 and later require Python >= 3.12 (2.21.0: >= 3.13), so 2.19.0 is the
# newest that installs on the project's Python 3.11. It imports pytz without declaring it
# (later releases declare it), hence the second line.
ELASTALERT_REQUIREMENTS = ("elastalert2==2.19.0", "pytz>=2024.1")
ELASTALERT_PYTHON = "python3.11"
ELASTALERT_JITTER_S = 5  # APScheduler jitter ElastAlert hard-codes for every rule
RUN_EVERY_S = 1.0
BUFFER_TIME_S = 30.0
SEARCH_POLL_S = 0.1
SHIM = "benchmarks.elastalert_shim"
ALERTER = f"{SHIM}.RecordingAlerter"


# -- the ElastAlert rule ------------------------------------------------------------------


def mirrored_rule(settings: Settings, name: str) -> tuple[MatchRule, timedelta]:
    """The orbitwatch match rule to mirror and its realert window, from the rules file."""
    rules = load_rules(settings.alert_rules_file, RuleDefaults.from_settings(settings))
    rule = rules.get(name)
    if not isinstance(rule, MatchRule) or rule.digest:
        raise SystemExit(f"{name}: not a match rule without digest in {settings.alert_rules_file}")
    return rule, rules.realert(rule)


def elastalert_filter(when: When) -> list[dict[str, Any]]:
    """``when`` as Elasticsearch filters on the event documents (all must hold)."""
    if when.query:
        # orbitwatch evaluates its own Lucene subset in memory (whole words, accent folding,
        # CJK substrings); ES's query_string on the standard analyzer would differ.
        raise SystemExit("rules with a query have no exact Elasticsearch equivalent")
    clauses: list[dict[str, Any]] = []
    if when.relevant is not None:
        clauses.append({"term": {"relevant": when.relevant}})
    if when.min_severity is not None:
        floor = when.min_severity.rank
        allowed = [s.value for s in Severity if s.rank >= floor]
        clauses.append({"terms": {"severity": allowed}})
    any_of: dict[str, Sequence[object]] = {
        "actors": when.actors_any,
        "actor_pairs": when.actor_pairs,
        "event_types": when.event_types_any,
        "relation": when.relations,
        "feed_id": when.feeds,
        "language": when.languages,
    }
    for field_name, values in any_of.items():
        if values:
            clauses.append({"terms": {field_name: [str(v) for v in values]}})
    all_of: dict[str, Sequence[object]] = {
        "actors": when.actors_all,
        "event_types": when.event_types_all,
    }
    for field_name, values in all_of.items():
        clauses.extend({"term": {field_name: str(v)}} for v in values)
    return clauses


def elastalert_rule(
    rule: MatchRule, realert: timedelta, names: IndexNames, record_path: Path
) -> dict[str, Any]:
    return {
        "name": rule.name,
        "description": rule.description,
        "type": "any",
        "index": names.events_alias,
        "timestamp_field": "classified_at",
        "filter": elastalert_filter(rule.when),
        # orbitwatch's match rules alert once per story and realert window.
        "query_key": "story_id",
        "realert": {"seconds": realert.total_seconds()},
        "include": ["article_id", "story_id"],
        "alert": [ALERTER],
        "record_path": str(record_path),
    }


def elastalert_config(settings: Settings, rules_dir: Path) -> dict[str, Any]:
    url = urlsplit(settings.es_url)
    https = url.scheme == "https"
    config: dict[str, Any] = {
        "rules_folder": str(rules_dir),
        "run_every": {"seconds": RUN_EVERY_S},
        "buffer_time": {"seconds": BUFFER_TIME_S},
        "es_host": url.hostname or "127.0.0.1",
        "es_port": url.port or (443 if https else 9200),
        "use_ssl": https,
        "verify_certs": settings.es_verify_certs,
        "writeback_index": f"{settings.index_prefix}-elastalert",
        "alert_time_limit": {"minutes": 10},
        "logging": {
            "version": 1,
            "disable_existing_loggers": False,
            # Millisecond timestamps: the report derives the real poll interval from them.
            "formatters": {"ts": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
            "handlers": {"out": {"class": "logging.StreamHandler", "formatter": "ts"}},
            "root": {"level": "WARNING", "handlers": ["out"]},
            "loggers": {
                "elastalert": {"level": "INFO", "handlers": ["out"], "propagate": False},
                # The 7.x client warns on every query about parameters ES 8 ignores.
                "py.warnings": {"level": "ERROR"},
            },
        },
    }
    if settings.es_ca_file:
        config["ca_certs"] = str(settings.es_ca_file)
    return config


def elastalert_env(settings: Settings) -> dict[str, str]:
    """ElastAlert's environment: the shim importable, credentials kept out of files."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    env.pop("PYTHONHOME", None)
    if settings.es_username:
        env["ES_USERNAME"] = settings.es_username
    if settings.es_password:
        env["ES_PASSWORD"] = settings.es_password.get_secret_value()
    if settings.es_api_key:
        env["ES_API_KEY"] = settings.es_api_key.get_secret_value()
    return env


# -- ElastAlert's virtualenv and process ----------------------------------------------------


def ensure_elastalert(venv: Path) -> Path:
    """The virtualenv's python, after creating the venv and installing ElastAlert if needed."""
    python = venv / "bin" / "python"
    stamp = venv / ".orbitwatch-requirements"
    wanted = "\n".join(ELASTALERT_REQUIREMENTS) + "\n"
    if python.exists() and stamp.exists() and stamp.read_text(encoding="utf-8") == wanted:
        return python
    interpreter = shutil.which(ELASTALERT_PYTHON)
    if interpreter is None and sys.version_info[:2] == (3, 11):
        interpreter = sys.executable
    if interpreter is None:
        raise SystemExit(f"{ELASTALERT_PYTHON} is needed for ElastAlert's virtualenv")
    print(f"installing {', '.join(ELASTALERT_REQUIREMENTS)} into {venv} ...", flush=True)
    if not python.exists():
        subprocess.run([interpreter, "-m", "venv", str(venv)], check=True)
    pip = [str(python), "-m", "pip", "install", "--quiet", *ELASTALERT_REQUIREMENTS]
    if subprocess.run(pip).returncode != 0:
        raise SystemExit(f"could not install {' '.join(ELASTALERT_REQUIREMENTS)} into {venv}")
    stamp.write_text(wanted, encoding="utf-8")
    return python


def elastalert_version(python: Path) -> str:
    return subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; print(m.version('elastalert2'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def create_writeback_indices(python: Path, config: Path, env: dict[str, str], log: Path) -> None:
    with log.open("ab") as out:
        done = subprocess.run(
            [str(python), "-m", SHIM, "create-index", "--config", str(config)],
            env=env,
            cwd=config.parent,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=120,
        )
    if done.returncode != 0:
        raise SystemExit(f"elastalert create-index failed (see {log})")


def start_elastalert(python: Path, config: Path, env: dict[str, str], log: Path) -> Process:
    command = [str(python), "-m", SHIM, "run", "--config", str(config)]
    return start_logged(command, env, log, cwd=config.parent, append=True)


def stop_elastalert(process: Process) -> None:
    # SIGINT is ElastAlert's only handled signal: it exits at once.
    stop_process(process, timeout=15, sig=signal.SIGINT)


_RAN = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) INFO elastalert: Ran (\S+) ")


def rule_runs(log_text: str, rule: str) -> list[float]:
    """Wall-clock times (epoch s) at which ElastAlert finished a run of ``rule``."""
    runs = []
    for line in log_text.splitlines():
        match = _RAN.match(line)
        if match and match.group(2) == rule:
            at = datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S,%f")
            runs.append(at.timestamp())
    return runs


# -- observing both systems -------------------------------------------------------------------


class Observer:
    """First-seen times (perf_counter clock) of alerts from both systems and of documents."""

    def __init__(self, settings: Settings, es: Elasticsearch, rule: str, record_path: Path):
        self.settings, self.rule, self.record_path = settings, rule, record_path
        self.orbitwatch: dict[str, list[float]] = {}  # story -> alert times
        self.elastalert: dict[str, list[float]] = {}
        self.search = SearchWatch(es, IndexNames(settings.index_prefix).events_alias)
        self.watchers = Watchers()

    async def start(self) -> None:
        consumer = await assigned_consumer(self.settings, self.settings.topic_alerts, "earliest")
        self.watchers.run(
            each_record(consumer, self._orbitwatch), self._elastalert(), self.search.run()
        )

    def _orbitwatch(self, record: ConsumerRecord[Any, Any], now: float) -> None:
        alert = Alert.from_bytes(record.value)
        if alert.rule == self.rule and alert.story_id:
            self.orbitwatch.setdefault(alert.story_id, []).append(now)

    async def _elastalert(self) -> None:
        position = 0
        pending = ""
        while True:
            await asyncio.sleep(0.1)
            if not self.record_path.exists():
                continue
            with self.record_path.open(encoding="utf-8") as records:
                records.seek(position)
                pending += records.read()
                position = records.tell()
            *lines, pending = pending.split("\n")  # keep a half-written last line for later
            for line in lines:
                if line.strip():
                    record = json.loads(line)
                    for story_id in record["story_ids"]:
                        self.elastalert.setdefault(str(story_id), []).append(float(record["at"]))


def matching_stories(
    es: Elasticsearch, index: str, filters: list[dict[str, Any]], ids: list[str]
) -> dict[str, list[str]]:
    """story id -> ids of ``ids`` whose documents match the rule's filters, per Elasticsearch."""
    stories: dict[str, list[str]] = {}
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        response = es.options(ignore_status=404).search(
            index=index,
            query={"bool": {"filter": [{"ids": {"values": chunk}}, *filters]}},
            size=len(chunk),
            source_includes=["story_id"],
        )
        for hit in response.body.get("hits", {}).get("hits", []):
            stories.setdefault(hit["_source"]["story_id"], []).append(hit["_id"])
    return stories


# -- one rate -------------------------------------------------------------------------------


async def measure_rate(
    settings: Settings,
    observer: Observer,
    factory: ArticleFactory,
    filters: list[dict[str, Any]],
    claimed: set[str],
    rate: int,
    seconds: float,
    drain_s: float,
) -> dict[str, Any]:
    """Produce at ``rate``, wait (at most ``drain_s``) for both systems; the rate's figures."""
    index = IndexNames(settings.index_prefix).events_alias
    sent: dict[str, float] = {}  # article id -> produce time

    def on_sent(s: Sent) -> None:
        sent[s.article_id] = s.sent_at
        observer.search.watch(s.article_id)

    achieved = await produce_at_rate(
        settings, settings.topic_articles_raw, rate, seconds, factory.make, on_sent
    )
    started = time.perf_counter()
    while True:
        stories = await asyncio.to_thread(
            matching_stories, observer.search.es, index, filters, list(sent)
        )
        # A story that began in an earlier rate (or the warm-up) alerted there already.
        expected = {  # story -> its first article
            story: min(members, key=sent.__getitem__)
            for story, members in stories.items()
            if story not in claimed
        }
        settled = not any(a in observer.search.pending for a in sent) and all(
            s in observer.orbitwatch and s in observer.elastalert for s in expected
        )
        if settled or time.perf_counter() - started > drain_s:
            break
        await asyncio.sleep(1.0)
    claimed.update(stories)
    row: dict[str, Any] = {
        "rate": rate,
        "achieved_rate": round(achieved, 1),
        "produced": len(sent),
        "stories_expected": len(expected),
        "drain_s": round(time.perf_counter() - started, 1),
        # Never found by search: neither in the expected stories nor visible to ElastAlert.
        "not_searchable": sum(1 for a in sent if a in observer.search.pending),
    }
    systems = {"orbitwatch": observer.orbitwatch, "elastalert": observer.elastalert}
    for system, alerts in systems.items():
        latencies = elapsed_ms(
            (sent[first], alerts[story][0]) for story, first in expected.items() if story in alerts
        )
        row[system] = {
            "matched": len(latencies),
            "missed": len(expected) - len(latencies),
            "duplicate_alerts": sum(len(alerts[s]) - 1 for s in expected if s in alerts),
            "ms": summary(latencies),
        }
    searchable = elapsed_ms((sent[a], observer.search.found.get(a)) for a in expected.values())
    row["searchable"] = {"ms": summary(searchable)}
    row["elastalert_over_orbitwatch"] = {
        q: ratio(row["elastalert"]["ms"][q], row["orbitwatch"]["ms"][q], digits=1)
        for q in ("p50", "p95", "p99")
    }
    return row


def conditions(when: When) -> dict[str, Any]:
    """The conditions ``when`` sets (``relevant: false`` included), for the report."""
    return {k: v for k, v in when.model_dump(mode="json").items() if v not in (None, [])}


# -- the run ---------------------------------------------------------------------------------


async def warm_up(
    settings: Settings,
    observer: Observer,
    factory: ArticleFactory,
    processes: dict[str, Process],
    claimed: set[str],
    limit_s: float = 150.0,
) -> float:
    """Produce relevant articles until both systems have alerted on one of them."""
    seconds = await produce_until(
        settings,
        lambda: factory.make(relevant_share=1.0),
        lambda: bool(observer.orbitwatch and observer.elastalert),
        processes,
        limit_s,
        wait_each_s=2.0,
    )
    if seconds is None:
        raise SystemExit(f"no alert from both systems within {limit_s:.0f} s (see the logs)")
    # Let stragglers of the warm-up settle before anything is measured.
    await asyncio.sleep(2 * RUN_EVERY_S + ELASTALERT_JITTER_S)
    claimed.update(observer.orbitwatch, observer.elastalert)
    return seconds + 2 * RUN_EVERY_S + ELASTALERT_JITTER_S


def rule_run_summary(log: Path, rule: str) -> dict[str, Any]:
    """How often the rule really ran (see the module docstring on jitter), and log errors."""
    text = log.read_text(encoding="utf-8", errors="replace")
    runs = rule_runs(text, rule)
    gaps = [b - a for a, b in itertools.pairwise(runs)]
    return {
        "errors_logged": text.count(" ERROR "),
        "runs": len(runs),
        "mean_s": round(sum(gaps) / len(gaps), 2) if gaps else None,
        "ms": summary([g * 1000 for g in gaps]),
    }


async def run_async(
    settings: Settings | None = None,
    rates: Sequence[int] = (10, 50),
    seconds: float = 30.0,
    drain_s: float = 20.0,
    rule_name: str = DEFAULT_RULE,
    out: Path | None = OUT,
) -> dict[str, Any]:
    """Run the benchmark; returns the report (also written to ``out`` unless None)."""
    if "CLOCK_MONOTONIC" not in time.get_clock_info("perf_counter").implementation:
        raise SystemExit("needs perf_counter on CLOCK_MONOTONIC (Linux) to compare processes")
    base = settings or get_settings()
    rule, realert = mirrored_rule(base, rule_name)
    python = ensure_elastalert(base.infra_home / "elastalert-venv")
    version = elastalert_version(python)

    logs = (out or OUT).parent
    logs.mkdir(parents=True, exist_ok=True)
    worker_log, ea_log = logs / "elastalert-worker.log", logs / "elastalert-elastalert.log"
    ea_log.write_bytes(b"")
    started = time.perf_counter()
    async with bench_namespace(base, "ea-bench", story_window=STORY_WINDOW) as run:
        ns, name, work = run.settings, run.name, run.work
        rules_dir = work / "rules"
        rules_dir.mkdir()
        record_path = work / "alerts.jsonl"
        ea_rule = elastalert_rule(rule, realert, IndexNames(ns.index_prefix), record_path)
        (rules_dir / f"{rule.name}.yaml").write_text(yaml.safe_dump(ea_rule), encoding="utf-8")
        config = work / "config.yaml"
        config.write_text(yaml.safe_dump(elastalert_config(ns, rules_dir)), encoding="utf-8")
        env = elastalert_env(ns)
        factory = ArticleFactory(name)
        observer = Observer(ns, run.es, rule.name, record_path)
        processes: dict[str, Process] = {}
        try:
            processes["the worker"] = worker = start_worker(ns, worker_log)
            create_writeback_indices(python, config, env, ea_log)
            processes["ElastAlert"] = elastalert = start_elastalert(python, config, env, ea_log)
            print(
                f"run {name}: worker pid {worker.pid}, ElastAlert {version} pid "
                f"{elastalert.pid} (logs {display_path(worker_log)}, {display_path(ea_log)})",
                flush=True,
            )
            await observer.start()
            claimed: set[str] = set()
            warmup_s = await warm_up(ns, observer, factory, processes, claimed)
            print(f"both alerting after {warmup_s:.1f}s", flush=True)
            rows = []
            for rate in rates:
                print(f"rate {rate}/s for {seconds:.0f}s ...", flush=True)
                rows.append(
                    await measure_rate(
                        ns, observer, factory, ea_rule["filter"], claimed, rate, seconds, drain_s
                    )
                )
                check_alive(processes)
        finally:
            await observer.watchers.stop()
            if "ElastAlert" in processes:
                stop_elastalert(processes["ElastAlert"])
            if "the worker" in processes:
                stop_process(processes["the worker"])
    report = {
        "run": name,
        "seconds_per_rate": seconds,
        "warmup_s": round(warmup_s, 1),
        "orbitwatch_rule": {
            "name": rule.name,
            "when": conditions(rule.when),
            "realert_s": realert.total_seconds(),
        },
        "elastalert": {
            "version": version,
            "requirements": list(ELASTALERT_REQUIREMENTS),
            "run_every_s": RUN_EVERY_S,
            "buffer_time_s": BUFFER_TIME_S,
            "scheduler_jitter_s": ELASTALERT_JITTER_S,
            "rule": {k: v for k, v in ea_rule.items() if k != "record_path"},
            "rule_runs": rule_run_summary(ea_log, rule.name),
        },
        "search_poll_ms": SEARCH_POLL_S * 1000,
        "note": "latency from the produce call of a story's first article to its alert; "
        "stories expected = those whose documents match the rule's filter in Elasticsearch",
        "rates": rows,
    }
    print_report(report)
    finish(report, out, started)
    return report


def print_report(report: dict[str, Any]) -> None:
    runs, ea = report["elastalert"]["rule_runs"], report["elastalert"]
    print(
        f"\nrule {report['orbitwatch_rule']['name']}; ElastAlert {ea['version']} run_every "
        f"{ea['run_every_s']:g}s, measured interval between runs mean {runs['mean_s']}s, max "
        f"{cell(runs['ms']['max'])} ms ({runs['runs']} runs)"
    )
    quantiles = ("p50", "p95", "p99")
    rows: list[tuple[object, ...]] = []
    for row in report["rates"]:
        for system in ("orbitwatch", "elastalert"):
            r = row[system]
            counts = (row["stories_expected"], r["matched"], r["missed"], r["duplicate_alerts"])
            rows.append((row["rate"], system, *counts, *(r["ms"][q] for q in quantiles)))
        searchable = row["searchable"]["ms"]
        rows.append(
            (
                row["rate"],
                "searchable",
                searchable["n"],
                "",
                "",
                "",
                *(searchable[q] for q in quantiles),
            )
        )
        ratios = row["elastalert_over_orbitwatch"]
        rows.append(
            (
                row["rate"],
                "EA / ow",
                "",
                "",
                "",
                "",
                *(f"{ratios[q]}x" if ratios[q] else "-" for q in quantiles),
            )
        )
    header = ("rate/s", "system", "stories", "matched", "missed", "dup")
    print_table((*header, *(f"{q} ms" for q in quantiles)), rows, left=(1,))
    for row in report["rates"]:
        print(
            f"at {row['rate']}/s: produced {row['produced']} at {row['achieved_rate']}/s, "
            f"drained in {row['drain_s']}s"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    add_rate_options(parser, "10,50", seconds=30.0, drain=20.0, out=OUT)
    parser.add_argument("--rule", default=DEFAULT_RULE, help="orbitwatch match rule to mirror")
    args = parser.parse_args(argv)
    rates = parse_rates(args.rates)
    asyncio.run(run_async(None, rates, args.seconds, args.drain, args.rule, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
