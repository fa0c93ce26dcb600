"""The base every observation kind builds on: where it was taken, on which host, with an optional id.

Kept apart from :mod:`podnet.facts.observations` so that the kinds of :mod:`podnet.facts.kinds`
and the guide's kinds import the same base without a cycle.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .values import HostStr, ShortText, Text

Vantage = Literal[
    "source_pod",
    "source_node",
    "destination_pod",
    "destination_node",
    "other_pod",
    "other_node",
    "control_plane",
]
"""Where an observation was taken, relative to the failing connection."""

TargetRole = Literal["destination", "backend", "destination_node", "source_node", "dns_service", "other"]
"""What a probed address is in this case (filled in from the endpoints)."""

HopRole = Literal["pod", "veth", "bridge", "tunnel", "host_nic", "loopback", "other"]
"""The role of an interface on the packet path (pod eth0, veth, cni0/docker0, flannel.1, eth0...)."""


class Observation(BaseModel):
    """Fields every observation has."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    id: ShortText | None = Field(None, description="Optional stable id used in explanations.")
    at: Vantage = Field(description="Where the observation was taken.")
    host: HostStr | None = Field(None, description="Name (or address) of the pod or node it was taken on.")
    note: Text | None = Field(None, description="Free text on one line, e.g. the command that was run.")
    source_line: Text | None = Field(
        None, description="Where `podnet ingest` read it: FILE:LINE of the raw input (evidence points there instead of a JSON path)."
    )
