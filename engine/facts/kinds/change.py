"""What changed shortly before the failure began."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

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
