"""``orbitwatch es status``: which indices exist, how many documents, which aliases."""

from __future__ import annotations

from dataclasses import dataclass, field

from elasticsearch import Elasticsearch, NotFoundError

from schemas.indices.names import IndexNames


@dataclass(frozen=True)
class IndexStatus:
    name: str
    health: str
    docs: int
    aliases: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ClusterStatus:
    indices: list[IndexStatus]
    templates: list[str]

    def alias_targets(self) -> dict[str, list[str]]:
        targets: dict[str, list[str]] = {}
        for index in self.indices:
            for alias in index.aliases:
                targets.setdefault(alias, []).append(index.name)
        return targets


def cluster_status(client: Elasticsearch, names: IndexNames) -> ClusterStatus:
    pattern = f"{names.prefix}-*"
    rows = client.cat.indices(index=pattern, format="json", h="index,health,docs.count").body
    try:
        alias_map = client.indices.get_alias(index=pattern).body
    except NotFoundError:
        alias_map = {}
    try:
        found = client.indices.get_index_template(name=pattern).body["index_templates"]
    except NotFoundError:
        found = []
    indices = [
        IndexStatus(
            name=row["index"],
            health=row.get("health") or "-",
            docs=int(row.get("docs.count") or 0),
            aliases=sorted(alias_map.get(row["index"], {}).get("aliases", {})),
        )
        for row in sorted(rows, key=lambda r: r["index"])
    ]
    return ClusterStatus(indices=indices, templates=sorted(t["name"] for t in found))
