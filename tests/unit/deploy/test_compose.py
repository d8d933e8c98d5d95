"""Form checks of deploy/compose.yaml and deploy/.env.example: no Docker engine needed.

The compose file is validated against the Compose Specification's JSON Schema (from
``../shared/data/``), then checked for what the schema cannot know: healthchecks, start
order, memory budget, loopback-only ports, and that every ORBITWATCH_* variable it sets
exists in the settings model *as it is now* (the model keeps growing). ``docker compose
config`` runs too when the compose plugin is installed.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from deploy import compose_setup
from orbitwatch.cli import app
from orbitwatch.core.settings import PROJECT_ROOT, Settings

pytestmark = pytest.mark.unit

DEPLOY = PROJECT_ROOT / "deploy"
COMPOSE_FILE = DEPLOY / "compose.yaml"
ENV_EXAMPLE = DEPLOY / ".env.example"
COMPOSE_SPEC = PROJECT_ROOT.parent / "shared" / "data" / "compose-spec.json"

ORBITWATCH_IMAGE_VAR = "${APP_IMAGE:-orbitwatch:local}"
MEMORY_BUDGET = 5 * 1024**3  # everything at default scale fits a host with 8 GB
INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<rest>[^}]*)\}")


def load_compose() -> dict[str, Any]:
    doc = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


def services() -> dict[str, dict[str, Any]]:
    result = load_compose()["services"]
    assert isinstance(result, dict)
    return result


def one_shot(service: dict[str, Any]) -> bool:
    return service.get("restart") == "no"


def is_orbitwatch(service: dict[str, Any]) -> bool:
    return service.get("image") == ORBITWATCH_IMAGE_VAR


def setting_env_names() -> set[str]:
    prefix = (Settings.model_config.get("env_prefix") or "").upper()
    return {f"{prefix}{name.upper()}" for name in Settings.model_fields}


def env_example() -> dict[str, str]:
    """Variables of .env.example, including commented-out optional ones (``# VAR=``)."""
    found = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^#?\s*([A-Z][A-Z0-9_]*)=(.*)$", line.strip())
        if match:
            found[match.group(1)] = match.group(2)
    return found


def interpolated(text: str) -> dict[str, str]:
    """Every ${VAR...} of the compose file, with what follows the name (:-default, :?msg)."""
    # "$$" is an escaped dollar for the container's shell, not compose interpolation.
    return {m["name"]: m["rest"] for m in INTERPOLATION.finditer(text.replace("$$", ""))}


def passed_through(doc: dict[str, Any]) -> set[str]:
    """Environment entries without a value: compose copies them from its own environment."""
    return {
        name
        for service in doc["services"].values()
        for name, value in (service.get("environment") or {}).items()
        if value is None
    }


def memory_bytes(text: str) -> int:
    match = re.fullmatch(r"(\d+)([KMG])B?", str(text).upper())
    assert match, f"memory limit {text!r} not in K/M/G units"
    return int(match.group(1)) * 1024 ** "KMG".index(match.group(2)) * 1024


# --- the Compose Specification ------------------------------------------------------------


def test_compose_file_validates_against_the_compose_spec() -> None:
    if not COMPOSE_SPEC.exists():
        pytest.skip(f"{COMPOSE_SPEC} is absent (reference data lives in ../shared/data)")
    schema = json.loads(COMPOSE_SPEC.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)
    errors = list(validator.iter_errors(load_compose()))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
    # The schema is strict enough to notice a typo.
    broken = load_compose()
    broken["services"]["kafka"]["healthchek"] = broken["services"]["kafka"].pop("healthcheck")
    assert list(validator.iter_errors(broken))


def test_the_expected_services_are_there() -> None:
    assert set(services()) >= {
        "kafka",
        "elasticsearch",
        "kibana",
        "setup",
        "kibana-setup",
        "connector",
        "worker",
        "notifier",
        "web",
    }


def test_the_desk_is_published_on_loopback_and_requires_its_token() -> None:
    web = services()["web"]
    assert web["command"] == ["web"]
    assert web["ports"] == ["127.0.0.1:${WEB_PORT:-8600}:8600"]
    env = web["environment"]
    # Listening on every interface of the container: the desk refuses to start without it.
    assert env["ORBITWATCH_WEB_HOST"] == "0.0.0.0"
    assert env["ORBITWATCH_WEB_TOKEN"].startswith("${ORBITWATCH_WEB_TOKEN:?")
    # The healthcheck asks /ready on the metrics port: the desk serves it on its own port.
    assert env["ORBITWATCH_METRICS_PORT"] == env["ORBITWATCH_WEB_PORT"]


# --- health and start order -----------------------------------------------------------


def test_every_long_running_service_has_a_healthcheck_and_a_restart_policy() -> None:
    for name, service in services().items():
        if one_shot(service):
            assert "healthcheck" not in service, f"{name}: a one-shot service needs none"
            continue
        assert service.get("restart") in ("unless-stopped", "always", "on-failure"), name
        check = service.get("healthcheck")
        assert check and check.get("test"), f"{name} has no healthcheck"
        assert not check.get("disable"), name
        for key in ("interval", "timeout", "retries", "start_period"):
            assert key in check, f"{name}: healthcheck without {key}"


def test_every_dependency_waits_for_the_right_condition() -> None:
    all_services = services()
    for name, service in all_services.items():
        depends = service.get("depends_on", {})
        assert isinstance(depends, dict), f"{name}: depends_on must use conditions"
        for dependency, spec in depends.items():
            assert dependency in all_services, f"{name} depends on unknown {dependency}"
            wanted = (
                "service_completed_successfully"
                if one_shot(all_services[dependency])
                else "service_healthy"
            )
            assert spec.get("condition") == wanted, f"{name} -> {dependency}"


def test_one_shot_services_are_awaited_by_someone() -> None:
    all_services = services()
    awaited = {dep for s in all_services.values() for dep in s.get("depends_on", {})}
    for name, service in all_services.items():
        if one_shot(service) and name != "kibana-setup":  # the last step: nothing follows it
            assert name in awaited, f"nothing waits for one-shot {name}"


def test_pipeline_services_start_after_setup() -> None:
    for name in ("connector", "worker", "notifier", "kibana"):
        depends = services()[name]["depends_on"]
        assert depends["setup"]["condition"] == "service_completed_successfully", name


def test_orbitwatch_services_run_existing_cli_commands() -> None:
    runner = CliRunner()
    commands = {
        name: service["command"]
        for name, service in services().items()
        if is_orbitwatch(service) and "entrypoint" not in service
    }
    commands["setup (orbitwatch es setup)"] = list(compose_setup.ES_SETUP_COMMAND[1:])
    missing = []
    for name, command in commands.items():
        # The command path: the words before the first option ("connector run --feeds x").
        words = command[: next((i for i, w in enumerate(command) if w.startswith("-")), None)]
        result = runner.invoke(app, [*words, "--help"])
        if result.exit_code != 0:
            missing.append(f"{name}: orbitwatch {' '.join(words)}")
    assert not missing, f"compose runs commands the CLI does not have: {missing}"


def test_orbitwatch_healthcheck_module_exists() -> None:
    import importlib.util

    for name, service in services().items():
        if is_orbitwatch(service) and not one_shot(service):
            test = service["healthcheck"]["test"]
            assert test == ["CMD", "python", "-m", "deploy.healthcheck"], name
    assert importlib.util.find_spec("deploy.healthcheck") is not None


# --- resources, storage, network --------------------------------------------------------


def test_every_service_has_a_memory_limit_within_the_budget() -> None:
    total = 0
    for name, service in services().items():
        limit = service.get("deploy", {}).get("resources", {}).get("limits", {}).get("memory")
        assert limit, f"{name} has no memory limit"
        if not one_shot(service):
            replicas = str(service.get("deploy", {}).get("replicas", 1))
            default = re.search(r":-(\d+)\}$", replicas)  # "${WORKER_REPLICAS:-1}"
            count = int(default.group(1) if default else replicas)
            total += memory_bytes(limit) * count
    assert total <= MEMORY_BUDGET, f"{total / 1024**3:.1f} GiB at default scale"


def test_jvm_heaps_fit_their_limits() -> None:
    def heap(options: str) -> int:
        match = re.search(r"-Xmx(\d+[kmg])", options)
        assert match, options
        return memory_bytes(match.group(1))

    es, kafka = services()["elasticsearch"], services()["kafka"]
    es_limit = memory_bytes(es["deploy"]["resources"]["limits"]["memory"])
    kafka_limit = memory_bytes(kafka["deploy"]["resources"]["limits"]["memory"])
    # Elasticsearch wants half its memory for the file-system cache.
    assert heap(es["environment"]["ES_JAVA_OPTS"]) <= es_limit // 2
    assert heap(kafka["environment"]["KAFKA_HEAP_OPTS"]) <= kafka_limit * 3 // 4


def test_volumes_are_named_and_declared() -> None:
    doc = load_compose()
    declared = set(doc.get("volumes") or {})
    used = set()
    for name, service in doc["services"].items():
        for mount in service.get("volumes", []):
            text = mount if isinstance(mount, str) else f"{mount['source']}:{mount['target']}"
            source, sep, _ = text.partition(":")
            assert sep, f"{name}: anonymous volume {text!r}"
            assert not source.startswith((".", "/", "~")), f"{name}: bind mount {text!r}"
            assert source in declared, f"{name}: volume {source} is not declared"
            used.add(source)
    assert used == declared, f"declared but unused: {declared - used}"
    stateful = {"kafka", "elasticsearch"}
    for name in stateful:
        assert doc["services"][name].get("volumes"), f"{name} must keep its data in a volume"


def test_ports_are_published_on_loopback_only() -> None:
    published = {}
    for name, service in services().items():
        for port in service.get("ports", []):
            assert isinstance(port, str) and port.startswith("127.0.0.1:"), f"{name}: {port}"
            published[name] = port
    # The connector publishes its WebSub callback server, for a reverse proxy on the host.
    assert set(published) <= {"kibana", "elasticsearch", "web", "connector"}
    assert "kibana" in published


def test_kafka_lives_on_the_internal_network_only() -> None:
    doc = load_compose()
    assert doc["networks"]["backend"]["internal"] is True
    assert doc["services"]["kafka"]["networks"] == ["backend"]
    for name, service in doc["services"].items():
        assert "network_mode" not in service, name
        assert "backend" in service.get("networks", []), f"{name} cannot reach the backend"


def test_images_are_pinned() -> None:
    for name, service in services().items():
        image = service["image"]
        if is_orbitwatch(service):
            continue
        assert ":" in image.rsplit("/", 1)[-1], f"{name}: untagged image"
        assert not image.endswith(":latest"), name
    assert services()["kafka"]["image"] == "apache/kafka:3.9.1"
    version = "${ELASTIC_VERSION:-8.19.21}"
    assert services()["elasticsearch"]["image"].endswith(f"elasticsearch:{version}")
    assert services()["kibana"]["image"].endswith(f"kibana:{version}")


def test_elasticsearch_runs_with_security() -> None:
    env = services()["elasticsearch"]["environment"]
    assert env["xpack.security.enabled"] == "true"
    assert env["ELASTIC_PASSWORD"].startswith("${ELASTIC_PASSWORD:?")


# --- configuration --------------------------------------------------------------------


def test_every_orbitwatch_variable_exists_in_the_settings_model() -> None:
    known = setting_env_names()
    for name, service in services().items():
        env = service.get("environment") or {}
        assert isinstance(env, dict), f"{name}: use the map form of environment"
        ours = {key for key in env if key.upper().startswith("ORBITWATCH_")}
        unknown = sorted(ours - known)
        assert not unknown, f"{name} sets variables the settings model lacks: {unknown}"
        if is_orbitwatch(service):
            foreign = sorted(key for key in env if not key.startswith("ORBITWATCH_"))
            assert not foreign, f"{name}: orbitwatch reads only ORBITWATCH_*: {foreign}"
            assert "env_file" not in service, f"{name}: env_file would pass anything through"


def test_every_interpolated_variable_is_documented_and_vice_versa() -> None:
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    doc = load_compose()
    used = set(interpolated(text)) | passed_through(doc)
    used |= {spec["environment"] for spec in (doc.get("secrets") or {}).values()}
    documented = set(env_example())
    assert not sorted(used - documented), f"undocumented in .env.example: {used - documented}"
    assert not sorted(documented - used), f"documented but unused: {documented - used}"


def test_env_example_holds_placeholders_not_secrets() -> None:
    for name, value in env_example().items():
        if re.search(r"PASSWORD|SECRET|KEY$|TOKEN", name):
            assert "change-me" in value, f"{name} looks like a real secret: use a placeholder"


def test_required_variables_are_set_in_env_example() -> None:
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    required = {name for name, rest in interpolated(text).items() if rest.startswith(":?")}
    assert required >= {"ELASTIC_PASSWORD", "KIBANA_SYSTEM_PASSWORD", "ORBITWATCH_ES_PASSWORD"}
    uncommented = {
        m.group(1)
        for m in re.finditer(r"^([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE.read_text(), re.MULTILINE)
    }
    assert required <= uncommented


def test_setup_creates_the_user_the_services_log_in_as() -> None:
    setup = services()["setup"]
    assert setup["entrypoint"] == ["python", "-m", "deploy.compose_setup"]
    app_user = setup["command"][setup["command"].index("--app-user") + 1]
    for name, service in services().items():
        if is_orbitwatch(service) and name not in ("setup", "kibana-setup"):
            assert service["environment"]["ORBITWATCH_ES_USERNAME"] == app_user, name
    assert setup["environment"]["ORBITWATCH_ES_USERNAME"] == "elastic"
    secrets = load_compose()["secrets"]
    assert set(setup["secrets"]) == {
        compose_setup.KIBANA_SYSTEM_SECRET,
        compose_setup.APP_PASSWORD_SECRET,
    }
    assert set(setup["secrets"]) <= set(secrets)


def test_mounted_config_files_exist() -> None:
    for name, spec in (load_compose().get("configs") or {}).items():
        assert (DEPLOY / spec["file"]).is_file(), f"config {name}: {spec['file']} is missing"


# --- docker compose itself, when installed -----------------------------------------------


def compose_cli() -> list[str]:
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("docker client not installed")
    probe = subprocess.run([docker, "compose", "version"], capture_output=True, timeout=30)
    if probe.returncode != 0:
        pytest.skip("the docker compose plugin is not installed")
    return [docker, "compose"]


def run_compose(env_file: Path) -> subprocess.CompletedProcess[str]:
    # A clean environment: the shell's variables must not mask a missing one.
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(Path.home())}
    return subprocess.run(
        [*compose_cli(), "--env-file", str(env_file), "-f", str(COMPOSE_FILE), "config"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def test_docker_compose_config_accepts_the_file_with_the_example_env() -> None:
    result = run_compose(ENV_EXAMPLE)
    assert result.returncode == 0, result.stderr
    rendered = yaml.safe_load(result.stdout)
    assert rendered["services"]["worker"]["deploy"]["replicas"] == 1


def test_docker_compose_config_refuses_missing_secrets(tmp_path: Path) -> None:
    empty = tmp_path / "empty.env"
    empty.write_text("")
    result = run_compose(empty)
    assert result.returncode != 0
    assert "PASSWORD" in result.stderr
