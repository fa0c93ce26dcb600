"""What changed shortly before the failure began."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import re

from pydantic import Field, computed_field

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


_NETWORK_POLICY = re.compile(r"network\s*-?\s*polic(y|ies)|\bnetpol\b", re.I)
