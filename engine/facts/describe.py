"""Documentation of the observation kinds, from their models.

``podnet schema --kinds`` prints :func:`podnet.knowledge.kind_docs.describe_kinds`, which adds the
knowledge's part to :func:`describe_kind`: for every kind its description, its
fields (type, description, whether required), the fields derived from the others (``outcome``,
``oversized``...) that rules can read too, where it is observed (vantage points of
``kb/observations.yaml``) and an example (``kb/observation_examples.yaml``).
"""

from __future__ import annotations

import inspect
from typing import Any

from .observations import OBSERVATION_MODELS, Observation

COMMON_FIELDS = ("kind", "id", "at", "host", "note", "source_line")
"""Fields every kind has (documented once, under ``common``)."""


def _summary(model: type[Observation]) -> str:
    doc = inspect.getdoc(model) or ""
    return " ".join(doc.split("\n\n")[0].split())


def type_name(prop: dict[str, Any]) -> str:
    """A short type name from a JSON Schema property: ``str``, ``int | null``, ``ok | failed``..."""
    if "enum" in prop:
        return " | ".join(str(v) for v in prop["enum"])
    if "const" in prop:
        return str(prop["const"])
    if "anyOf" in prop:
        return " | ".join(type_name(p) for p in prop["anyOf"])
    if prop.get("type") == "array":
        return f"list[{type_name(prop.get('items', {}))}]"
    if "$ref" in prop:
        return prop["$ref"].rsplit("/", 1)[-1]
    return {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "null": "null"}.get(prop.get("type", ""), "any")


def describe_kind(kind: str, how: dict[str, Any] | None = None, example: dict[str, Any] | None = None) -> dict[str, Any]:
    """One kind: description, fields, derived fields, vantage points, example."""
    model = OBSERVATION_MODELS[kind]
    schema = model.model_json_schema(mode="validation")
    required = set(schema.get("required", ()))
    props = schema.get("properties", {})
    fields = {
        name: {
            "type": type_name(prop),
            **({"required": True} if name in required else {}),
            **({"description": prop["description"]} if prop.get("description") else {}),
        }
        for name, prop in props.items()
        if name not in COMMON_FIELDS
    }
    derived = {}
    for name, info in model.model_computed_fields.items():
        fget = getattr(info.wrapped_property, "fget", None)
        doc = inspect.getdoc(fget) if fget else None
        derived[name] = " ".join(doc.split()) if doc else ""
    out: dict[str, Any] = {"description": _summary(model), "fields": fields}
    if derived:
        out["derived"] = derived
    if how:
        out["observed_at"] = how
    if example:
        out["example"] = example
    return out
