"""Run the probes at every vantage point, concurrently, and assemble one fact file.

Each vantage point gets its own thread pool whose threads entered its network namespace. Phase
one reads local state (interfaces, routes, iptables, resolv.conf); it reveals the Service's
backends when a node is among the vantage points. Phase two sends probes (ping, TCP, DNS, the
DF sweep); the rules read in phase one travel whole in the firewall observation, whose verdicts
for the case's flows are traced when the facts are read (one place for collected and pasted dumps).
"""

from __future__ import annotations

from concurrent.futures import BrokenExecutor, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from ..errors import UsageError
from ..facts.base import Vantage as VantagePoint
from ..messages import Message
from . import dns_probe, iptables, local, reach
from . import roles as role_inference
from ..inputs.cluster_context import ClusterContext
from .base import CHILDREN, Context, Obs, Unobservable
from .netns import NamespaceHandle, Vantage, in_initial_netns, initial_netns_inode
from .safety import check_may_send
from ..cidr import ip_in
from .targets import Plan, Target

if TYPE_CHECKING:
    from ..inputs.model import IngestWarning
    from .assemble import Collected

ROLES: tuple[VantagePoint, ...] = ("source_pod", "source_node", "destination_pod", "destination_node")
"""The vantage points probes can run at (``podnet collect --as``)."""


@dataclass
class _Station:
    vantage: Vantage
    pool: ThreadPoolExecutor
    handle: NamespaceHandle
    ctx: Context | None = None
    view: local.LocalView | None = None
    nat: iptables.Table | None = None
    filter: iptables.Table | None = None
    observations: list[Obs] = field(default_factory=list)
    gaps: list[tuple[tuple[str, ...], Message]] = field(default_factory=list)
    readings: list[IngestWarning] = field(default_factory=list)
    """Located warnings of the outputs read here (the parsers' own, as ``podnet ingest`` gives them)."""


_Job = tuple[_Station, "Future[Any]", Callable[[_Station, Any], None]]
"""A probe submitted to a station's pool, and what to do with its result."""


