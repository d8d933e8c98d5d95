"""``orbitwatch es setup``: install templates, policy and the first indices. Idempotent.

Each step reports what it did (``created``, ``updated``, ``unchanged``, ``skipped``), so a
second run on a set-up cluster prints only ``unchanged``. The indexing worker runs the same
setup at start, so documents never land in an index created without our mapping.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from elasticsearch import AuthorizationException, BadRequestError, Elasticsearch, NotFoundError

from schemas.base import utc_now
from schemas.indices.names import IndexNames
from schemas.indices.templates import FINGERPRINT_KEY, index_templates, lifecycle_policy


@dataclass(frozen=True)
class SetupStep:
    kind: str  # ilm | ilm-policy | template | index | alias | mapping
    name: str
    outcome: str  # created | updated | unchanged | skipped
    detail: str = ""

    def __str__(self) -> str:
        text = f"{self.kind} {self.name}: {self.outcome}"
        return f"{text} ({self.detail})" if self.detail else text


def has_ilm(client: Elasticsearch) -> bool:
    """Whether the cluster offers index lifecycle management.

    Read from the nodes' modules (``x-pack-ilm``) rather than by probing ``GET
    _ilm/status``: the minimal distribution answers that with 405, which the client takes
    for a dead node and benches for a second. Without the ``monitor`` privilege to list
    modules, the probe is the fallback.
    """
    try:
        info = client.nodes.info(metric="plugins", filter_path="nodes.*.modules.name").body
    except AuthorizationException:
        response = client.options(ignore_status=(400, 404, 405)).perform_request(
            "GET", "/_ilm/status", headers={"accept": "application/json"}
        )
        return 200 <= response.meta.status < 300
    nodes = info.get("nodes", {}).values()
    return bool(nodes) and all(
        any(m.get("name") == "x-pack-ilm" for m in node.get("modules", [])) for node in nodes
    )


def setup_indices(
    client: Elasticsearch,
    names: IndexNames,
    *,
    retention_days: int | None = None,
    now: datetime | None = None,
    report: Callable[[SetupStep], None] = lambda step: None,
) -> list[SetupStep]:
    steps: list[SetupStep] = []

    def done(step: SetupStep) -> None:
        steps.append(step)
        report(step)

    policy: str | None = None
    if has_ilm(client):
        policy = names.ilm_policy
        done(_ensure_policy(client, policy, lifecycle_policy(retention_days)))
    else:
        done(SetupStep("ilm", names.ilm_policy, "skipped", "cluster has no ILM"))

    for spec in index_templates(names, lifecycle_policy=policy):
        step = _ensure_template(client, spec.name, spec.body, spec.fingerprint)
        done(step)
        if step.outcome == "updated":
            # Templates only shape new indices; additive changes go to existing ones too.
            pattern = spec.body["index_patterns"][0]
            mappings = spec.body["template"]["mappings"]
            client.indices.put_mapping(index=pattern, properties=mappings["properties"])
            done(SetupStep("mapping", pattern, "updated", "new fields added"))

    at = now or utc_now()
    for index, pattern, alias in (
        (names.events_index(at), names.events_pattern, names.events_alias),
        (names.stories_index, names.stories_pattern, names.stories_alias),
        (names.alerts_index(at), names.alerts_pattern, names.alerts_alias),
        (names.feedback_index, names.feedback_pattern, names.feedback_alias),
    ):
        done(_ensure_index(client, index))
        done(_ensure_alias(client, pattern, alias))
    return steps


def _ensure_policy(client: Elasticsearch, name: str, body: dict[str, Any]) -> SetupStep:
    try:
        current = client.ilm.get_lifecycle(name=name).body[name]["policy"]
    except NotFoundError:
        current = None
    wanted = body["policy"]["_meta"][FINGERPRINT_KEY]
    if current is not None and current.get("_meta", {}).get(FINGERPRINT_KEY) == wanted:
        return SetupStep("ilm-policy", name, "unchanged")
    client.ilm.put_lifecycle(name=name, policy=body["policy"])
    return SetupStep("ilm-policy", name, "created" if current is None else "updated")


def _ensure_template(
    client: Elasticsearch, name: str, body: dict[str, Any], fingerprint: str
) -> SetupStep:
    try:
        found = client.indices.get_index_template(name=name).body["index_templates"]
    except NotFoundError:
        found = []
    current = found[0]["index_template"] if found else None
    if current is not None and current.get("_meta", {}).get(FINGERPRINT_KEY) == fingerprint:
        return SetupStep("template", name, "unchanged")
    client.indices.put_index_template(name=name, **body)
    return SetupStep("template", name, "created" if current is None else "updated")


def _ensure_index(client: Elasticsearch, index: str) -> SetupStep:
    if client.indices.exists(index=index):
        return SetupStep("index", index, "unchanged")
    try:
        client.indices.create(index=index)  # settings, mapping and alias from the template
    except BadRequestError as exc:
        if exc.error != "resource_already_exists_exception":  # a concurrent setup won
            raise
        return SetupStep("index", index, "unchanged")
    return SetupStep("index", index, "created")


def _ensure_alias(client: Elasticsearch, pattern: str, alias: str) -> SetupStep:
    # The template gives new indices their alias; indices created before it (by hand, or
    # auto-created before the first setup) get it here, so the alias covers all of them.
    current = client.indices.get_alias(index=pattern, expand_wildcards="open").body
    lacking = sorted(index for index, info in current.items() if alias not in info["aliases"])
    if not lacking:
        return SetupStep("alias", f"{alias} -> {pattern}", "unchanged")
    client.indices.put_alias(index=lacking, name=alias)
    return SetupStep("alias", f"{alias} -> {', '.join(lacking)}", "created")
