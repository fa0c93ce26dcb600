"""``podnet collect``: run the guide's probes from one or more vantage points; facts or a diagnosis out."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from typing import Any, Iterator

from .common import add_lang, add_rules, write_output
from .output import REPORT_FORMATS, add_output, add_view, report_for

ROLES = ("source_pod", "source_node", "destination_pod", "destination_node")


class _VantageAction(argparse.Action):
    """``--netns NAME`` / ``--netns-path FILE`` / ``--pid PID`` add a vantage point; ``--as ROLE`` labels the last one."""

    def __call__(self, parser: argparse.ArgumentParser, ns: argparse.Namespace, value: Any, option: str | None = None) -> None:
        from ..collect.netns import Vantage

        items = list(getattr(ns, "vantages", None) or [])
        if self.dest == "role":
            if not items:
                items.append(Vantage("current"))
            last = items[-1]
            if last.role is not None:
                parser.error(f"--as {value}: the vantage point {last.label} already has a role ({last.role})")
            items[-1] = Vantage(last.kind, last.name, value)
        elif self.dest == "here":
            items.append(Vantage("current"))
        elif self.dest == "pid":
            if not str(value).isdigit():
                parser.error(f"--pid {value}: not a process id")
            items.append(Vantage("pid", str(value)))
        elif self.dest == "netns_path":
            items.append(Vantage("path", value))
        else:
            items.append(Vantage("netns", value))
        ns.vantages = items


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "collect",
        help="probe from here, a network namespace or a process's namespace, and write facts (or diagnose)",
        description="Run ping, TCP connect, DNS and don't-fragment probes, and on a node read interfaces, routes, "
        "kube-proxy's iptables rules, sockets and sysctls; write a fact file for 'podnet diagnose', or diagnose "
        "directly. Each --netns/--pid adds a vantage point; --as labels the one before it.",
    )
    p.set_defaults(vantages=[])
    p.add_argument("--netns", dest="netns", action=_VantageAction, metavar="NAME", help="a named network namespace (ip netns: a name, not a path); repeatable")
    p.add_argument("--netns-path", dest="netns_path", action=_VantageAction, metavar="FILE", help="a network namespace file (a bind mount such as /var/run/netns/NAME or /proc/PID/ns/net); repeatable")
    p.add_argument("--here", dest="here", action=_VantageAction, nargs=0, help="the namespace podnet runs in (the default when no vantage point is given)")
    p.add_argument("--pid", dest="pid", action=_VantageAction, metavar="PID", help="the network namespace of a process (like nsenter -t PID -n); repeatable")
    p.add_argument("--as", dest="role", action=_VantageAction, choices=ROLES, help="role of the vantage point given just before (default: source_node if it has a bridge or tunnel, else source_pod)")
    p.add_argument("--to", dest="targets", action="append", default=[], metavar="IP[:PORT]", help="destination (the first one is the case's destination); repeatable")
    p.add_argument("--name", dest="names", action="append", default=[], metavar="DNS-NAME", help="a name to resolve; repeatable")
    p.add_argument("--dns-server", action="append", default=[], metavar="IP", help="also resolve against this server; repeatable")
    p.add_argument("--cluster-dns", metavar="IP", help="the cluster DNS Service IP (also asked directly)")
    p.add_argument("--backend", action="append", default=[], metavar="IP[:PORT]", help="a Pod behind the destination Service; repeatable")
    p.add_argument("--service-cidr", metavar="CIDR", help="the cluster's Service range (tells Services from Pods)")
    p.add_argument("--pod-cidr", metavar="CIDR", help="the cluster's Pod range")
    p.add_argument("--timeout", type=float, default=3.0, metavar="SECONDS", help="TCP connect / DNS timeout (default 3)")
    p.add_argument("--case", metavar="ID", help="case id (default collect-<UTC time>)")
    p.add_argument("--diagnose", action="store_true", help="diagnose the collected facts and print the report instead")
    add_output(p, REPORT_FORMATS, default=None, what="the fact file (or with --diagnose the report)")
    add_view(p)
    add_lang(p)
    add_rules(p)
    p.set_defaults(run=run)


def _cidr(value: str | None, where: str) -> str | None:
    import ipaddress

    from ..errors import UsageError

    if value is None:
        return None
    try:
        return str(ipaddress.ip_network(value, strict=False))
    except ValueError:
        raise UsageError(f"{value!r} is not a CIDR", location=where) from None


class _Terminated(Exception):
    """SIGTERM arrived (raised in the main thread by the signal handler)."""


@contextlib.contextmanager
def _interruptible() -> Iterator[None]:
    """Ctrl-C and SIGTERM end the run at once, children included.

    ``collect`` kills every probe's child process by PID when the interrupt reaches it. The pool
    threads would then still be joined at interpreter exit (a DNS try can take a few seconds), so
    the command leaves with ``os._exit`` after flushing its output: nothing is left to write."""
    import signal
    import threading

    def on_term(signum: int, frame: Any) -> None:
        raise _Terminated()

    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, on_term) if main else None
    try:
        yield
    except KeyboardInterrupt:
        _leave("interrupted", 130)
    except _Terminated:
        _leave("terminated", 143)
    finally:
        if main:
            signal.signal(signal.SIGTERM, previous)


def _leave(word: str, code: int) -> None:
    import os

    from ..collect.base import CHILDREN

    CHILDREN.cancel()  # again: a child started between the interrupt and here
    print(f"podnet: {word}", file=sys.stderr)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def run(args: argparse.Namespace) -> int:
    from ..collect import Plan, collect, parse_target
    from ..collect.targets import parse_ip
    from ..errors import UsageError

    if not args.timeout > 0 or args.timeout > 60:
        raise UsageError("must be between 0 and 60 seconds", location="--timeout")
    fmt = args.format or ("text" if args.diagnose else "json")
    if not args.diagnose and fmt != "json":
        raise UsageError(f"-o {fmt} needs --diagnose (without it, collect writes the fact file: json)", location="-o/--output")
    if not args.diagnose and args.verbose:
        raise UsageError("--verbose needs --diagnose (without it, collect writes the fact file: json)", location="-v/--verbose")
    args.format = fmt
    plan = Plan(
        targets=[parse_target(t) for t in args.targets],
        names=list(args.names),
        dns_servers=[parse_ip(server, "--dns-server") for server in args.dns_server],
        backends=[parse_target(b, "--backend") for b in args.backend],
        service_cidr=_cidr(args.service_cidr, "--service-cidr"),
        pod_cidr=_cidr(args.pod_cidr, "--pod-cidr"),
        cluster_dns=parse_ip(args.cluster_dns, "--cluster-dns") if args.cluster_dns else None,
        timeout=args.timeout,
        case_id=args.case,
    )
    with _interruptible():
        result = collect(list(args.vantages), plan)
    for line in result.texts(args.lang):
        print(f"podnet: warning: {line}", file=sys.stderr)
    if not args.diagnose:
        write_output(json.dumps(result.facts.to_json_dict(), indent=2, ensure_ascii=False) + "\n", args.out)
        return 0
    from .. import diagnose

    diagnosis = diagnose(result.facts, lang=args.lang, rule_dirs=tuple(args.rules))
    write_output(report_for(diagnosis, args), args.out)
    return 0 if diagnosis.causes else 1