class _Runner:
    def __init__(self, handles: list[NamespaceHandle], plan: Plan) -> None:
        self.plan = plan
        self.stations = [
            _Station(
                h.vantage,
                ThreadPoolExecutor(max_workers=12, initializer=h.enter, thread_name_prefix=f"podnet-{h.vantage.label}"),
                h,
            )
            for h in handles
        ]
        self.budget = plan.timeout * 3 + 20
        self.context = ClusterContext()

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
    def _add(station: _Station, result: Any) -> None:
        if result is None:
            return
        station.observations.extend(result if isinstance(result, list) else [result])

    # -- phase one: local state --------------------------------------------------------------
    def phase_one(self) -> None:
        jobs: list[_Job] = [(s, s.pool.submit(local.read_local), self._set_view) for s in self.stations]
        self._gather(jobs)
        for s in self.stations:
            node = s.vantage.role.endswith("_node") if s.vantage.role else s.view is not None and s.view.looks_like_node
            # provisional: every vantage point not told otherwise may be the source until the
            # addresses (assign_roles) and the probes' results (settle_source) say which it is
            role = s.vantage.role or ("source_node" if node else "source_pod")
            s.ctx = Context(s.vantage, role, self.plan, s.vantage.label)
        jobs = []
        for s in self.stations:
            jobs.append((s, s.pool.submit(iptables.iptables_save, "filter", self.plan.timeout + 5), self._set_filter))
            if s.ctx.is_node:  # type: ignore[union-attr]
                jobs.append((s, s.pool.submit(iptables.iptables_save, "nat", self.plan.timeout + 5), self._set_nat))
        self._gather(jobs)
        self.context = role_inference.infer(self.stations)
        role_inference.complete_plan(self.plan, self.context)

    def _set_view(self, s: _Station, view: local.LocalView) -> None:
        s.view = view

    def _set_filter(self, s: _Station, table: iptables.Table) -> None:
        s.filter = table
        s.readings.extend(w for w in table.warnings if w not in s.readings)

    def _set_nat(self, s: _Station, table: iptables.Table) -> None:
        s.nat = table
        s.readings.extend(w for w in table.warnings if w not in s.readings)

    # -- what phase one tells ----------------------------------------------------------------
    def service_ips(self) -> list[tuple[str, int | None, str]]:
        """(ClusterIP, port, protocol) of the case: the destination when it is a Service, the DNS Service."""
        out = []
        dst = self.plan.destination
        if dst is not None and self.is_service(dst.ip):
            out.append((dst.ip, dst.port, "tcp"))
        if self.plan.cluster_dns:
            out.append((self.plan.cluster_dns, 53, "udp"))
        return out

    def is_service(self, ip: str) -> bool:
        if self.plan.is_service_ip(ip):
            return True
        for s in self.stations:
            if s.nat is not None and any(
                iptables.ip_matches(r.opt("-d")[0], False, ip) and r.opt("-d")[0] is not None
                for r in s.nat.chain("KUBE-SERVICES")
            ):
                return True
        return False

    def service_facts(self) -> tuple[list[Target], list[Target]]:
        """ServiceRules at every node; returns the destination's and the DNS Service's backends."""
        dst_backends: list[Target] = []
        dns_backends: list[Target] = []
        dst = self.plan.destination
        for s in self.stations:
            if s.ctx is None or not s.ctx.is_node:
                continue
            ipvs = s.view is not None and s.view.by_name("kube-ipvs0") is not None
            if s.nat is None and not ipvs:
                continue
            for vip, port, proto in self.service_ips():
                if ipvs:
                    try:
                        fact = s.pool.submit(iptables.ipvs_rules, s.ctx, vip, port, proto, self.plan.timeout + 5).result()
                    except Unobservable as exc:
                        s.gaps.append((exc.kinds, exc.note))
                        continue
                    targets = fact.get("ipvs_real_servers", [])
                else:
                    fact = iptables.service_rules(s.ctx, s.nat, vip, port, proto)  # type: ignore[arg-type]
                    targets = fact.get("sep_dnat", [])
                s.observations.append(fact)
                for to in targets:
                    ip, _, p = to.rpartition(":")
                    t = Target(ip, int(p)) if p.isdigit() else Target(to)
                    bucket = dst_backends if dst is not None and vip == dst.ip else dns_backends
                    if t not in bucket:
                        bucket.append(t)
        for b in self.plan.backends:
            if b not in dst_backends:
                dst_backends.insert(0, b)
        return dst_backends, dns_backends

    def source_ip(self) -> str | None:
        for s in self.stations:
            if s.ctx is not None and s.ctx.is_source and s.view is not None:
                tunnel = s.view.tunnel
                if s.ctx.is_node and tunnel is not None and tunnel.vxlan_local:
                    return tunnel.vxlan_local
                return s.view.first_ipv4()
        return None

    # -- phase two: probes and judgements ------------------------------------------------
    def phase_two(self, backends: list[Target], dns_backends: list[Target]) -> None:
        plan = self.plan
        dst = plan.destination
        src_ip = self.source_ip()
        pod_ips = [b.ip for b in backends]
        if dst is not None and not self.is_service(dst.ip):
            pod_ips.insert(0, dst.ip)
        jobs: list[tuple[_Station, Future[Any], Callable[[_Station, Any], None]]] = []
        for s in self.stations:
            ctx = s.ctx
            assert ctx is not None
            if ctx.role.startswith("other"):
                continue  # not on the case's path (roles.assign): nothing to read there
            submit = s.pool.submit
            if s.view is not None:
                jobs.append((s, submit(local.interface_facts, ctx, s.view), self._add))
            if ctx.is_node:
                jobs.append((s, submit(local.sysctl_facts, ctx, s.view or local.LocalView([], [])), self._add))
                if s.view is not None:
                    for ip in dict.fromkeys(pod_ips):
                        if ctx.is_source:
                            s.observations.append(local.route_fact(ctx, s.view, ip, "forward"))
                    if not ctx.is_source and src_ip and ip_in(src_ip, plan.pod_cidr):
                        s.observations.append(local.route_fact(ctx, s.view, src_ip, "return"))
            if s.filter is not None:
                s.observations.append(iptables.firewall(ctx, s.filter))
            if ctx.is_source:
                jobs.append((s, submit(local.pressure, ctx), self._add))
                for t in self.probe_targets(backends):
                    if not self.is_service(t.ip):
                        jobs.append((s, submit(reach.ping, ctx, t.ip), self._add))
                    if t.port is not None:
                        jobs.append((s, submit(reach.tcp_connect, ctx, t.ip, t.port), self._add))
                sweep_to = next(iter(dict.fromkeys(pod_ips)), None)
                if sweep_to is None and dst is not None and not self.is_service(dst.ip):
                    sweep_to = dst.ip
                if sweep_to is not None:
                    jobs.append((s, submit(reach.mtu_sweep, ctx, sweep_to), self._add))
                if not ctx.is_node:
                    jobs.append((s, submit(dns_probe.pod_dns_config, ctx), self._add))
                    servers = list(dict.fromkeys([*plan.dns_servers, *([plan.cluster_dns] if plan.cluster_dns else [])]))
                    for name in plan.names:
                        jobs.append((s, submit(dns_probe.lookup, ctx, name, None), self._add))
                        for server in servers:
                            jobs.append((s, submit(dns_probe.lookup, ctx, name, server), self._add))
                    if plan.names and plan.cluster_dns:
                        jobs.append((s, submit(reach.tcp_connect, ctx, plan.cluster_dns, 53), self._add))
            else:
                if not ctx.is_node:
                    ports = [t.port for t in backends if t.port] or ([dst.port] if dst is not None and dst.port else [])
                    for port in dict.fromkeys(ports):
                        jobs.append((s, submit(local.listening, ctx, port), self._add))
        self._gather(jobs)

    def probe_targets(self, backends: list[Target]) -> list[Target]:
        out = list(self.plan.targets)
        for b in backends:
            if b not in out:
                out.append(b)
        return out

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
        backends, dns_backends = runner.service_facts()
        role_inference.assign(runner.stations, runner.plan, runner.context, backends, dns_backends, runner.is_service)
        runner.phase_two(backends, dns_backends)
        role_inference.settle_source(runner.stations, runner.context)
        finished = True
    except BaseException:
        # Ctrl-C, SIGTERM or an error: kill the probes' children now and stop the waiting ones,
        # instead of letting each run to its timeout
        CHILDREN.cancel()
        raise
    finally:
        runner.close(wait=finished)
    return _assemble(runner, backends)


def _assemble(runner: _Runner, backends: list[Target]) -> Collected:
    from .assemble import assemble

    return assemble(runner, backends)
