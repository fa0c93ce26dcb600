"""One example observation per kind (``kb/observation_examples.yaml``), for ``podnet schema --example``.

The examples are data: each is validated against its kind when read, so a schema change that
breaks one fails where it is written.
"""

from __future__ import annotations

import functools
from typing import Any

from ..errors import FactFileError, KnowledgeError

ORIGIN = "kb/observation_examples.yaml"


@functools.lru_cache(maxsize=1)
def observation_examples() -> dict[str, dict[str, Any]]:
    """Kind -> an example observation (as JSON data), each checked against its model."""
    from ..facts.load import validate_observation
    from .load import _kb_root, read_yaml

    doc = read_yaml(_kb_root() / "observation_examples.yaml", ORIGIN)
    examples = doc.get("examples") if isinstance(doc, dict) else None
    if not isinstance(examples, dict):
        raise KnowledgeError("expected a mapping under 'examples'", location=ORIGIN, code="E-KB-SCHEMA")
    out: dict[str, dict[str, Any]] = {}
    for i, (kind, data) in enumerate(examples.items()):
        if not isinstance(data, dict) or data.get("kind") != kind:
            raise KnowledgeError(f"the example of {kind!r} must be an observation of that kind", location=f"{ORIGIN}: examples.{kind}", code="E-KB-SCHEMA")
        try:
            validate_observation(data, i, ORIGIN)
        except FactFileError as exc:
            raise KnowledgeError(exc.message, location=f"{ORIGIN}: examples.{kind}", code="E-KB-SCHEMA") from None
        out[kind] = data
    return out
