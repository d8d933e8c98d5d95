"""JSON Schema files generated from the message models, for consumers outside Python.

``schemas/json/<Model>.schema.json`` is committed; ``orbitwatch schemas export`` rewrites
the files and ``orbitwatch schemas export --check`` (and a unit test) fail when they no
longer match the models. The schemas describe messages as the pipeline *writes* them
(pydantic's serialization mode), which is what a consumer reads off Kafka.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from orbitwatch.core import generated
from schemas.alert import Alert
from schemas.article import Article
from schemas.base import Message
from schemas.classification import Classification, ClassifiedEvent
from schemas.delivery import Delivery
from schemas.feed_state import FeedState
from schemas.feedback import Verdict
from schemas.silence import Silence

SCHEMA_DIR = Path(__file__).resolve().parent / "json"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def exported_models() -> list[type[Message]]:
    """The models whose schemas are published, in a stable order."""
    return [
        Article,
        FeedState,
        Classification,
        ClassifiedEvent,
        Alert,
        Silence,
        Verdict,
        Delivery,
    ]


def schema_path(model: type[Message], directory: Path = SCHEMA_DIR) -> Path:
    return directory / f"{model.__name__}.schema.json"


def schema_for(model: type[Message]) -> dict[str, Any]:
    schema = model.model_json_schema(mode="serialization")
    return {"$schema": JSON_SCHEMA_DIALECT, **schema}


def render(model: type[Message]) -> str:
    """The exact file content: stable key order, so a diff means the model changed."""
    return json.dumps(schema_for(model), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def rendered_files(directory: Path = SCHEMA_DIR) -> dict[Path, str]:
    return {schema_path(model, directory): render(model) for model in exported_models()}


def export_schemas(directory: Path = SCHEMA_DIR) -> list[Path]:
    """Write every schema file; returns the files whose content changed."""
    return generated.write_all(rendered_files(directory))


def drifted_files(directory: Path = SCHEMA_DIR) -> list[Path]:
    """Schema files that are missing or differ from what the models generate now."""
    return generated.drifted(rendered_files(directory))
