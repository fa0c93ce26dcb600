"""The facts rules can match: observation kinds, and the derived/context facts around them."""

from __future__ import annotations

from ..facts.model import Cluster, Destination, Source
from ..facts.observations import OBSERVATION_MODELS
from .conditions import FieldType, model_fields

CONTEXT_KINDS = ("symptom", "finding", "source", "destination", "cluster", "path_suspect")
"""Fact kinds that are not observations: derived by rules, or taken from the case."""


def rule_fact_schema(symptom_ids: list[str], finding_ids: list[str], cause_ids: list[str] | None = None) -> dict[str, dict[str, FieldType]]:
    """Fact kind -> field -> type, as rules see them."""
    schema: dict[str, dict[str, FieldType]] = {}
    for kind, model in OBSERVATION_MODELS.items():
        schema[kind] = model_fields(model, skip=("kind", "id", "note", "source_line"))
    schema["symptom"] = {"class": FieldType("enum", tuple(symptom_ids))}
    schema["finding"] = {"name": FieldType("enum", tuple(finding_ids))}
    schema["source"] = model_fields(Source)
    schema["destination"] = {
        **model_fields(Destination, skip=("backends",)),
        "backend_count": FieldType("number"),
        # the flow targets a host (a node or external destination, or a Service backend that is a node address)
        # at an address inside the Pod or Service CIDR (podnet.reasoning.engine)
        "in_cluster_range": FieldType("bool"),
        # the source Pod is one of the Service's backends: it reaches itself (podnet.reasoning.engine)
        "source_is_backend": FieldType("bool"),
        # the source Pod is the destination Pod, or one of the Service's backends (podnet.reasoning.engine)
        "source_is_destination": FieldType("bool"),
    }
    schema["cluster"] = model_fields(Cluster, skip=("nodes",))
    # one per cause the packet-path reading (podnet.path.localize) names for the failing segment
    schema["path_suspect"] = {
        "cause": FieldType("enum", tuple(cause_ids or ())) if cause_ids else FieldType("str"),
        "rank": FieldType("number"),
        "segment": FieldType("str"),
        "direction": FieldType("enum", ("request", "reply")),
        "hop_role": FieldType("enum", ("pod", "veth", "bridge", "tunnel", "host_nic", "loopback", "other")),
    }
    return schema
