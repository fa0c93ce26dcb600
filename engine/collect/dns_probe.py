"""DNS: the vantage's resolv.conf and lookups (dnspython) against its servers and given ones.

The resolv.conf is read by the parser a pasted one goes through (its ``pod_dns_config`` record);
a dnspython lookup becomes the ``dns_lookup`` record a pasted ``dig``/``nslookup`` (or ``dig +tcp``) yields (name,
result, answers, the server asked when one was given, the transport).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

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
    """Whether ``server`` refuses UDP 53 (an ICMP port unreachable), asked on a connected UDP socket
    as dig and nslookup ask: only a connected socket learns of the ICMP error ("connection refused");
    dnspython's sockets are unconnected and wait out their timeout instead.

    Asked before the resolver's own queries (a refusing server is read from the first datagram, and
    the lookup need not wait out the resolver's lifetime), and once more after half a timeout of
    silence, so that one lost datagram or ICMP error does not decide."""
    import socket

    import dns.message

    family = socket.AF_INET6 if ":" in server else socket.AF_INET
    wire = dns.message.make_query(name, "A").to_wire()
    wait = max(min(timeout / 2, 1.0), 0.05)
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.settimeout(wait)
        try:
            sock.connect((server, 53))
            for _try in range(2):
                sock.send(wire)
                try:
                    sock.recv(4096)
                    return False
                except TimeoutError:
                    continue
        except ConnectionRefusedError:
            return True
        except OSError:
            return False
    return False


def _resolve(resolver: Any, name: str, *, tcp: bool) -> tuple[str, list[str]]:
    """One A lookup with ``resolver`` (a ``dns.resolver.Resolver``) and its result in the fact
    vocabulary: every server failing is ``refused`` when one said so (over TCP a reset connection;
    a REFUSED answer), else ``servfail``."""
    import dns.exception
    import dns.resolver

    try:
        answer = resolver.resolve(name, "A", search=True, tcp=tcp)
        return "ok", sorted(r.address for r in answer)
    except dns.resolver.NXDOMAIN:
        return "nxdomain", []
    except dns.resolver.NoAnswer:
        return "ok", []
    except dns.resolver.NoNameservers as exc:
        text = str(exc)
        refused = "REFUSED" in text or (tcp and "refused" in text)
        return ("refused" if refused else "servfail"), []
    except dns.exception.Timeout:
        return "timeout", []


def _over_tcp(ctx: Context, name: str, servers: list[str], server: str | None, conf: str | None,
              timeout: float) -> Record:
    """The same lookup over TCP (``dig +tcp``): the one that tells a server that drops UDP 53 from
    one that is gone. Through resolv.conf's servers (``conf``, its search list) or the one ``server``."""
    import dns.resolver

    if conf is not None:
        resolver = dns.resolver.Resolver(filename=conf)
        command = f"lookup {name} via {conf} ({', '.join(servers)})"
    else:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = list(servers)
        command = f"lookup {name} @{server}"
    resolver.timeout = timeout
    resolver.lifetime = timeout * len(servers)
    command += " +tcp"  # as dig writes it: the record's command line, not a sentence
    result, answers = _resolve(resolver, name, tcp=True)
    data: dict[str, object] = {"name": name.rstrip("."), "result": result, "answers": answers, "transport": "tcp"}
    if server is not None:
        data["server"] = server
    return ctx.record("dns_lookup", data, command, "dnspython")


def lookup(ctx: Context, name: str, server: str | None) -> list[Record]:
    """Resolve ``name`` (A) with the resolv.conf servers (``server`` None) or one given server, over
    UDP; when that times out or is refused, the same lookup over TCP too (two records, each with its
    transport), as an engineer follows a failed ``dig`` with ``dig +tcp``."""
    try:
        import dns.exception
        import dns.resolver
    except ImportError:
        raise Unobservable("dns_lookup", "dnspython_missing") from None
    timeout = min(ctx.plan.timeout, 2.0)
    conf: str | None = None
    if server is None:
        path = ctx.vantage.resolv_conf
        try:
            conf_data = read_resolv_conf(path)
        except OSError as exc:
            raise Unobservable("dns_lookup", "cannot_read", path=path, error=exc.strerror) from None
        servers = list(conf_data["nameservers"])
        if not servers:
            raise Unobservable("dns_lookup", "no_nameserver", path=path)
        conf = str(path)
        resolver = dns.resolver.Resolver(filename=conf)
        command = f"lookup {name} via {path} ({', '.join(servers)})"
    else:
        servers = [server]
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [server]
        command = f"lookup {name} @{server}"
    for s in servers:
        check_may_send(s)
    refusing = [s for s in servers if _refused(s, name, timeout)]
    resolver.timeout = timeout / 2  # several tries within the lifetime: one lost datagram is not a failure
    resolver.lifetime = timeout * 1.5
    answers: list[str] = []
    if len(refusing) == len(servers):
        result = "refused"  # every server answered the first query with an ICMP port unreachable
    else:
        result, answers = _resolve(resolver, name, tcp=False)
        if result == "timeout" and refusing:
            result = "refused"
    data: dict[str, object] = {"name": name.rstrip("."), "result": result, "answers": answers, "transport": "udp"}
    if server is not None:
        data["server"] = server
    records = [ctx.record("dns_lookup", data, command, "dnspython")]
    if result in ("timeout", "refused"):
        records.append(_over_tcp(ctx, name, servers, server, conf, timeout))
    return records
