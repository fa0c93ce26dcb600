"""Run the probes at every vantage point, concurrently, and hand their records to the ingest assembly.

Live collection only runs commands and readings; it decides neither roles nor endpoints. Each
vantage point gets its own thread pool whose threads entered its network namespace, and every
reading becomes the record a pasted transcript's command yields, with the vantage point as the
command's host (:mod:`.base`). Phase one reads local state (``ip addr``/``ip route`` over netlink,
``iptables-save``, ``ipvsadm``, resolv.conf). The one ingest assembly
(:class:`podnet.inputs.assemble.Assembly`) then places each vantage point from the addresses it
owns, as it places a transcript's hosts: the owner of the destination or of a Service backend is
the destination side, so it sends no probes; the owner of a cluster DNS backend neither. Phase two
sends the probes from the rest (Pods before nodes) and reads the destination Pods' listening
sockets and the nodes' sysctls. All records then go through the assembly again, which takes the
source from the failing probe (:mod:`podnet.inputs.endpoints`) and builds the observations; the
vantage points off the case's path are left out, so a healthy peer never stands for a faulty host.
"""

from __future__ import annotations

import time
from concurrent.futures import BrokenExecutor, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from ..cidr import ip_in
from ..errors import UsageError
from ..facts.base import Vantage as VantagePoint
from ..messages import Message
from . import dns_probe, iptables, netlink, proc, reach
from .base import CHILDREN, Context, Unobservable
from .netns import NamespaceHandle, Vantage, in_initial_netns, initial_netns_inode
from .safety import check_may_send
from .targets import Plan, Target

if TYPE_CHECKING:
    from ..inputs.assemble import Assembly
    from ..inputs.model import Host, IngestWarning, Record
    from .assemble import Collected

ROLES: tuple[VantagePoint, ...] = ("source_pod", "source_node", "destination_pod", "destination_node")
"""The vantage points probes can run at (``podnet collect --as``)."""


def host_of(vantage: Vantage) -> Host:
    """The host a vantage point's command runs name: its label, and a role given with ``--as`` as a
    fixed vantage (as a folder named ``source-pod`` fixes it for pasted output)."""
    from ..inputs.model import Host

    role = vantage.role
    if role is None:
        return Host(name=vantage.label, how="collect")
    return Host(kind="node" if role.endswith("_node") else "pod", name=vantage.label, how="--as", vantage=role)


@dataclass
class _Station:
    vantage: Vantage
    pool: ThreadPoolExecutor
    handle: NamespaceHandle
    ctx: Context
    records: list[Record] = field(default_factory=list)
    """What phase one read here (addresses, routes, rules, resolv.conf)."""
    probes: list[Record] = field(default_factory=list)
    """What phase two found here (probes, sockets, sysctls)."""
    gaps: list[tuple[tuple[str, ...], Message]] = field(default_factory=list)
    readings: list[IngestWarning] = field(default_factory=list)
    """Located warnings of the outputs read here (the parsers' own, as ``podnet ingest`` gives them)."""
    at: str | None = None
    """Where the assembly placed it (``destination_pod``...), after phase one and at the end."""

    @property
    def label(self) -> str:
        return self.vantage.label

    @property
    def is_node(self) -> bool:
        return bool(self.at and self.at.endswith("_node"))


_Job = tuple[_Station, "Future[Any]", Callable[[_Station, Any], None]]
"""A probe submitted to a station's pool, and what to do with its result."""


def context_of(plan: Plan) -> dict[str, Any]:
    """What the command line says, as the context a ``context.json`` gives ``podnet ingest``: the
    destination (``--to``, ``--name``, ``--backend``) and the ranges and DNS IP given; the rest is
    inferred from the records, field by field."""
    from ..inputs.endpoints import name_kind

    dst: dict[str, Any] = {}
    if plan.destination is not None:
        dst["ip"] = plan.destination.ip
        if plan.destination.port:
            dst["port"] = plan.destination.port
    if plan.names:
        dst["dns_name"] = plan.names[0]
        if "ip" not in dst:
            dst["kind"] = name_kind(plan.names[0])
    if plan.backends and plan.destination is not None:
        dst["backends"] = [{"ip": b.ip, **({"port": b.port} if b.port else {})} for b in plan.backends]
    cluster = {k: v for k, v in (("service_cidr", plan.service_cidr), ("pod_cidr", plan.pod_cidr),
                                 ("dns_service_ip", plan.cluster_dns)) if v}
    return {"cluster": cluster, "endpoints": {"destination": dst}}


