"""Addresses and networks: the one "is this address inside that network" of the package."""

from __future__ import annotations

import ipaddress

__all__ = ["ip_in"]


def ip_in(ip: str | None, cidr: str | None) -> bool:
    """The address lies in the network (host bits of ``cidr`` ignored); False when either is
    missing or malformed, or when they are of different IP versions."""
    if not ip or not cidr:
        return False
    try:
        return ipaddress.ip_address(ip) in ipaddress.ip_network(cidr, strict=False)
    except (ValueError, TypeError):
        return False
