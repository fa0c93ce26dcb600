"""``podnet schema --kinds``: every observation kind documented from its model
(:mod:`podnet.facts.describe`) and from the knowledge: where it is observed (vantage points of
``kb/observations.yaml``) and an example (``kb/observation_examples.yaml``)."""

from __future__ import annotations

from typing import Any

from ..facts.describe import describe_kind, type_name
from ..facts.observations import OBSERVATION_MODELS, Observation
from .examples import observation_examples
from .load import load_kb

__all__ = ["describe_kinds"]


def describe_kinds() -> dict[str, Any]:
    """Every observation kind (see the module docstring), and the fields they all share."""
    kb = load_kb()
    examples = observation_examples()
    base = Observation.model_json_schema(mode="validation").get("properties", {})
    common = {name: {"type": type_name(p), **({"description": p["description"]} if p.get("description") else {})} for name, p in base.items()}
    kinds = {}
    for kind in OBSERVATION_MODELS:
        meta = kb.observation_kinds.get(kind)
        how = {at: h.command for at, h in meta.how.items()} if meta else None
        kinds[kind] = describe_kind(kind, how, examples.get(kind))
    return {"common": common, "kinds": kinds}
