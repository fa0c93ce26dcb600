"""DNS: the vantage's resolv.conf and lookups (dnspython) against its servers and given ones.

The resolv.conf is read by the parser a pasted one goes through (its ``pod_dns_config`` record);
a dnspython lookup becomes the ``dns_lookup`` record a pasted ``dig``/``nslookup`` yields (name,
result, answers, the server asked when one was given).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from .base import Context, Unobservable, parse_output
from .safety import check_may_send

if TYPE_CHECKING:
    from ..inputs.model import Record


class ResolvConf(TypedDict):
    nameservers: list[str]
    search: list[str]
    ndots: int | None


def read_resolv_conf(path: Path) -> ResolvConf:
    """nameservers, search and ndots of a resolv.conf, read by the parser pasted resolv.conf files
    go through (:func:`podnet.inputs.raw.dns.parse_resolv_conf`)."""
    text = path.read_text(encoding="utf-8", errors="replace")
    found = parse_output("resolv_conf", f"cat {path}", text, str(path))
    data = found[0] if found else {}
    return {"nameservers": list(data.get("nameservers") or []), "search": list(data.get("search") or []),
            "ndots": data.get("ndots")}


def pod_dns_config(ctx: Context) -> list[Record]:
    """The ``pod_dns_config`` record of ``cat /etc/resolv.conf`` here."""
    path = ctx.vantage.resolv_conf
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise Unobservable("pod_dns_config", "cannot_read", path=path, error=exc.strerror) from None
    return ctx.read("resolv_conf", f"cat {path}", text, str(path)).records


def _refused(server: str, name: str, timeout: float) -> bool:
    """One query on a connected UDP socket, as dig and nslookup send it: only a connected socket
    learns of an ICMP port-unreachable answer ("connection refused"); dnspython's are unconnected."""
    import socket

    import dns.message

    family = socket.AF_INET6 if ":" in server else socket.AF_INET
    wire = dns.message.make_query(name, "A").to_wire()
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.settimeout(min(timeout, 1.0))
        try:
            sock.connect((server, 53))
            sock.send(wire)
            sock.recv(4096)
        except ConnectionRefusedError:
            return True
        except OSError:
            return False
    return False


def lookup(ctx: Context, name: str, server: str | None) -> Record:
    """Resolve ``name`` (A) with the resolv.conf servers (``server`` None) or one given server."""
    try:
        import dns.exception
        import dns.resolver
    except ImportError:
        raise Unobservable("dns_lookup", "dnspython_missing") from None
    timeout = min(ctx.plan.timeout, 2.0)
    if server is None:
        path = ctx.vantage.resolv_conf
        try:
            conf = read_resolv_conf(path)
        except OSError as exc:
            raise Unobservable("dns_lookup", "cannot_read", path=path, error=exc.strerror) from None
        servers = list(conf["nameservers"])
        if not servers:
            raise Unobservable("dns_lookup", "no_nameserver", path=path)
        resolver = dns.resolver.Resolver(filename=str(path))
        command = f"lookup {name} via {path} ({', '.join(servers)})"
    else:
        servers = [server]
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [server]
        command = f"lookup {name} @{server}"
    for s in servers:
        check_may_send(s)
    resolver.timeout = timeout / 2  # several tries within the lifetime: one lost datagram is not a failure
    resolver.lifetime = timeout * 1.5
    answers: list[str] = []
    try:
        answer = resolver.resolve(name, "A", search=True)
        answers = sorted(r.address for r in answer)
        result = "ok"
    except dns.resolver.NXDOMAIN:
        result = "nxdomain"
    except dns.resolver.NoAnswer:
        result = "ok"
    except dns.resolver.NoNameservers as exc:
        text = str(exc)
        result = "refused" if "REFUSED" in text else "servfail"
    except dns.exception.Timeout:
        result = "timeout"
        if any(_refused(s, name, timeout) for s in servers):
            result = "refused"
    data: dict[str, object] = {"name": name.rstrip("."), "result": result, "answers": answers}
    if server is not None:
        data["server"] = server
    return ctx.record("dns_lookup", data, command, "dnspython")
