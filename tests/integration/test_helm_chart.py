"""The Helm chart, checked offline the way the compose file is (tests/unit/deploy/test_compose.py):
``helm lint``, ``helm template`` with the default values and each example values file, and
every rendered manifest validated against the Kubernetes JSON schemas that the
kubernetes-validate package ships (strict: an unknown field is an error), for the version we
target and the oldest Chart.yaml accepts. Then what schemas cannot know: the worker
replica check, probes, security context, Secrets only referenced.

Needs a ``helm`` binary (tests/helm_chart.py says where from); no cluster, no server.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.helm_chart import (
    CHART,
    EXAMPLES,
    KUBERNETES_VERSION,
    OLDEST_KUBERNETES_VERSION,
    Manifest,
    example_values,
    render,
    render_error,
    run_helm,
    workloads,
)

SECRET_NAMES = ("PASSWORD", "SECRET", "API_KEY", "TOKEN")
LONG_RUNNING = ("worker", "connector", "notifier")


def validation_errors(manifests: list[Manifest], version: str) -> list[str]:
    errors = []
    for manifest in manifests:
        what = f"{manifest.get('kind')}/{manifest.get('metadata', {}).get('name')}"
        try:
            kubernetes_validate.validate(manifest, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            path = ".".join(str(p) for p in exc.path)
            errors.append(f"{what}: {path}: {exc.message}")
        except kubernetes_validate.SchemaNotFoundError as exc:
            errors.append(f"{what}: {exc.message}")
    return errors


def test_the_example_values_files_are_there() -> None:
    names = {path.name for path in example_values()}
    assert names == {"strimzi-values.yaml", "eck-values.yaml"}


def test_helm_lint_passes_with_default_and_example_values() -> None:
    for values in [None, *example_values()]:
        args = ["lint", "--strict", str(CHART)] + (["-f", str(values)] if values else [])
        result = run_helm(*args)
        assert result.returncode == 0, f"{values}: {result.stdout}{result.stderr}"


@pytest.mark.parametrize(
    "values", [None, *example_values()], ids=lambda v: v.name if v else "defaults"
)
def test_every_rendered_manifest_validates_against_the_kubernetes_schemas(
    values: Path | None,
) -> None:
    manifests = render([values] if values else [])
    kinds = {m["kind"] for m in manifests}
    assert kinds >= {"Deployment", "Job", "ConfigMap", "PodDisruptionBudget"}, kinds
    for version in (KUBERNETES_VERSION, OLDEST_KUBERNETES_VERSION):
        errors = validation_errors(manifests, version)
        assert not errors, f"Kubernetes {version}:\n" + "\n".join(errors)


def test_the_validation_does_catch_a_broken_manifest() -> None:
    manifests = render()
    worker = workloads(manifests)["worker"].manifest
    worker["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["httpGett"] = {}
    worker["spec"]["replicas"] = "three"
    errors = validation_errors([worker], KUBERNETES_VERSION)
    assert len(errors) == 1 and "worker" in errors[0]
    unknown: dict[str, Any] = {"apiVersion": "apps/v1", "kind": "Deploymnet", "metadata": {}}
    assert validation_errors([unknown], KUBERNETES_VERSION)


def test_rendering_fails_when_workers_exceed_partitions() -> None:
    error = render_error({"worker.replicas": "5", "topics.partitions": "4"})
    assert "worker.replicas (5) exceeds topics.partitions (4)" in error
    manifests = render(sets={"worker.replicas": "6", "topics.partitions": "6"})
    assert workloads(manifests)["worker"].manifest["spec"]["replicas"] == 6


def schema_paths(schema: dict[str, Any], prefix: str = "") -> set[str]:
    paths = set()
    for key, sub in schema.get("properties", {}).items():
        paths.add(prefix + key)
        paths |= schema_paths(sub, f"{prefix}{key}.")
    return paths


def value_paths(values: dict[str, Any], free: set[str], prefix: str = "") -> set[str]:
    paths = set()
    for key, value in values.items():
        paths.add(prefix + key)
        if isinstance(value, dict) and key not in free:
            paths |= value_paths(value, free, f"{prefix}{key}.")
    return paths


def test_the_values_schema_knows_every_value_and_refuses_typos() -> None:
    schema = json.loads((CHART / "values.schema.json").read_text(encoding="utf-8"))
    values = yaml.safe_load((CHART / "values.yaml").read_text(encoding="utf-8"))
    # Free-form maps (Kubernetes objects passed through) are not described key by key.
    free = {"resources", "podAnnotations", "nodeSelector", "affinity"}
    free |= {"securityContext", "podSecurityContext", "requests", "limits"}
    assert schema_paths(schema) == value_paths(values, free)
    assert "additional properties 'wroker'" in render_error({"wroker.replicas": "2"})
    assert "'webhookSecrett'" in render_error({"notifier.webhookSecrett.key": "k"})
    assert "want integer" in render_error({"worker.replicas": "two"})


def test_other_impossible_values_are_refused_with_a_reason() -> None:
    assert "SASL" in render_error({"kafka.securityProtocol": "SASL_SSL"})
    assert "securityProtocol" in render_error({"kafka.securityProtocol": "TLS"})
    assert "mutual TLS" in render_error({"kafka.tls.clientSecret": "user"})
    assert "API key" in render_error({"elasticsearch.apiKeySecret": "key"})


def test_the_install_notes_tell_the_worker_limit() -> None:
    result = run_helm("install", "ow", str(CHART), "--dry-run=client", "--set", "worker.replicas=3")
    assert result.returncode == 0, result.stderr
    notes = result.stdout.split("NOTES:", 1)[1]
    assert "Workers: 3 of at most 4 (topics.partitions)" in notes
    assert "Recreate" in notes


def test_the_connector_is_one_instance_replaced_by_recreate() -> None:
    connector = workloads(render())["connector"].manifest
    assert connector["spec"]["replicas"] == 1
    assert connector["spec"]["strategy"] == {"type": "Recreate"}
    # Not even the values can make two: replicas is not a setting of the connector.
    values = yaml.safe_load((CHART / "values.yaml").read_text(encoding="utf-8"))
    assert "replicas" not in values["connector"]


def test_long_running_processes_probe_health_and_ready() -> None:
    for name, workload in workloads(render()).items():
        container = workload.container
        if workload.manifest["kind"] == "Job":
            assert "livenessProbe" not in container, name
            continue
        assert container["livenessProbe"]["httpGet"]["path"] == "/health", name
        assert container["readinessProbe"]["httpGet"]["path"] == "/ready", name
        assert container["startupProbe"]["httpGet"]["path"] == "/health", name
        port = workload.port(container["readinessProbe"]["httpGet"]["port"])
        env = {e["name"]: e.get("value") for e in container["env"]}
        assert str(port) == env["ORBITWATCH_METRICS_PORT"], name
        assert env["ORBITWATCH_METRICS_HOST"] == "0.0.0.0", f"{name}: probes come from outside"


def test_pods_run_as_non_root_on_a_read_only_root_file_system() -> None:
    for name, workload in workloads(render()).items():
        pod, container = workload.pod, workload.container
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["runAsUser"] == 10001, name  # the image's user
        assert pod["automountServiceAccountToken"] is False, name
        context = container["securityContext"]
        assert context["readOnlyRootFilesystem"] is True, name
        assert context["allowPrivilegeEscalation"] is False, name
        assert context["capabilities"]["drop"] == ["ALL"], name
        # Writable scratch space where the processes write (tmp files, the worker's data dir).
        mounts = {m["mountPath"] for m in container["volumeMounts"]}
        assert {"/tmp", "/var/lib/orbitwatch"} <= mounts, name

    # Secret files belong to root; the process (uid 10001) reads them through the pod's
    # fsGroup, so a restrictive mode must still give the group read access.
    found = workloads(render([EXAMPLES / "strimzi-values.yaml", EXAMPLES / "eck-values.yaml"]))
    for name, workload in found.items():
        assert workload.pod["securityContext"]["fsGroup"] == 10001, name
        for volume in workload.pod["volumes"]:
            source = volume.get("secret") or volume.get("projected") or {}
            mode = source.get("defaultMode")
            assert mode is None or mode & 0o040, f"{name}: {volume['name']} mode {mode:o}"


def test_every_container_has_memory_requests_and_limits() -> None:
    for name, workload in workloads(render()).items():
        resources = workload.container["resources"]
        assert resources["requests"]["memory"], name
        assert resources["limits"]["memory"], name


@pytest.mark.parametrize(
    "values", [None, *example_values()], ids=lambda v: v.name if v else "defaults"
)
def test_secrets_are_referenced_never_inlined(values: Path | None) -> None:
    manifests = render([values] if values else [])
    assert "Secret" not in {m["kind"] for m in manifests}
    for name, workload in workloads(manifests).items():
        for entry in workload.container.get("env", []):
            if any(word in entry["name"] for word in SECRET_NAMES):
                assert "value" not in entry, f"{name}: {entry['name']} has a literal value"
                assert entry["valueFrom"]["secretKeyRef"]["name"], f"{name}: {entry['name']}"


def test_the_setup_hook_runs_before_and_kibana_setup_after_the_processes() -> None:
    found = workloads(render())
    setup, kibana = found["setup"].manifest, found["kibana-setup"].manifest
    assert setup["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert kibana["metadata"]["annotations"]["helm.sh/hook"] == "post-install,post-upgrade"
    assert found["setup"].pod["restartPolicy"] == "Never"
    # The passwords of the users setup creates arrive as files, under the names it reads.
    projected = next(v for v in found["setup"].pod["volumes"] if v["name"] == "secrets")
    paths = {
        item["path"]
        for source in projected["projected"]["sources"]
        for item in source["secret"]["items"]
    }
    assert paths == {"orbitwatch_es_password"}
    assert "--skip-kibana-system" in found["setup"].container["args"]
    no_kibana = workloads(render(sets={"kibana.enabled": "false"}))
    assert "kibana-setup" not in no_kibana


def test_configmaps_carry_the_repository_files_unless_values_replace_them() -> None:
    manifests = render()
    maps = {m["metadata"]["name"]: m["data"] for m in manifests if m["kind"] == "ConfigMap"}
    deploy = CHART.parent.parent
    rules = (deploy / "rules.yaml").read_text(encoding="utf-8")
    feeds = (deploy / "feeds.yaml").read_text(encoding="utf-8")
    assert maps["ow-orbitwatch-rules"]["rules.yaml"].strip() == rules.strip()
    assert maps["ow-orbitwatch-feeds"]["feeds.yaml"].strip() == feeds.strip()
    assert yaml.safe_load(maps["ow-orbitwatch-rules"]["rules.yaml"])["rules"]
    own = render(sets={"worker.rules": "rules: []", "notifier.endpoints": "endpoints: []"})
    maps = {m["metadata"]["name"]: m["data"] for m in own if m["kind"] == "ConfigMap"}
    assert maps["ow-orbitwatch-rules"]["rules.yaml"] == "rules: []"
    notifier = workloads(own)["notifier"]
    assert "ORBITWATCH_WEBHOOK_ENDPOINTS_FILE" in notifier.env_names()
    templates = workloads(render(sets={"notifier.templatesConfigMap": "my-templates"}))
    env = {e["name"]: e.get("value") for e in templates["notifier"].container["env"]}
    mounts = {m["name"]: m["mountPath"] for m in templates["notifier"].container["volumeMounts"]}
    assert env["ORBITWATCH_NOTIFY_TEMPLATES_DIR"] == mounts["templates"]


def test_strimzi_values_mount_the_operator_secrets_their_resources_create() -> None:
    resources = list(yaml.safe_load_all((EXAMPLES / "strimzi-kafka.yaml").read_text()))
    kafka = next(r for r in resources if r["kind"] == "Kafka")
    user = next(r for r in resources if r["kind"] == "KafkaUser")
    cluster = kafka["metadata"]["name"]
    assert user["metadata"]["labels"]["strimzi.io/cluster"] == cluster
    listener = next(entry for entry in kafka["spec"]["kafka"]["listeners"] if entry["tls"])
    assert listener["authentication"]["type"] == user["spec"]["authentication"]["type"] == "tls"

    values = yaml.safe_load((EXAMPLES / "strimzi-values.yaml").read_text())
    assert values["kafka"]["bootstrapServers"] == f"{cluster}-kafka-bootstrap:{listener['port']}"
    assert values["kafka"]["tls"]["caSecret"] == f"{cluster}-cluster-ca-cert"
    assert values["kafka"]["tls"]["clientSecret"] == user["metadata"]["name"]
    replication = kafka["spec"]["kafka"]["config"]["default.replication.factor"]
    assert values["topics"]["replicationFactor"] == replication

    worker = workloads(render([EXAMPLES / "strimzi-values.yaml"]))["worker"]
    env = {e["name"]: e.get("value") for e in worker.container["env"]}
    assert env["ORBITWATCH_KAFKA_SECURITY_PROTOCOL"] == "SSL"
    assert env["ORBITWATCH_TOPIC_REPLICATION_FACTOR"] == str(replication)
    mounted = {v["name"]: v for v in worker.pod["volumes"]}
    assert mounted["kafka-client"]["secret"]["secretName"] == user["metadata"]["name"]
    assert Path(env["ORBITWATCH_KAFKA_SSL_KEYFILE"]).name == "user.key"


def test_eck_values_use_the_secrets_and_services_eck_creates() -> None:
    resources = list(yaml.safe_load_all((EXAMPLES / "eck-elasticsearch.yaml").read_text()))
    es = next(r for r in resources if r["kind"] == "Elasticsearch")["metadata"]["name"]
    kb = next(r for r in resources if r["kind"] == "Kibana")["metadata"]["name"]
    values = yaml.safe_load((EXAMPLES / "eck-values.yaml").read_text())
    assert values["elasticsearch"]["url"] == f"https://{es}-es-http:9200"
    assert values["elasticsearch"]["caSecret"] == f"{es}-es-http-certs-public"
    assert values["setup"]["adminSecret"] == f"{es}-es-elastic-user"
    assert values["setup"]["adminPasswordKey"] == "elastic"
    assert values["kibana"]["url"] == f"https://{kb}-kb-http:5601"
    assert values["kibana"]["caSecret"] == f"{kb}-kb-http-certs-public"

    found = workloads(render([EXAMPLES / "eck-values.yaml"]))
    for name in ("worker", "setup", "kibana-setup"):
        env = {e["name"] for e in found[name].container["env"]}
        assert "ORBITWATCH_ES_CA_FILE" in env, name
    assert "ORBITWATCH_KIBANA_CA_FILE" in found["kibana-setup"].env_names()
