"""ElastAlert 2 as the ElastAlert benchmark runs it, inside ElastAlert's own virtualenv.

    <elastalert-venv>/bin/python -m benchmarks.elastalert_shim create-index --config C.yaml
    <elastalert-venv>/bin/python -m benchmarks.elastalert_shim run --config C.yaml [--verbose]

(with the project root on ``PYTHONPATH``). Nothing in orbitwatch imports this module: it needs
ElastAlert and its Elasticsearch 7 client, which live only in that virtualenv
(``benchmarks/elastalert_bench.py`` creates it). It adds two things to ElastAlert as published:

- **Version discovery without ``GET /``.** ElastAlert asks the cluster's version with
  ``GET /`` before its first query and before creating its indices. Since 8.x Elasticsearch
  serves that endpoint from the ``rest-root`` module, which the local ``integ-test-zip``
  server does not have (it answers 405), so ElastAlert stops after three tries. Where ``GET /``
  answers 405, the version is read from ``GET _nodes/_local`` instead; on a full cluster
  ElastAlert's own code runs unchanged.
- :class:`RecordingAlerter`, the rule's alerter: one JSON line per alert with its time.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import elastalert.util
from elastalert.alerts import Alerter
from elasticsearch import TransportError

# ElastAlert runs rules on a thread pool; one lock keeps lines from interleaving.
_RECORD_LOCK = threading.Lock()


class RecordingAlerter(Alerter):
    """Appends ``{"at", "wall", "rule", "ids", "story_ids"}`` to the rule's ``record_path``.

    The time is taken here, in ElastAlert's alerting thread, rather than when the benchmark
    reads the line: the ``command`` alerter would add a process start per alert, and parsing
    the ``debug`` alerter's log would add log buffering and a poll interval. ``at`` is
    CLOCK_MONOTONIC, one clock for every process on Linux and the one the benchmark's
    ``time.perf_counter()`` reads, so the two subtract.
    """

    required_options = frozenset(["record_path"])

    def alert(self, matches: list[dict[str, Any]]) -> None:
        line = json.dumps(
            {
                "at": time.clock_gettime(time.CLOCK_MONOTONIC),
                "wall": time.time(),
                "rule": self.rule["name"],
                "ids": [match.get("_id") for match in matches],
                "story_ids": [match.get("story_id") for match in matches],
            }
        )
        with _RECORD_LOCK, open(self.rule["record_path"], "a", encoding="utf-8") as out:
            out.write(line + "\n")

    def get_info(self) -> dict[str, str]:
        return {"type": "record", "record_path": self.rule["record_path"]}


def _version_without_root_endpoint(original: Callable[[Any], str]) -> Callable[[Any], str]:
    def cluster_version(client: Any) -> str:
        try:
            client.info()
        except TransportError as exc:
            if getattr(exc, "status_code", None) != 405:
                raise
            nodes = client.transport.perform_request(
                "GET", "/_nodes/_local", params={"filter_path": "nodes.*.version"}
            )
            return str(next(iter(nodes["nodes"].values()))["version"])
        return original(client)

    return cluster_version


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("create-index", "run"):
        print(__doc__, file=sys.stderr)
        return 2
    command, rest = argv[0], argv[1:]
    elastalert.util.get_version_from_cluster_info = _version_without_root_endpoint(
        elastalert.util.get_version_from_cluster_info
    )
    # Imported only now: create_index binds the version function by name at import time.
    if command == "create-index":
        from elastalert import create_index

        sys.argv = ["elastalert-create-index", *rest]
        create_index.main()
        return 0
    from elastalert import elastalert as runner

    runner.main(rest)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
