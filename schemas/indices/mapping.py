"""Elasticsearch mappings generated from the pydantic document models.

Each model field becomes one mapped field under its serialized name (``@timestamp``):

- ``str``, enums and string literals -> ``keyword`` (exact facets: actors, severity, ids);
  fields marked :class:`schemas.documents.FullText` (or named in ``text_fields``) -> ``text``
  with a ``.keyword`` sub-field, because the minimal server has only the standard analyzer
  and people search titles by words but sort and aggregate them exactly;
- ``datetime`` -> ``date``, ``bool`` -> ``boolean``, ``int`` -> ``long``, ``float`` ->
  ``float``; ``list[X]`` and ``X | None`` map like ``X``;
- a nested model -> ``object`` with its own properties. Objects, not ``nested``: every query
  we need (``evidence.value:RU``) works on flattened objects, and Kibana's KQL handles them
  without nested syntax.

Mappings are ``dynamic: false``: a field the model does not know is kept in ``_source`` but
not indexed, so a newer producer never gets its documents rejected by an older index.
"""

from __future__ import annotations

import types
from collections.abc import Collection
from datetime import datetime
from enum import Enum
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from schemas.documents import FullText, SearchTokens

KEYWORD: dict[str, Any] = {"type": "keyword", "ignore_above": 1024}
TEXT_WITH_KEYWORD: dict[str, Any] = {
    "type": "text",
    "fields": {"keyword": {"type": "keyword", "ignore_above": 512}},
}
# Tokens as written: no lowercasing or splitting of CJK bigrams into characters.
SEARCH_TOKENS: dict[str, Any] = {"type": "text", "analyzer": "whitespace"}


def mapping_for(model: type[BaseModel], text_fields: Collection[str] = ()) -> dict[str, Any]:
    """The ``mappings`` body for an index holding ``model`` documents."""
    return {"dynamic": "false", "properties": properties_for(model, text_fields)}


def properties_for(model: type[BaseModel], text_fields: Collection[str] = ()) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        field_name = info.serialization_alias or info.alias or name
        full_text = name in text_fields or any(isinstance(m, FullText) for m in info.metadata)
        properties[field_name] = (
            dict(TEXT_WITH_KEYWORD) if full_text else field_mapping(info.annotation)
        )
    for name, computed in model.model_computed_fields.items():
        properties[computed.alias or name] = field_mapping(computed.return_type)
    return properties


def field_mapping(annotation: Any) -> dict[str, Any]:
    """The mapping of one Python type (see the module docstring for the rules)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        base, *markers = get_args(annotation)
        if any(isinstance(m, FullText) for m in markers):
            return dict(TEXT_WITH_KEYWORD)
        if any(isinstance(m, SearchTokens) for m in markers):
            return dict(SEARCH_TOKENS)
        return field_mapping(base)
    if origin in (Union, types.UnionType):
        options = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(options) != 1:
            raise TypeError(f"cannot map a union of several types: {annotation!r}")
        return field_mapping(options[0])
    if origin in (list, tuple, set, frozenset):
        (item,) = {arg for arg in get_args(annotation) if arg is not Ellipsis}
        return field_mapping(item)
    if origin is Literal:
        kinds = {type(value) for value in get_args(annotation)}
        if kinds == {int}:
            return {"type": "integer"}
        if kinds == {str}:
            return dict(KEYWORD)
        raise TypeError(f"cannot map a literal of mixed types: {annotation!r}")
    if isinstance(annotation, type):
        if issubclass(annotation, BaseModel):
            return {"properties": properties_for(annotation)}
        if issubclass(annotation, bool):
            return {"type": "boolean"}
        if issubclass(annotation, (Enum, str)):
            return dict(KEYWORD)
        if issubclass(annotation, int):
            return {"type": "long"}
        if issubclass(annotation, float):
            return {"type": "float"}
        if issubclass(annotation, datetime):
            return {"type": "date"}
    raise TypeError(f"no Elasticsearch mapping for {annotation!r}")
