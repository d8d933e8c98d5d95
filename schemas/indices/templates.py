"""The composable index templates and the lifecycle policy, as Elasticsearch request bodies.

``deploy/elasticsearch/*.json`` holds them rendered for the default prefix, for people and
tools outside Python; ``orbitwatch es export`` rewrites the files and a unit test fails when
they no longer match the models (like ``schemas/json``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orbitwatch.core import generated
from orbitwatch.core.settings import PROJECT_ROOT
from schemas.alert import Alert
from schemas.documents import EventDocument, StoryDocument
from schemas.feedback import Verdict
from schemas.indices.mapping import mapping_for
from schemas.indices.names import IndexNames

DEPLOY_DIR = PROJECT_ROOT / "deploy" / "elasticsearch"
DEFAULT_PREFIX = "orbitwatch"
# Above the built-in templates (priority 100, e.g. logs-*-*) so ours win on our names.
TEMPLATE_PRIORITY = 200
FINGERPRINT_KEY = "orbitwatch_fingerprint"
# Alert text people search by words; the rest of the alert maps by type like any model.
ALERT_TEXT_FIELDS = ("title", "titles", "rule_description")
VERDICT_TEXT_FIELDS = ("title", "text", "note")


@dataclass(frozen=True)
class TemplateSpec:
    """One index template: its name and the body ``PUT _index_template/<name>`` takes."""

    kind: str  # events | stories | alerts | feedback
    name: str
    body: dict[str, Any]

    @property
    def fingerprint(self) -> str:
        return self.body["_meta"][FINGERPRINT_KEY]


def _template(
    names: IndexNames,
    kind: str,
    pattern: str,
    alias: str,
    mappings: dict[str, Any],
    model: str,
    lifecycle_policy: str | None,
) -> TemplateSpec:
    settings: dict[str, Any] = {"number_of_shards": 1}
    if lifecycle_policy:
        settings["index.lifecycle.name"] = lifecycle_policy
    body: dict[str, Any] = {
        "index_patterns": [pattern],
        "priority": TEMPLATE_PRIORITY,
        "template": {"settings": settings, "mappings": mappings, "aliases": {alias: {}}},
        "_meta": {"managed_by": "orbitwatch", "document_model": model},
    }
    # ``es setup`` compares fingerprints instead of the stored template, which Elasticsearch
    # hands back normalized (settings as strings, flattened keys) and so never equal.
    body["_meta"][FINGERPRINT_KEY] = _fingerprint(body)
    return TemplateSpec(kind, names.template(kind), body)


def index_templates(names: IndexNames, lifecycle_policy: str | None = None) -> list[TemplateSpec]:
    """Events, stories, alerts and feedback templates. The policy applies to event indices only."""
    return [
        _template(
            names,
            "events",
            names.events_pattern,
            names.events_alias,
            mapping_for(EventDocument),
            "schemas.documents.EventDocument",
            lifecycle_policy,
        ),
        _template(
            names,
            "stories",
            names.stories_pattern,
            names.stories_alias,
            mapping_for(StoryDocument),
            "schemas.documents.StoryDocument",
            None,
        ),
        _template(
            names,
            "alerts",
            names.alerts_pattern,
            names.alerts_alias,
            mapping_for(Alert, text_fields=ALERT_TEXT_FIELDS),
            "schemas.alert.Alert",
            None,
        ),
        _template(
            names,
            "feedback",
            names.feedback_pattern,
            names.feedback_alias,
            mapping_for(Verdict, text_fields=VERDICT_TEXT_FIELDS),
            "schemas.feedback.Verdict",
            None,
        ),
    ]


def lifecycle_policy(retention_days: int | None) -> dict[str, Any]:
    """ILM policy for event indices (only installed where the cluster has ILM).

    Monthly indices stop receiving writes soon after their month ends (late articles aside),
    so they are made read-only and merged after 45 days; deleted only if a retention is set.
    """
    phases: dict[str, Any] = {
        "hot": {"min_age": "0ms", "actions": {}},
        "warm": {
            "min_age": "45d",
            "actions": {"readonly": {}, "forcemerge": {"max_num_segments": 1}},
        },
    }
    if retention_days is not None:
        phases["delete"] = {"min_age": f"{retention_days}d", "actions": {"delete": {}}}
    policy: dict[str, Any] = {"phases": phases, "_meta": {"managed_by": "orbitwatch"}}
    policy["_meta"][FINGERPRINT_KEY] = _fingerprint(policy)
    return {"policy": policy}


def _fingerprint(body: dict[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


# -- the committed files ----------------------------------------------------------------------


def rendered_files() -> dict[str, str]:
    """File name -> exact content, for the default prefix without a lifecycle policy."""
    names = IndexNames(DEFAULT_PREFIX)
    files = {f"{spec.kind}-template.json": _render(spec.body) for spec in index_templates(names)}
    files["events-ilm-policy.json"] = _render(lifecycle_policy(retention_days=None))
    return files


def _render(body: dict[str, Any]) -> str:
    return json.dumps(body, indent=2, sort_keys=True) + "\n"


def export_files(directory: Path = DEPLOY_DIR) -> list[Path]:
    """Write the files; returns those whose content changed."""
    return generated.write_all(deploy_files(directory))


def drifted_files(directory: Path = DEPLOY_DIR) -> list[Path]:
    return generated.drifted(deploy_files(directory))


def deploy_files(directory: Path = DEPLOY_DIR) -> dict[Path, str]:
    """Each file's path in ``directory`` and its content."""
    return {directory / name: content for name, content in rendered_files().items()}
