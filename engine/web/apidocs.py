"""The API reference page (``/docs``), drawn from the app's own OpenAPI document: no script and
nothing from another site (the usual Swagger UI loads both from a CDN)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Param:
    name: str
    where: str
    required: bool
    type: str
    default: Any
    description: str


@dataclass
class Operation:
    method: str
    path: str
    summary: str
    description: str
    tag: str
    params: list[Param] = field(default_factory=list)
    bodies: list[str] = field(default_factory=list)
    responses: list[tuple[str, str]] = field(default_factory=list)


def _type(schema: dict[str, Any]) -> str:
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"])
    if "anyOf" in schema:
        return " | ".join(_type(s) for s in schema["anyOf"])
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    return str(schema.get("type", "any"))


def operations(spec: dict[str, Any]) -> list[Operation]:
    """Every operation of the document, in path order."""
    out = []
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            params = [
                Param(p["name"], p["in"], p.get("required", False), _type(p.get("schema", {})), p.get("schema", {}).get("default"), p.get("description", ""))
                for p in op.get("parameters", [])
            ]
            body = op.get("requestBody", {}).get("content", {})
            bodies = [f"{ctype}: {_type(c.get('schema', {}))}" for ctype, c in body.items()]
            responses = [(code, r.get("description", "")) for code, r in op.get("responses", {}).items()]
            out.append(Operation(method.upper(), path, op.get("summary", ""), op.get("description", ""), (op.get("tags") or ["server"])[0], params, bodies, responses))
    return out
