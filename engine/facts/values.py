"""Kinds of values in a fact file, checked at the schema.

Values from a fact file end up in commands that support staff paste into root shells, and in
reports. Quoting (:mod:`podnet.knowledge.templates`) keeps each value one shell word; these types
make sure the word is what its field says it is, so a value can neither become an option of the
program it is passed to (``--server=https://...`` as a node name) nor carry text that a program
parses further (a zone id ``fe80::1%$(touch x)``, ``a,b`` in a field selector).

A value that fails is a located ``E-FACTS-SCHEMA`` error (exit 2). The messages never repeat the
value: it may hold control characters or an attack, and errors are printed on one line.

* :data:`IPAddressStr` — a plain IPv4 or IPv6 address; an IPv6 zone id (``fe80::1%eth0``) only
  with interface-name characters.
* :data:`IPInterfaceStr` / :data:`IPNetworkStr` — ``address/prefix`` and networks, no zone id.
* :data:`K8sName` — a DNS-1123 subdomain (Pods, nodes); :data:`K8sLabel` — a DNS-1123 label
  (namespaces, Services).
* :data:`IfName` — a Linux interface name (1 to 15 characters, no ``/``, ``:`` or whitespace, not
  ``.`` or ``..``) made of ``[A-Za-z0-9_.@-]`` and not starting with ``-``.
* :data:`DnsName` — a host or domain name (RFC 1123 labels; ``_`` allowed for service names); no
  label starts with ``-``. :data:`HostStr` — a host name or an address.
* :data:`SysctlName`, :data:`IptablesName` — names of kernel settings and iptables tables/chains.
* :data:`Text` — free text on one line, at most :data:`MAX_TEXT` characters, no control characters
  (tab allowed); :data:`MultilineText` — the same with line breaks, at most
  :data:`MAX_MULTILINE_TEXT`; :data:`ShortText` — ids and labels, at most :data:`MAX_SHORT_TEXT`.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated

from pydantic import AfterValidator

MAX_SHORT_TEXT = 256
"""Ids, tool names, labels."""
MAX_TEXT = 4096
"""One line of free text: a note, an error message, a log line."""
MAX_MULTILINE_TEXT = 65536
"""A multi-line field: the case summary."""

_IFNAME = re.compile(r"[A-Za-z0-9_.@][A-Za-z0-9_.@-]{0,14}")
_K8S_LABEL = re.compile(r"[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?")
_K8S_SUBDOMAIN = re.compile(rf"{_K8S_LABEL.pattern}(?:\.{_K8S_LABEL.pattern})*")
_DNS_LABEL = re.compile(r"[A-Za-z0-9_](?:[-A-Za-z0-9_]{0,61}[A-Za-z0-9_])?")
_DNS_NAME = re.compile(rf"{_DNS_LABEL.pattern}(?:\.{_DNS_LABEL.pattern})*\.?")
_SYSCTL = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]{0,255}")
_IPTABLES = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:-]{0,28}")


def _str(value: object) -> str:
    if not isinstance(value, str):  # pydantic checks the type first; this guards direct calls
        raise ValueError("must be a string")
    return value


def if_name(value: str) -> str:
    """An interface name as the kernel accepts it, in the conservative character set above."""
    if value in (".", "..") or not _IFNAME.fullmatch(_str(value)):
        raise ValueError("not an interface name (1-15 characters of A-Z a-z 0-9 _ . @ -, not starting with '-')")
    return value


def _zone(value: str) -> str:
    addr, _, zone = value.partition("%")
    try:
        if_name(zone)
    except ValueError:
        raise ValueError("IPv6 zone id must be an interface name") from None
    try:
        ipaddress.IPv6Address(addr)
    except ValueError:
        raise ValueError("a zone id (%...) belongs to an IPv6 address only") from None
    return value


def ip_address(value: str) -> str:
    """A plain IPv4 or IPv6 address (``fe80::1%eth0`` allowed, any other zone id refused)."""
    if "%" in _str(value):
        return _zone(value)
    try:
        ipaddress.ip_address(value)
    except ValueError:
        raise ValueError("not an IP address") from None
    return value


def ip_interface(value: str) -> str:
    """``address/prefix`` (or a bare address), without a zone id."""
    if "%" in _str(value):
        raise ValueError("not an address/prefix (zone ids are not allowed here)")
    try:
        ipaddress.ip_interface(value)
    except ValueError:
        raise ValueError("not an address/prefix") from None
    return value


def ip_network(value: str) -> str:
    """A network in CIDR form (host bits may be set), without a zone id."""
    if "%" in _str(value):
        raise ValueError("not a network in CIDR form (zone ids are not allowed here)")
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise ValueError("not a network in CIDR form") from None
    return value


def k8s_name(value: str) -> str:
    """A DNS-1123 subdomain: lowercase letters, digits, '-' and '.', at most 253 characters."""
    if len(_str(value)) > 253 or not _K8S_SUBDOMAIN.fullmatch(value):
        raise ValueError("not a Kubernetes name (DNS-1123: lowercase a-z 0-9 '-' '.', starting and ending alphanumeric, at most 253)")
    return value


def k8s_label(value: str) -> str:
    """A DNS-1123 label: lowercase letters, digits and '-', at most 63 characters."""
    if not _K8S_LABEL.fullmatch(_str(value)):
        raise ValueError("not a Kubernetes name (DNS-1123 label: lowercase a-z 0-9 '-', starting and ending alphanumeric, at most 63)")
    return value


def dns_name(value: str) -> str:
    """A host or domain name: dot-separated labels of letters, digits, '-' and '_', no label
    starting or ending with '-', at most 253 characters (a final dot allowed)."""
    if len(_str(value)) > 254 or not _DNS_NAME.fullmatch(value) or len(value.rstrip(".")) > 253:
        raise ValueError("not a DNS name (labels of A-Z a-z 0-9 '-' '_', not starting or ending with '-', at most 253)")
    return value


def host(value: str) -> str:
    """A host: a DNS name (a Pod or node name) or an IP address."""
    try:
        return dns_name(value)
    except ValueError:
        pass
    try:
        return ip_address(value)
    except ValueError:
        raise ValueError("not a host name or IP address") from None


def sysctl_name(value: str) -> str:
    """A kernel setting as sysctl names it (``net.ipv4.ip_forward`` or ``net/ipv4/ip_forward``)."""
    if not _SYSCTL.fullmatch(_str(value)) or ".." in value:
        raise ValueError("not a sysctl name (A-Z a-z 0-9 _ . / -, not starting with '-')")
    return value


def iptables_name(value: str) -> str:
    """An iptables table or chain name (at most 29 characters, not starting with '-')."""
    if not _IPTABLES.fullmatch(_str(value)):
        raise ValueError("not an iptables table or chain name")
    return value


_CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069"
"""Unicode categories Cc (C0, DEL, C1) and Cs (lone surrogates), and the bidi overrides; tab, line
feed and carriage return are listed apart (below) because multi-line text allows two of them."""
_BAD_LINE = re.compile(f"[{_CONTROLS}\n\r]")
_BAD_MULTILINE = re.compile(f"[{_CONTROLS}]")


def _text(limit: int, multiline: bool):  # type: ignore[no-untyped-def]
    what = "multi-line text" if multiline else "text"
    bad = _BAD_MULTILINE if multiline else _BAD_LINE

    def check(value: str) -> str:
        if len(_str(value)) > limit:
            raise ValueError(f"{what} longer than {limit} characters")
        found = bad.search(value)
        if found:
            raise ValueError(f"{what} holds a control character (U+{ord(found.group()):04X}) at character {found.start()}")
        return value

    check.__name__ = f"check_{'multiline_' if multiline else ''}text_{limit}"
    return check


IPAddressStr = Annotated[str, AfterValidator(ip_address)]
IPInterfaceStr = Annotated[str, AfterValidator(ip_interface)]
IPNetworkStr = Annotated[str, AfterValidator(ip_network)]
K8sName = Annotated[str, AfterValidator(k8s_name)]
K8sLabel = Annotated[str, AfterValidator(k8s_label)]
IfName = Annotated[str, AfterValidator(if_name)]
DnsName = Annotated[str, AfterValidator(dns_name)]
HostStr = Annotated[str, AfterValidator(host)]
SysctlName = Annotated[str, AfterValidator(sysctl_name)]
IptablesName = Annotated[str, AfterValidator(iptables_name)]
ShortText = Annotated[str, AfterValidator(_text(MAX_SHORT_TEXT, False))]
Text = Annotated[str, AfterValidator(_text(MAX_TEXT, False))]
MultilineText = Annotated[str, AfterValidator(_text(MAX_MULTILINE_TEXT, True))]
