"""Imports point one way: core <- schemas <- stages <- command line, web, deploy, benchmarks.

Read from the source (every ``import``, also inside functions), so a late import cannot
hide a cycle. The layers:

- ``orbitwatch.core``: settings, errors, client plumbing; imports nothing of the project
  outside itself;
- ``schemas``: the messages (and the indices generated from them); imports the core;
- the stages, ``connectors`` and each folder of ``streams``: import the core, ``schemas``
  and the worker runtime modules of ``streams`` (app, dead letters, shared metrics), never
  another stage;
- on top, everything else: the command line (``orbitwatch.cli`` and the modules it shows),
  ``deploy`` and ``benchmarks``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from orbitwatch.core.settings import PROJECT_ROOT

pytestmark = pytest.mark.unit

ROOT = PROJECT_ROOT
PACKAGES = ("orbitwatch", "schemas", "connectors", "streams", "deploy", "benchmarks")
# Modules of streams/ that are the worker's runtime, not a stage: every stage may use them.
STREAMS_RUNTIME = frozenset(
    {
        "streams",
        "streams.app",
        "streams.consumer",
        "streams.deadletter",
        "streams.metrics",
        "streams.publish",
        "streams.producer_metadata",
        "streams.lag_monitor",
        "streams.worker",
    }
)
LAYER_NAMES = ("core", "schemas", "stages", "top")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            found[_module_name(path)] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """Project modules ``name`` imports, resolved to the longest known module name."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            targets.add(base)
            targets.update(f"{base}.{alias.name}" for alias in node.names)
    resolved = set()
    for target in targets:
        parts = target.split(".")
        while parts and ".".join(parts) not in MODULES:
            parts.pop()
        if parts:
            resolved.add(".".join(parts))
    resolved.discard(name)
    return resolved


def layer(module: str) -> str:
    if module.startswith("orbitwatch.core"):
        return "core"
    if module.split(".")[0] == "schemas":
        return "schemas"
    if module.split(".")[0] in ("connectors", "streams"):
        return "stages"
    return "top"


def stage(module: str) -> str:
    """The stage a module belongs to: ``connectors``, ``streams.<folder>`` or the runtime."""
    parts = module.split(".")
    if parts[0] == "connectors":
        return "connectors"
    if module in STREAMS_RUNTIME or len(parts) < 2:
        return "streams runtime"
    return ".".join(parts[:2])


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def test_the_core_schemas_and_stages_import_only_downwards() -> None:
    rank = {name: index for index, name in enumerate(LAYER_NAMES)}
    upward = sorted(
        f"{module} ({layer(module)}) imports {target} ({layer(target)})"
        for module, targets in GRAPH.items()
        for target in targets
        if rank[layer(target)] > rank[layer(module)]
    )
    assert not upward, "imports that point up a layer:\n" + "\n".join(upward)


def test_stages_do_not_import_each_other() -> None:
    crossing = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        if layer(module) == "stages" and stage(module) != "streams runtime"
        for target in targets
        if layer(target) == "stages" and stage(target) not in (stage(module), "streams runtime")
    )
    assert not crossing, "stages importing another stage:\n" + "\n".join(crossing)


def test_the_streams_runtime_imports_no_stage_but_the_worker_that_wires_them() -> None:
    crossing = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        if module in STREAMS_RUNTIME and module != "streams.worker"
        for target in targets
        if layer(target) == "stages" and stage(target) != "streams runtime"
    )
    assert not crossing, "\n".join(crossing)


def _packages_graph() -> dict[str, set[str]]:
    """Top-level packages, and the core apart from the rest of ``orbitwatch``."""

    def package(module: str) -> str:
        return "orbitwatch.core" if module.startswith("orbitwatch.core") else module.split(".")[0]

    graph: dict[str, set[str]] = {}
    for module, targets in GRAPH.items():
        graph.setdefault(package(module), set()).update(
            package(t) for t in targets if package(t) != package(module)
        )
    return graph


def test_no_package_cycles() -> None:
    graph = _packages_graph()
    cycles = []
    for start in graph:
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in graph.get(node, ()):
                if nxt == start:
                    cycles.append(" -> ".join([*path, start]))
                elif nxt not in path:
                    stack.append((nxt, [*path, nxt]))
    assert not cycles, "package cycles:\n" + "\n".join(sorted(set(cycles)))


def test_the_check_sees_the_tree() -> None:
    # A layer check that reads nothing passes for nothing: make sure it reads the project.
    assert {"orbitwatch.core.settings", "schemas.article", "streams.worker"} <= MODULES.keys()
    assert "orbitwatch.core.settings" in GRAPH["streams.worker"]
    assert layer("orbitwatch.cli.main") == "top" and stage("streams.alerting.agent") == (
        "streams.alerting"
    )