class _Runner:
    def __init__(self, handles: list[NamespaceHandle], plan: Plan) -> None:
        self.plan = plan
        self.stations = [
            _Station(
                h.vantage,
                ThreadPoolExecutor(max_workers=12, initializer=h.enter, thread_name_prefix=f"podnet-{h.vantage.label}"),
                h,
                Context(h.vantage, plan, host_of(h.vantage)),
            )
            for h in handles
        ]
        self.budget = plan.timeout * 3 + 20
        self.case_id = plan.case_id or time.strftime("collect-%Y%m%dT%H%M%SZ", time.gmtime())
        self.placed: Assembly | None = None

    # -- plumbing -------------------------------------------------------------------------
    def _gather(self, jobs: list[_Job]) -> None:
        done, pending = wait([f for _s, f, _h in jobs], timeout=self.budget)
        for station, fut, handle in jobs:
            if fut in pending:
                fut.cancel()
                station.gaps.append((("probe",), Message("collect", "probe_timeout", {"seconds": f"{self.budget:g}"})))
                continue
            try:
                handle(station, fut.result())
            except BrokenExecutor:
                v = station.vantage
                raise UsageError(f"cannot enter the network namespace {v.name!r}", location=v.option) from None
            except Unobservable as exc:
                station.gaps.append((exc.kinds, exc.note))
            except UsageError:
                raise
            except OSError as exc:
                station.gaps.append((("probe",), Message("collect", "probe_os_error", {"error": f"{type(exc).__name__}: {exc}"})))

    @staticmethod
    def _read(station: _Station, result: Any) -> None:
        station.records.extend(result if isinstance(result, list) else [result])

    @staticmethod
    def _rules(station: _Station, result: tuple[list[Record], list[IngestWarning]]) -> None:
        records, warnings = result
        station.records.extend(records)
        station.readings.extend(w for w in warnings if w not in station.readings)

    @staticmethod
    def _probed(station: _Station, result: Any) -> None:
        station.probes.extend(result if isinstance(result, list) else [result])

    def assembly(self, records: list[Record], warnings: list[IngestWarning]) -> tuple[Assembly, dict[str, Any]]:
        """The ingest assembly over ``records`` and its fact file data (endpoints, placement,
        observations); each vantage point's ``at`` is where it placed that point's records."""
        from ..inputs.assemble import Assembly

        asm = Assembly(records, context_of(self.plan), warnings, self.case_id)
        data = asm.build()
        for s in self.stations:
            placed = [asm.where[id(r)][0] for r in [*s.records, *s.probes] if id(r) in asm.where]
            s.at = placed[0] if placed else s.vantage.role
        return asm, data

    # -- phase one: local state --------------------------------------------------------------
    def phase_one(self) -> None:
        timeout = self.plan.timeout + 5
        jobs: list[_Job] = []
        for s in self.stations:
            jobs.append((s, s.pool.submit(netlink.read, s.ctx), self._read))
            jobs.append((s, s.pool.submit(netlink.ifcfg_files, s.ctx), self._read))
            jobs.append((s, s.pool.submit(iptables.iptables_save, s.ctx, timeout), self._rules))
        self._gather(jobs)
        jobs = [(s, s.pool.submit(iptables.ipvs_rules, s.ctx, timeout), self._read) for s in self.stations
                if any(i["name"] == "kube-ipvs0" for r in s.records if r.type == "addresses" for i in r.data["interfaces"])]
        self._gather(jobs)
        self.placed = self.assembly([r for s in self.stations for r in s.records], [])[0]
        cluster = self.placed.cluster
        if self.plan.cluster_dns is None and cluster.get("dns_service_ip"):
            self.plan.cluster_dns = cluster["dns_service_ip"]

    # -- what phase one tells ----------------------------------------------------------------
    def is_service(self, ip: str) -> bool:
        assert self.placed is not None
        return (self.plan.is_service_ip(ip) or ip in self.placed.inv.services
                or ip_in(ip, self.placed.cluster.get("service_cidr")) or ip == self.placed.cluster.get("dns_service_ip"))

    def backends(self) -> list[Target]:
        """The Service's backends the assembly found (kube-proxy's chains, IPVS) or that were given."""
        assert self.placed is not None
        found = [Target(b["ip"], b.get("port")) for b in self.placed.endpoints["destination"].get("backends") or []]
        return list(dict.fromkeys([*self.plan.backends, *found]))

    def dns_backends(self) -> set[str]:
        """Addresses of the cluster DNS Service's backends (kube-proxy's chains for port 53)."""
        from ..inputs.raw.iptables import service_rules

        assert self.placed is not None
        dns = self.plan.cluster_dns or self.placed.cluster.get("dns_service_ip")
        if not dns:
            return set()
        out: set[str] = set()
        for rec in self.placed.inv.of("iptables"):
            found = service_rules(rec.data, dns, 53) or {}
            out |= {to.rpartition(":")[0] or to for to in found.get("sep_dnat") or []}
        return out

    def senders(self) -> list[_Station]:
        """The vantage points the probes go from: those told to be the source (``--as``), else every
        one the assembly did not place on the destination side nor as a cluster DNS server, Pods
        first (the source is the one whose probe fails: :mod:`podnet.inputs.endpoints`); when none
        is left, the destination's node (the node the user ran on may send the failing traffic)."""
        told = [s for s in self.stations if s.vantage.role and s.vantage.role.startswith("source")]
        if told:
            return told
        assert self.placed is not None
        dns = self.dns_backends()
        owned = self.placed.inv.host_ips
        open_ = [s for s in self.stations if not s.vantage.role and not str(s.at).startswith("destination")
                 and not owned.get(s.label, set()) & dns]
        if not open_:
            open_ = [s for s in self.stations if not s.vantage.role and s.at == "destination_node"]
        return [s for s in open_ if not s.is_node] + [s for s in open_ if s.is_node]

    # -- phase two: probes --------------------------------------------------------------------
    def phase_two(self) -> None:
        plan = self.plan
        dst = plan.destination
        backends = self.backends()
        pod_ips = [b.ip for b in backends]
        if dst is not None and not self.is_service(dst.ip):
            pod_ips.insert(0, dst.ip)
        targets = list(dict.fromkeys([*plan.targets, *backends]))
        senders = self.senders()
        jobs: list[_Job] = []
        for s in self.stations:
            submit, ctx = s.pool.submit, s.ctx
            if s.is_node and not str(s.at).startswith("other") or s in senders and s.is_node:
                jobs.append((s, submit(proc.sysctls, ctx, self.node_sysctls(s)), self._probed))
            if s.at == "destination_pod":
                jobs.append((s, submit(proc.listening, ctx), self._probed))
            if s not in senders:
                continue
            jobs.append((s, submit(proc.pressure, ctx), self._probed))
            for t in targets:
                if not self.is_service(t.ip):
                    jobs.append((s, submit(reach.ping, ctx, t.ip), self._probed))
                if t.port is not None:
                    jobs.append((s, submit(reach.tcp_connect, ctx, t.ip, t.port), self._probed))
            sweep_to = next(iter(dict.fromkeys(pod_ips)), None)
            if sweep_to is not None:
                jobs.append((s, submit(reach.mtu_sweep, ctx, sweep_to), self._probed))
            if not s.is_node:
                jobs.append((s, submit(dns_probe.pod_dns_config, ctx), self._probed))
                servers = list(dict.fromkeys([*plan.dns_servers, *([plan.cluster_dns] if plan.cluster_dns else [])]))
                for name in plan.names:
                    jobs.append((s, submit(dns_probe.lookup, ctx, name, None), self._probed))
                    for server in servers:
                        jobs.append((s, submit(dns_probe.lookup, ctx, name, server), self._probed))
                if plan.names and plan.cluster_dns:
                    jobs.append((s, submit(reach.tcp_connect, ctx, plan.cluster_dns, 53), self._probed))
        self._gather(jobs)
        # the probes in the senders' order (Pods first): the first failing one names the source
        order = {id(s): i for i, s in enumerate(senders)}
        self.stations.sort(key=lambda s: order.get(id(s), len(order)))

    @staticmethod
    def node_sysctls(s: _Station) -> list[str]:
        """A node's forwarding and filter switches, with the rp_filter of its default route's NIC."""
        names = list(proc.NODE_SYSCTLS)
        dev = next((r.get("dev") for rec in s.records if rec.type == "routes" for r in rec.data["routes"]
                    if r["destination"] == "0.0.0.0/0" and r.get("dev")), None)
        if dev and "." not in dev:
            names.insert(2, f"net.ipv4.conf.{dev}.rp_filter")
        return names

    def close(self, wait: bool) -> None:
        """Shut the pools down; the namespace files close with the last thread that uses them."""
        for s in self.stations:
            s.pool.shutdown(wait=False, cancel_futures=True)
        if wait:
            for s in self.stations:
                s.pool.shutdown(wait=True)
                s.handle.close()


