"""Every benchmark in one run, and the results page built from their reports.

    .venv/bin/python -m benchmarks.run_all [--quick] [--write-docs]

Needs the local Kafka and Elasticsearch (``orbitwatch infra up``). Each benchmark runs as its
own process (as a user would start it) and writes its JSON report to ``benchmarks/out/``;
this script then writes ``benchmarks/out/report.json`` (all reports plus the machine) and,
with ``--write-docs``, ``docs/benchmarks.md``. The full run takes 11-14 minutes on a
2-core machine; ``--quick`` (smaller counts, shorter rates) about 4.

Figures are only comparable within one run: every benchmark measures its baselines on the
same machine, the same servers and at the same time, and the page reports the ratios.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.harness.memory import MIB
from benchmarks.harness.report import OUT_DIR as OUT
from benchmarks.harness.report import display_path, write_report
from orbitwatch.core.settings import PROJECT_ROOT, get_settings

DOCS = PROJECT_ROOT / "docs" / "benchmarks.md"

# name -> (module, full-run arguments, quick-run arguments)
BENCHMARKS: dict[str, tuple[str, list[str], list[str]]] = {
    "classifier": ("benchmarks.classifier_bench", [], ["--rounds", "1"]),
    "connector": ("benchmarks.connector_bench", [], ["--feeds", "100", "--rounds", "2"]),
    "throughput": ("benchmarks.throughput_bench", [], ["--count", "20000"]),
    "latency": ("benchmarks.latency_bench", [], ["--seconds", "10"]),
    "elastalert": ("benchmarks.elastalert_bench", [], ["--seconds", "15"]),
    "web": ("benchmarks.web_latency", [], ["--count", "50"]),
    "websub": ("benchmarks.websub_latency", [], ["--count", "100"]),
    "scaling": ("benchmarks.scaling_bench", [], ["--cycles", "1"]),
    "feed_latency": (
        "benchmarks.feed_latency",
        [],
        ["--feeds", "100", "--days", "4", "--real-entries", "20"],
    ),
}


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import psutil

    java = subprocess.run(["java", "-version"], capture_output=True, text=True, check=False)
    settings = get_settings()
    return {
        "cpu": cpu,
        "cores": psutil.cpu_count(logical=True),
        "memory_gib": round(psutil.virtual_memory().total / MIB / 1024, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "java": (java.stderr.splitlines() or ["unknown"])[0],
        "kafka": settings.kafka_version,
        "elasticsearch": settings.es_version,
    }


def run_one(name: str, quick: bool) -> dict[str, Any]:
    module, full, short = BENCHMARKS[name]
    args = short if quick else full
    print(f"\n=== {name}: python -m {module} {' '.join(args)}", flush=True)
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", module, *args], check=False)
    seconds = round(time.monotonic() - started, 1)
    report_file = OUT / f"{name}.json"
    if result.returncode != 0 or not report_file.exists():
        return {"failed": True, "exit_code": result.returncode, "seconds": seconds}
    report: dict[str, Any] = json.loads(report_file.read_text())
    report["bench_seconds"] = seconds
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller runs (about 4 minutes)")
    parser.add_argument("--write-docs", action="store_true", help=f"rewrite {DOCS.name}")
    parser.add_argument("--only", help="comma-separated subset of: " + ", ".join(BENCHMARKS))
    parser.add_argument(
        "--render-only",
        action="store_true",
        help=f"rewrite {DOCS.name} from the last report.json without running anything",
    )
    args = parser.parse_args()
    if args.render_only:
        from benchmarks.results_page import render

        DOCS.write_text(render(json.loads((OUT / "report.json").read_text())))
        print(f"wrote {display_path(DOCS)}")
        return
    names = args.only.split(",") if args.only else list(BENCHMARKS)
    for name in names:
        (OUT / f"{name}.json").unlink(missing_ok=True)  # a failed run must not show old figures
    started = time.monotonic()
    reports = {name: run_one(name, args.quick) for name in names}
    total = round(time.monotonic() - started, 1)
    combined = {
        "command": "python -m benchmarks.run_all" + (" --quick" if args.quick else ""),
        "finished": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        # What the page prints paths relative to (the reports hold this machine's paths).
        "project_root": str(PROJECT_ROOT),
        "total_seconds": total,
        "machine": machine(),
        "reports": reports,
    }
    print(f"\nall benchmarks: {total:.0f} s")
    write_report(OUT / "report.json", combined)
    if args.write_docs:
        from benchmarks.results_page import render

        DOCS.write_text(render(combined))
        print(f"wrote {display_path(DOCS)}")
    failed = [name for name, report in reports.items() if report.get("failed")]
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
