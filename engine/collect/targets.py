"""What to probe: targets (``IP[:PORT]``), names, the case's address ranges, and time limits."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from ..errors import UsageError

LAB_RANGE = ipaddress.ip_network("198.18.0.0/15")
"""RFC 2544 benchmark range used by podnet's lab: only ever probed from inside a namespace."""


@dataclass(frozen=True)
class Target:
    ip: str
    port: int | None = None

    def __str__(self) -> str:
        return self.ip if self.port is None else f"{self.ip}:{self.port}"


def parse_target(text: str, where: str = "--to") -> Target:
    """``IP`` or ``IP:PORT`` (IPv4; ``[v6]:port`` for IPv6)."""
    raw = text.strip()
    host, port = raw, None
    if raw.startswith("["):
        host, _, rest = raw[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else None
    elif raw.count(":") == 1:
        host, port = raw.split(":")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise UsageError(f"{text!r} is not an IP address or IP:PORT", location=where) from None
    if port is None:
        return Target(host)
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise UsageError(f"{text!r}: port must be 1-65535", location=where)
    return Target(host, int(port))


def in_net(ip: str, cidr: str | None) -> bool:
    return bool(cidr) and ipaddress.ip_address(ip) in ipaddress.ip_network(cidr, strict=False)  # type: ignore[arg-type]


@dataclass
class Plan:
    """Everything a collection run needs besides the vantage points."""

    targets: list[Target]
    names: list[str] = field(default_factory=list)
    dns_servers: list[str] = field(default_factory=list)
    backends: list[Target] = field(default_factory=list)
    service_cidr: str | None = None
    pod_cidr: str | None = None
    cluster_dns: str | None = None
    timeout: float = 3.0
    ping_count: int = 20
    case_id: str | None = None

    @property
    def destination(self) -> Target | None:
        return self.targets[0] if self.targets else None

    def is_service_ip(self, ip: str) -> bool:
        return in_net(ip, self.service_cidr) or ip == self.cluster_dns
