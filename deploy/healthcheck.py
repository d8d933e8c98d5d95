"""Container healthcheck of an orbitwatch process: ``python -m deploy.healthcheck``.

The slim image has no curl, and the processes differ in what they can tell about
themselves, so one small probe serves them all, in order:

1. When ``ORBITWATCH_METRICS_PORT`` is set, ask the process's own ``/ready`` on loopback:
   200 is healthy, anything else is not (the body names the failing checks).
2. When nothing listens there (a process that does not serve ``/ready``), fall back to the
   kernel's socket table: the container must hold an established TCP connection to a Kafka
   bootstrap port. Every orbitwatch process keeps one while it works; one that is stuck
   reconnecting or has lost the broker does not.

Exit status 0 is healthy, 1 unhealthy (Docker's convention); the reason goes to stdout, which
``docker inspect`` shows under ``State.Health``.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request
from collections.abc import Iterable
from pathlib import Path

from orbitwatch.core.settings import Settings, get_settings

TCP_TABLES = (Path("/proc/net/tcp"), Path("/proc/net/tcp6"))
TCP_ESTABLISHED = "01"
READY_TIMEOUT_S = 3.0
# The readiness endpoint of orbitwatch/core/health_server.py (the Helm chart's readiness
# probe asks the same path on the same port).
READY_PATH = "/ready"


class NotServed(Exception):
    """Nothing listens on the metrics port: the process has no /ready to ask."""


def ask_ready(port: int, timeout: float = READY_TIMEOUT_S) -> tuple[bool, str]:
    url = f"http://127.0.0.1:{port}{READY_PATH}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200, f"{url}: {response.status}"
    except urllib.error.HTTPError as exc:
        body = exc.read(500).decode("utf-8", "replace")
        return False, f"{url}: {exc.code} {body}"
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, ConnectionRefusedError):
            raise NotServed(url) from exc
        return False, f"{url}: {exc.reason}"
    except TimeoutError:
        return False, f"{url}: no answer within {timeout:.0f} s"


def established_remote_ports(table: str) -> set[int]:
    """Remote ports of established connections in a /proc/net/tcp(6) table."""
    ports = set()
    for line in table.splitlines()[1:]:  # the first line is the column header
        fields = line.split()
        if len(fields) < 4 or fields[3] != TCP_ESTABLISHED:
            continue
        _, _, port_hex = fields[2].rpartition(":")
        ports.add(int(port_hex, 16))
    return ports


def kafka_ports(settings: Settings) -> set[int]:
    ports = set()
    for server in settings.kafka_bootstrap_servers.split(","):
        _, _, port = server.strip().rpartition(":")
        if port.isdigit():
            ports.add(int(port))
    return ports


def connected_to_kafka(settings: Settings, tables: Iterable[Path] = TCP_TABLES) -> tuple[bool, str]:
    wanted = kafka_ports(settings)
    seen: set[int] = set()
    for table in tables:
        if table.exists():
            seen |= established_remote_ports(table.read_text(encoding="ascii", errors="replace"))
    ok = bool(wanted & seen)
    ports = ", ".join(str(p) for p in sorted(wanted))
    state = "an established" if ok else "no established"
    return ok, f"{state} connection to Kafka (port {ports})"


def check(settings: Settings, tables: Iterable[Path] = TCP_TABLES) -> tuple[bool, str]:
    if settings.metrics_port:
        try:
            return ask_ready(settings.metrics_port)
        except NotServed:
            pass
    return connected_to_kafka(settings, tables)


def main() -> int:
    healthy, reason = check(get_settings())
    print(("healthy: " if healthy else "unhealthy: ") + reason)
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
