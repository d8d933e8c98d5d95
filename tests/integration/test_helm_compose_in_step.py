"""deploy/compose.yaml and the Helm chart describe the same deployment; this keeps them so.

For every orbitwatch service of the compose file (the ones built from the orbitwatch image)
the rendered chart must have a workload of the same name (its component label), running the
same command, with the same ORBITWATCH_* variables by name, probing the same readiness path
on the same port, with at least the start-up time, the same stop grace period and the same
memory limit. Kafka, Elasticsearch and Kibana are services of the compose file only: the
chart points at external ones.

Variables compose passes through without a value (optional ones such as
ORBITWATCH_WEBHOOK_SECRET) appear in the chart when the matching value is set, so they are
compared on a render with those values.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from deploy import healthcheck
from orbitwatch.core.settings import PROJECT_ROOT
from tests.helm_chart import Workload, render, workloads

COMPOSE_FILE = PROJECT_ROOT / "deploy" / "compose.yaml"
ORBITWATCH_IMAGE = "${APP_IMAGE:-orbitwatch:local}"
OWN_HEALTHCHECK = ["CMD", "python", "-m", "deploy.healthcheck"]
# Values that switch on what compose passes through when set in deploy/.env.
OPTIONAL_VALUES = {"notifier.webhookSecret.existingSecret": "orbitwatch-webhook"}
URL = re.compile(r"https?://[^/\s:]+:(?P<port>\d+)(?P<path>/[\w/.-]*)")
DURATION = re.compile(r"(?:(?P<m>\d+)m)?(?:(?P<s>\d+)s)?")

Service = dict[str, Any]


def compose_services() -> dict[str, Service]:
    doc = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    return {name: s for name, s in doc["services"].items() if s.get("image") == ORBITWATCH_IMAGE}


def seconds(text: str) -> int:
    match = DURATION.fullmatch(text)
    assert match and text, f"duration {text!r}"
    return int(match["m"] or 0) * 60 + int(match["s"] or 0)


def mebibytes(text: str) -> int:
    match = re.fullmatch(r"(\d+)(M|Mi|G|Gi)", text)
    assert match, f"memory {text!r} in M/Mi/G/Gi"
    return int(match[1]) * (1024 if match[2].startswith("G") else 1)


def env_value(service: Service, name: str) -> str:
    """An environment value with compose's ${VAR:-default} resolved to its default."""
    raw = str(service["environment"][name])
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", raw)


def compose_readiness(service: Service) -> tuple[str, int]:
    """(path, port) that the compose healthcheck asks."""
    test = service["healthcheck"]["test"]
    if test == OWN_HEALTHCHECK:  # deploy/healthcheck.py: /ready on the metrics port
        return healthcheck.READY_PATH, int(env_value(service, "ORBITWATCH_METRICS_PORT"))
    match = URL.search(" ".join(test))
    assert match, f"cannot tell which URL the healthcheck {test} asks"
    return match["path"], int(match["port"])


def command_words(argv: list[str]) -> list[str]:
    """The command and its option names, without the options' values (paths differ)."""
    return [
        w
        for i, w in enumerate(argv)
        if w.startswith("-") or i == 0 or not argv[i - 1].startswith("-")
    ]


@pytest.fixture(scope="module")
def chart() -> dict[str, Workload]:
    return workloads(render())


def test_the_same_services(chart: dict[str, Workload]) -> None:
    assert set(compose_services()) == set(chart), (
        f"compose only: {sorted(set(compose_services()) - set(chart))}; "
        f"chart only: {sorted(set(chart) - set(compose_services()))}"
    )


def test_the_same_commands(chart: dict[str, Workload]) -> None:
    for name, service in compose_services().items():
        container = chart[name].container
        if "entrypoint" in service:
            assert container["command"] == service["entrypoint"], name
        compose_args = [w for w in service["command"] if w != "--app-user"]
        chart_args = [w for w in container["args"] if w != "--app-user"]
        if name == "setup":  # the chart adds its switches (secrets dir, ECK's Kibana user)
            assert set(command_words(compose_args)) <= set(command_words(chart_args)), name
        else:
            assert command_words(compose_args) == command_words(chart_args), name


def test_the_same_environment_variables(chart: dict[str, Workload]) -> None:
    optional = workloads(render(sets=OPTIONAL_VALUES))
    for name, service in compose_services().items():
        env = service["environment"]
        ours = {key for key in env if key.startswith("ORBITWATCH_")}
        passed_through = {key for key in ours if env[key] is None}
        assert chart[name].env_names() == ours - passed_through, name
        assert optional[name].env_names() == ours, f"{name}, with {OPTIONAL_VALUES}"


def test_the_same_probes(chart: dict[str, Workload]) -> None:
    for name, service in compose_services().items():
        workload = chart[name]
        container = workload.container
        if service.get("restart") == "no":  # one-shot: compose checks nothing, neither does k8s
            assert "healthcheck" not in service and "readinessProbe" not in container, name
            continue
        path, port = compose_readiness(service)
        probe = container["readinessProbe"]["httpGet"]
        assert (probe["path"], workload.port(probe["port"])) == (path, port), name
        # Liveness on the same server's /health (orbitwatch/core/health_server.py).
        liveness = container["livenessProbe"]["httpGet"]
        assert (liveness["path"], workload.port(liveness["port"])) == ("/health", port), name
        startup = container["startupProbe"]
        window = startup["periodSeconds"] * startup["failureThreshold"]
        assert window >= seconds(service["healthcheck"]["start_period"]), name


def test_the_same_published_ports(chart: dict[str, Workload]) -> None:
    # What compose publishes on the host, the chart's container declares (a Service or an
    # Ingress of the operator's reaches it there).
    for name, service in compose_services().items():
        published = {int(str(port).rsplit(":", 1)[1]) for port in service.get("ports", [])}
        declared = {int(port["containerPort"]) for port in chart[name].container.get("ports", [])}
        assert published <= declared, f"{name}: {sorted(published - declared)} not declared"


def test_the_same_stop_grace_and_memory_limits(chart: dict[str, Workload]) -> None:
    for name, service in compose_services().items():
        workload = chart[name]
        if "stop_grace_period" in service:
            grace = workload.pod["terminationGracePeriodSeconds"]
            assert grace == seconds(service["stop_grace_period"]), name
        limit = service["deploy"]["resources"]["limits"]["memory"]
        chart_limit = workload.container["resources"]["limits"]["memory"]
        assert mebibytes(chart_limit) == mebibytes(limit), name


def test_the_comparison_notices_a_difference(chart: dict[str, Workload]) -> None:
    # The parsing above must see what it compares: a variable only the chart sets shows.
    worker = compose_services()["worker"]
    names = {key for key in worker["environment"] if key.startswith("ORBITWATCH_")}
    richer = workloads(render(sets={"worker.classifierModel.configMap": "model"}))["worker"]
    assert richer.env_names() - names == {"ORBITWATCH_CLASSIFIER_MODEL"}
    assert compose_readiness(worker) == ("/ready", 9400)
    fake = {"healthcheck": {"test": ["CMD", "curl", "-f", "http://127.0.0.1:8600/health"]}}
    assert compose_readiness(fake) == ("/health", 8600)