def collect(vantages: list[Vantage], plan: Plan) -> Collected:
    """Probe from every vantage point and return one validated fact file plus the gaps."""
    if not plan.targets and not plan.names:
        raise UsageError("nothing to probe: give --to IP[:PORT] and/or --name DNS-NAME", location="--to")
    vantages = vantages or [Vantage("current")]
    roles = [v.role for v in vantages if v.role]
    if len(set(roles)) != len(roles):
        raise UsageError("each --as role may be given to one vantage point only", location="--as")
    initial_netns_inode()  # read in the main thread, before any thread moves
    if any(v.kind == "current" for v in vantages) and in_initial_netns():
        checks = [(t.ip, "--to") for t in plan.targets] + [(t.ip, "--backend") for t in plan.backends]
        checks += [(ip, "--dns-server") for ip in plan.dns_servers]
        checks += [(plan.cluster_dns, "--cluster-dns")] if plan.cluster_dns else []
        for ip, where in checks:
            check_may_send(ip, where)
    handles: list[NamespaceHandle] = []
    try:
        for v in vantages:
            handles.append(NamespaceHandle(v))
        for h in handles:
            h.try_enter()
    except BaseException:
        for h in handles:
            h.close()
        raise
    CHILDREN.reset()
    runner = _Runner(handles, plan)
    finished = False
    try:
        runner.phase_one()
        runner.phase_two()
        finished = True
    except BaseException:
        # Ctrl-C, SIGTERM or an error: kill the probes' children now and stop the waiting ones,
        # instead of letting each run to its timeout
        CHILDREN.cancel()
        raise
    finally:
        runner.close(wait=finished)
    from .assemble import assemble

    return assemble(runner)
