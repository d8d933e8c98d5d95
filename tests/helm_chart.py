"""The Helm chart (deploy/helm/orbitwatch) rendered by a real ``helm``, for the chart tests.

``helm`` is built from the Go module proxy by ``deploy/helm/install-helm.sh`` into
``.tools/bin`` (``.ci/run`` does it before the tests). Without it the chart tests skip with
that reason, except under CI (``CI=true``), where a missing helm is a failure: the chart
must be checked there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from orbitwatch.core.settings import PROJECT_ROOT

CHART = PROJECT_ROOT / "deploy" / "helm" / "orbitwatch"
EXAMPLES = PROJECT_ROOT / "deploy" / "helm" / "examples"
INSTALL_SCRIPT = PROJECT_ROOT / "deploy" / "helm" / "install-helm.sh"
TOOLS_HELM = PROJECT_ROOT / ".tools" / "bin" / "helm"
# The Kubernetes version the chart is rendered for and validated against (one that
# kubernetes-validate ships schemas for), and the oldest the chart supports (Chart.yaml's
# kubeVersion), validated too.
KUBERNETES_VERSION = "1.33.0"
OLDEST_KUBERNETES_VERSION = "1.29.0"
RELEASE = "ow"
WORKLOAD_KINDS = ("Deployment", "Job")

Manifest = dict[str, Any]


def example_values() -> list[Path]:
    return sorted(EXAMPLES.glob("*-values.yaml"))


def helm_binary() -> str:
    found = str(TOOLS_HELM) if TOOLS_HELM.is_file() else shutil.which("helm")
    if found:
        return found
    reason = f"helm is not built: run {INSTALL_SCRIPT.relative_to(PROJECT_ROOT)} (needs Go)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI must check the chart (.ci/run builds helm)", pytrace=False)
    pytest.skip(reason)


def run_helm(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [helm_binary(), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        # No user-level repositories, plugins or caches of whoever runs the tests.
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(PROJECT_ROOT / ".tools"),
            "HELM_CACHE_HOME": str(PROJECT_ROOT / ".tools" / "helm-cache"),
            "HELM_CONFIG_HOME": str(PROJECT_ROOT / ".tools" / "helm-config"),
            "HELM_DATA_HOME": str(PROJECT_ROOT / ".tools" / "helm-data"),
        },
    )


def template_args(values: list[Path], sets: dict[str, str]) -> list[str]:
    args = ["template", RELEASE, str(CHART), "--kube-version", KUBERNETES_VERSION]
    for path in values:
        args += ["-f", str(path)]
    for key, value in sets.items():
        args += ["--set", f"{key}={value}"]
    return args


def render(values: list[Path] | None = None, sets: dict[str, str] | None = None) -> list[Manifest]:
    """Every manifest ``helm template`` renders (hooks included), or fail with helm's error."""
    result = run_helm(*template_args(values or [], sets or {}))
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def render_error(sets: dict[str, str]) -> str:
    """helm's error for values it must refuse."""
    result = run_helm(*template_args([], sets))
    assert result.returncode != 0, f"helm rendered {sets} without complaint"
    return result.stderr


@dataclass(frozen=True)
class Workload:
    """One orbitwatch service of the chart: a Deployment or a Job, by component label."""

    component: str
    manifest: Manifest

    @property
    def pod(self) -> Manifest:
        spec: Manifest = self.manifest["spec"]["template"]["spec"]
        return spec

    @property
    def container(self) -> Manifest:
        containers: list[Manifest] = self.pod["containers"]
        assert len(containers) == 1, self.component
        return containers[0]

    def env_names(self) -> set[str]:
        return {entry["name"] for entry in self.container.get("env", [])}

    def port(self, name_or_number: str | int) -> int:
        if isinstance(name_or_number, int):
            return name_or_number
        for port in self.container.get("ports", []):
            if port["name"] == name_or_number:
                return int(port["containerPort"])
        raise AssertionError(f"{self.component}: no container port named {name_or_number}")


def workloads(manifests: list[Manifest]) -> dict[str, Workload]:
    found = {}
    for manifest in manifests:
        if manifest["kind"] in WORKLOAD_KINDS:
            component = manifest["metadata"]["labels"]["app.kubernetes.io/component"]
            assert component not in found, f"two workloads for {component}"
            found[component] = Workload(component, manifest)
    return found
