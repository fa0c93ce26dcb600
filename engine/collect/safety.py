"""The lab-safety check made before any probe sends a packet."""

from __future__ import annotations

import ipaddress

from ..errors import UsageError
from .netns import in_initial_netns
from .targets import LAB_RANGE


def check_may_send(ip: str) -> None:
    """Refuse to send to the lab range (198.18.0.0/15) from the machine's own network namespace.

    Lab addresses exist only inside the lab's namespaces; from the root namespace such a packet
    would leave the machine by its default route."""
    if ipaddress.ip_address(ip) in LAB_RANGE and in_initial_netns():
        raise UsageError(
            f"refusing to probe {ip} (198.18.0.0/15, the lab range) from the machine's own network namespace;"
            " use --netns or --pid to probe from inside the lab",
            location="--to",
        )
