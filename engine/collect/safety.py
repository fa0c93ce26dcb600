"""The lab-safety check made before any probe sends a packet, on normalised addresses.

An IPv4 address can hide inside an IPv6 one: IPv4-mapped ``::ffff:198.18.0.5`` (the kernel sends
it as IPv4 from a dual-stack socket), IPv4-compatible ``::198.18.0.5``, IPv4-translated
``::ffff:0:198.18.0.5``, 6to4 ``2002:c612:0005::``, Teredo, NAT64 ``64:ff9b::198.18.0.5`` and
ISATAP. Every check therefore looks at the address itself *and* at every IPv4 address embedded
in it, so a range refused in its plain form is refused in all of them.
"""

from __future__ import annotations

import ipaddress
from typing import Union

from ..errors import UsageError
from .netns import in_initial_netns

LAB_RANGE = ipaddress.ip_network("198.18.0.0/15")
"""RFC 2544 benchmark range used by podnet's lab: only ever probed from inside a namespace."""

IPAddress = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]

_COMPATIBLE = ipaddress.ip_network("::/96")
_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")  # ::ffff:0:a.b.c.d
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


def embedded_ipv4(addr: IPAddress) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries (none for an IPv4 address or a plain IPv6 one)."""
    if isinstance(addr, ipaddress.IPv4Address):
        return []
    low32 = ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
    out: list[ipaddress.IPv4Address] = []
    if addr.ipv4_mapped is not None:
        out.append(addr.ipv4_mapped)
    if addr.sixtofour is not None:
        out.append(addr.sixtofour)
    if addr.teredo is not None:
        out.extend(addr.teredo)  # (server, client)
    if addr in _COMPATIBLE and int(addr) > 1:  # not :: and ::1
        out.append(low32)
    if addr in _TRANSLATED or any(addr in net for net in _NAT64):
        out.append(low32)
    if (int(addr) >> 32) & 0xFDFFFFFF == 0x5EFE:  # ISATAP interface id ::0:5efe:a.b.c.d / ::200:5efe:...
        out.append(low32)
    return list(dict.fromkeys(out))


def normalise(text: str) -> str:
    """The canonical text of an address; an IPv4-mapped IPv6 address becomes its IPv4 address.

    Only the mapped form is rewritten: the socket layer sends it as IPv4 to that IPv4 address.
    The other forms are real IPv6 destinations (a relay or translator) and stay as they are."""
    addr = ipaddress.ip_address(text)
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return str(addr.ipv4_mapped)
    return str(addr)


def all_forms(text: str) -> list[IPAddress]:
    """The address and every IPv4 address embedded in it."""
    addr = ipaddress.ip_address(text)
    return [addr, *embedded_ipv4(addr)]


def in_lab_range(text: str) -> bool:
    """True when the address, or an IPv4 address hidden in it, is in 198.18.0.0/15."""
    return any(a in LAB_RANGE for a in all_forms(text))


def is_loopback(text: str) -> bool:
    """True when the address, or an IPv4 address hidden in it, is a loopback address."""
    return any(a.is_loopback for a in all_forms(text))


def check_may_send(ip: str, location: str = "--to") -> None:
    """Refuse to send to the lab range (198.18.0.0/15) from the machine's own network namespace.

    Lab addresses exist only inside the lab's namespaces; from the root namespace such a packet
    would leave the machine by its default route. The address is checked in every form that
    carries an IPv4 address (see the module docstring)."""
    if in_lab_range(ip) and in_initial_netns():
        hidden = [str(a) for a in embedded_ipv4(ipaddress.ip_address(ip)) if a in LAB_RANGE]
        shown = f"{ip} (which carries {hidden[0]})" if hidden else ip
        raise UsageError(
            f"refusing to probe {shown} (198.18.0.0/15, the lab range) from the machine's own network namespace;"
            " use --netns or --pid to probe from inside the lab",
            location=location,
        )
