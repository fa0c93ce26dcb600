"""What changed shortly before the failure began, and what a change tried against it did."""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import Field, computed_field, field_validator

from ..base import Observation
from ..values import ShortText, Text


class RecentChange(Observation):
    """A change before the failure: an upgrade, a package change, a reboot, a configuration edit."""

    kind: Literal["recent_change"]
    change: Literal[
        "upgrade", "os_upgrade", "kernel", "package", "reboot", "config_edit", "cni_change", "firewall", "network", "node_added", "other"
    ]
    component: ShortText | None = Field(None, description="What changed: kubernetes, flannel, docker, kernel, firewalld, systemd-resolved...")
    when: datetime | None = Field(None, description="When, ISO 8601 (e.g. 2024-05-02T10:00:00Z).")
    before_failure: bool | None = Field(None, description="The failure started right after it.")
    description: Text | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def network_policy_change(self) -> bool | None:
        """The change named a NetworkPolicy (component or description); None when neither is given."""
        text = " ".join(t for t in (self.component, self.description) if t)
        return None if not text else bool(_NETWORK_POLICY.search(text))


    @computed_field  # type: ignore[prop-decorator]
    @property
    def docker_forward_drop(self) -> bool | None:
        """The change installed Docker 1.13 or later (17.03 on: ``docker-ce``), whose daemon sets the
        iptables FORWARD policy to DROP (moby/moby#28257); None when it names no Docker version."""
        text = " ".join(t for t in (self.component, self.description) if t)
        versions = [(int(a), int(b)) for a, b in _DOCKER_VERSION.findall(text)]
        if not versions:
            return None
        newest = max(versions)
        return newest >= (1, 13)


_DOCKER_VERSION = re.compile(r"\bdocker(?:-ce|-engine|\.io)?\b[^0-9\n]{0,40}?v?(\d{1,2})\.(\d{1,2})(?:\.\d+)?\b", re.I)
"""A Docker version named after the word docker (``docker 1.13.0``, ``docker-ce to 18.09``)."""

_NETWORK_POLICY = re.compile(r"network\s*-?\s*polic(y|ies)|\bnetpol\b", re.I)


@cache
def workaround_changes() -> tuple[str, ...]:
    """The ids of ``kb/workarounds.yaml``: the changes a ``workaround`` observation may name (data,
    read as a file: the fact model imports nothing of the knowledge)."""
    import yaml  # only when a workaround is read: start-up loads no YAML library

    text = resources.files("podnet.kb").joinpath("workarounds.yaml").read_text(encoding="utf-8")
    return tuple(entry["id"] for entry in yaml.safe_load(text)["changes"])


class Workaround(Observation):
    """A change tried to get around the failure, and its effect: "turning tx-checksum-ip-generic off on
    flannel.1 makes traffic work until reboot", "modprobe br_netfilter fixed it"."""

    kind: Literal["workaround"]
    change: ShortText = Field(description="What was changed: an id of kb/workarounds.yaml (tunnel_checksum_offload_off, br_netfilter_loaded, mtu_lowered...).")
    effect: Literal["fixed", "partly", "no_effect"] = Field(description="fixed: the failure went away; partly: some of it; no_effect: nothing changed.")
    interface: ShortText | None = Field(None, description="The device changed, when the change is to one (flannel.1, eth0).")
    description: Text | None = Field(None, description="What was done and seen, in the person's words (\"works until the next reboot\").")

    @field_validator("change")
    @classmethod
    def _known_change(cls, value: str) -> str:
        known = workaround_changes()
        if value not in known:
            raise ValueError(f"not a change of kb/workarounds.yaml; one of: {', '.join(known)}")  # the value is not echoed (it may be a payload)
        return value
