"""One fault per scenario, injected into a freshly built lab, and how podnet collects it.

Each scenario names the cause the knowledge base must rank first (ids of kb/causes) and the
vantage points a support engineer following the guide would collect from.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from . import topology as t

COMMON_ARGS = (
    "--to", f"{t.WEB_SERVICE_IP}:80",
    "--name", t.WEB_NAME,
    "--cluster-dns", t.DNS_SERVICE_IP,
    "--service-cidr", t.SERVICE_CIDR,
    "--pod-cidr", t.CLUSTER_CIDR,
)


ALL_VANTAGES = (t.CLIENT, t.NODE1, t.NODE2, t.WEB, t.DNS)
"""Every namespace of the lab but the switch: what a user probing "from everywhere" gives."""
DEFAULT_ARGS = ("--to", f"{t.WEB_SERVICE_IP}:80", "--name", t.WEB_NAME)


@dataclass(frozen=True)
class Scenario:
    name: str
    expected: str | None  # cause id ranked first; None = no cause at all
    summary: str
    inject: Callable[[t.LabState], None]
    vantages: tuple[tuple[str, str], ...] = ((t.CLIENT, "source_pod"), (t.NODE1, "source_node"))
    extra_args: tuple[str, ...] = field(default=())
    args: tuple[str, ...] = COMMON_ARGS
    source: str | None = None
    """The namespace that must be found to be the source (default: the client Pod)."""

    def collect_args(self) -> list[str]:
        """Arguments of ``podnet collect`` for this scenario with role hints (``--as``, the
        cluster's ranges and DNS IP, per-scenario vantage points): the pre-issue-10 invocation."""
        out: list[str] = []
        for ns, role in self.vantages:
            out += ["--netns", ns, "--as", role]
        return out + list(self.args) + list(self.extra_args)

    def default_args(self) -> list[str]:
        """The invocation a user would type: every lab namespace at once, no ``--as``, only the
        failing Service and its name (the same for every scenario)."""
        out: list[str] = []
        for ns in ALL_VANTAGES:
            out += ["--netns", ns]
        return out + list(DEFAULT_ARGS)


def _iptables(ns: str, *rule: str) -> Callable[[t.LabState], None]:
    def inject(_state: t.LabState) -> None:
        t.ns_exec(ns, ["iptables", *rule])

    return inject


def _nothing(_state: t.LabState) -> None:
    return None


def _route_missing(_state: t.LabState) -> None:
    t.ip_batch(t.NODE1, [f"route del {t.N2.subnet}"])


def _link_down(_state: t.LabState) -> None:
    t.ip_batch(t.SW, ["link set p-node1 down"])  # the cable to node1 is pulled: node1's eth0 loses carrier


def _app_not_started(state: t.LabState) -> None:
    t.stop(state, "web")


def _app_loopback(state: t.LabState) -> None:
    t.stop(state, "web")
    t.start_web(state, bind="127.0.0.1")


def _dns_down(state: t.LabState) -> None:
    t.stop(state, "dns")


def _resolv_wrong(_state: t.LabState) -> None:
    t.write_resolv_conf(t.CLIENT, "198.18.0.53")  # e.g. the node's upstream resolver copied into the Pod


def _mtu_cni_too_large(_state: t.LabState) -> None:
    """A hand-set CNI "mtu": Pods, veths and cni0 at 1500 while flannel.1 carries 1450."""
    for pod in t.PODS:
        t.ip_batch(pod.ns, ["link set eth0 mtu 1500"])
        t.ip_batch(pod.node.ns, [f"link set {pod.veth} mtu 1500"])
    for n in t.NODES:
        t.ip_batch(n.ns, ["link set cni0 mtu 1500"])


def _mtu_underlay_smaller(_state: t.LabState) -> None:
    """The network between the nodes carries 1400 bytes while the NICs (and flannel.1 = 1500 - 50) assume 1500.

    The switch ports drop larger frames silently, as a VPN, IPsec or cloud link below 1500 does."""
    t.ip_batch(t.SW, [f"link set p-{n.name} mtu 1400" for n in t.NODES])


def _kube_proxy_missing(_state: t.LabState) -> None:
    t.ns_exec(t.NODE1, ["iptables", "-t", "nat", "-F"])
    t.ns_exec(t.NODE1, ["iptables", "-t", "nat", "-X"])


def _ip_forward_off(_state: t.LabState) -> None:
    t.sysctl(t.NODE1, "net.ipv4.ip_forward", "0")


def _dual_address(_state: t.LabState) -> None:
    """A DHCP lease lands on node1's NIC as its primary address; the static one becomes secondary."""
    t.ip_batch(t.NODE1, [
        "addr flush dev eth0",
        f"addr add {t.DUAL_ADDRESS}/{t.UNDERLAY_PREFIX} dev eth0",
        f"addr add {t.N1.ip}/{t.UNDERLAY_PREFIX} dev eth0",
        f"route replace {t.SERVICE_CIDR} via {t.SWITCH_IP} dev eth0",
    ])


def _packet_loss(_state: t.LabState) -> None:
    """10 % random loss on the underlay switch, each way (netem is not available; nftables numgen is)."""
    t.ns_exec(t.SW, ["nft", "-f", "-"], stdin=(
        "table bridge podnet_lab_loss {\n"
        "  chain forward {\n"
        "    type filter hook forward priority 0; policy accept;\n"
        "    numgen random mod 10 < 1 counter drop\n"
        "  }\n"
        "}\n"
    ))


def _return_route_missing(_state: t.LabState) -> None:
    t.ip_batch(t.NODE2, [f"route del {t.N1.subnet}"])  # node2 cannot answer node1's Pods


def _dest_ip_forward_off(_state: t.LabState) -> None:
    t.sysctl(t.NODE2, "net.ipv4.ip_forward", "0")


def _resolv_stale_service(_state: t.LabState) -> None:
    # a Service IP the DNS Service had before it was re-created: in the Service range, no rule for it now
    t.write_resolv_conf(t.CLIENT, t.STALE_DNS_SERVICE_IP)


def _jumbo_underlay_cut(_state: t.LabState) -> None:
    """Jumbo frames everywhere (NICs 9000, flannel.1, cni0, veths and Pods 8950) but the switch
    between the nodes carries 1500 bytes: VXLAN frames over 1500 vanish."""
    for n in t.NODES:
        t.ip_batch(n.ns, ["link set eth0 mtu 9000", "link set flannel.1 mtu 8950", "link set cni0 mtu 8950"])
    for pod in t.PODS:
        t.ip_batch(pod.node.ns, [f"link set {pod.veth} mtu 8950"])
        t.ip_batch(pod.ns, ["link set eth0 mtu 8950"])
    t.ip_batch(t.SW, [f"link set p-{n.name} mtu 1500" for n in t.NODES])


def _one_service_unsynced(_state: t.LabState) -> None:
    """node1's kube-proxy lost the web Service's rules only (the DNS Service's are intact)."""
    t.ns_exec(t.NODE1, ["iptables-restore"], stdin=t.remove_service_rules(t.kube_proxy_nat(), t.WEB_SERVICE[0]) + t.node_filter())


WEB = t.WEB_POD.ip
BOTH_ENDS = ((t.CLIENT, "source_pod"), (t.NODE1, "source_node"), (t.NODE2, "destination_node"))
PORT_VIEW = ((t.CLIENT, "source_pod"), (t.NODE1, "source_node"), (t.WEB, "destination_pod"))
PORT_FW_VIEW = PORT_VIEW + ((t.NODE2, "destination_node"),)

SCENARIOS: tuple[Scenario, ...] = (
    Scenario("healthy", None, "nothing is wrong", _nothing),
    Scenario("firewall-drop-all", "iptables_blocks_traffic", "node2 drops everything forwarded to the web Pod",
             _iptables(t.NODE2, "-A", "FORWARD", "-d", f"{WEB}/32", "-j", "DROP"), BOTH_ENDS),
    Scenario("icmp-dropped", "icmp_filtered", "node2 drops ICMP to the web Pod; TCP still passes",
             _iptables(t.NODE2, "-A", "FORWARD", "-d", f"{WEB}/32", "-p", "icmp", "-j", "DROP"), BOTH_ENDS),
    Scenario("route-missing", "route_missing", "node1 has no route to node2's PodCIDR", _route_missing),
    Scenario("underlay-link-down", "link_failure", "the switch port of node1 is down (no carrier)", _link_down),
    Scenario("app-not-started", "app_not_listening", "the web server is not running", _app_not_started, PORT_VIEW),
    Scenario("app-bound-loopback", "app_bound_loopback", "the web server listens on 127.0.0.1 only", _app_loopback, PORT_VIEW),
    Scenario("port-reject", "port_firewall_blocks", "node2 REJECTs TCP port 80 to the web Pod",
             _iptables(t.NODE2, "-A", "FORWARD", "-d", f"{WEB}/32", "-p", "tcp", "--dport", "80", "-j", "REJECT"), PORT_FW_VIEW),
    Scenario("port-drop", "port_firewall_blocks", "node2 DROPs TCP port 80 to the web Pod",
             _iptables(t.NODE2, "-A", "FORWARD", "-d", f"{WEB}/32", "-p", "tcp", "--dport", "80", "-j", "DROP"), PORT_FW_VIEW),
    Scenario("dns-server-down", "dns_service_down", "dnsmasq in the DNS Pod is not running", _dns_down),
    Scenario("resolv-conf-wrong", "pod_dns_config_wrong", "the client Pod's resolv.conf names 198.18.0.53, not the DNS Service",
             _resolv_wrong, ((t.CLIENT, "source_pod"),)),
    Scenario("dns-udp-blocked", "pod_cannot_reach_dns", "node1 drops UDP port 53 it forwards",
             _iptables(t.NODE1, "-A", "FORWARD", "-p", "udp", "--dport", "53", "-j", "DROP")),
    Scenario("mtu-cni-larger-than-tunnel", "mtu_cni_device", "Pods, veths and cni0 at MTU 1500 while flannel.1 carries 1450",
             _mtu_cni_too_large),
    Scenario("mtu-underlay-smaller", "mtu_host_nic",
             "the underlay carries 1400 bytes; NICs say 1500 and flannel.1 1450, so VXLAN frames of 1500 vanish",
             _mtu_underlay_smaller),
    Scenario("kube-proxy-missing", "kube_proxy_no_rules", "node1 has no kube-proxy NAT rules", _kube_proxy_missing, BOTH_ENDS),
    Scenario("ip-forward-off", "ip_forward_disabled", "net.ipv4.ip_forward=0 on node1", _ip_forward_off),
    Scenario("dual-address", "node_dual_address_vxlan",
             "node1's NIC got a DHCP address (198.18.0.211) as primary; ClusterIP from node1 breaks, Pod IPs work",
             _dual_address, ((t.NODE1, "source_node"),), extra_args=("--to", f"{WEB}:80"), source=t.NODE1),
    Scenario("underlay-packet-loss", "link_packet_loss", "the underlay switch loses 10 % of frames each way", _packet_loss),
    Scenario("reject-host-prohibited", "iptables_blocks_traffic",
             "node2 REJECTs everything forwarded to the web Pod with icmp-host-prohibited",
             _iptables(t.NODE2, "-A", "FORWARD", "-d", f"{WEB}/32", "-j", "REJECT", "--reject-with", "icmp-host-prohibited"), BOTH_ENDS),
    Scenario("port-reject-tcp-reset", "port_firewall_blocks", "node2 REJECTs TCP port 80 to the web Pod with tcp-reset",
             _iptables(t.NODE2, "-A", "FORWARD", "-d", f"{WEB}/32", "-p", "tcp", "--dport", "80", "-j", "REJECT",
                       "--reject-with", "tcp-reset"), PORT_FW_VIEW),
    Scenario("dest-pod-firewall", "port_firewall_blocks", "the web Pod's own firewall REJECTs TCP port 80 (destination side)",
             _iptables(t.WEB, "-A", "INPUT", "-p", "tcp", "--dport", "80", "-j", "REJECT"), PORT_VIEW),
    Scenario("dest-return-route-missing", "route_missing", "node2 has no route back to node1's PodCIDR (destination side)",
             _return_route_missing, BOTH_ENDS),
    Scenario("dest-ip-forward-off", "ip_forward_disabled", "net.ipv4.ip_forward=0 on node2 (destination side)",
             _dest_ip_forward_off, BOTH_ENDS),
    Scenario("resolv-conf-stale-service", "pod_dns_config_wrong",
             f"the client Pod's resolv.conf names {t.STALE_DNS_SERVICE_IP}, a stale Service IP no rule serves",
             _resolv_stale_service, ((t.CLIENT, "source_pod"),)),
    Scenario("mtu-jumbo-underlay-1500", "mtu_host_nic",
             "NICs at 9000, flannel.1, cni0 and Pods at 8950, but the switch between the nodes carries 1500",
             _jumbo_underlay_cut),
    Scenario("kube-proxy-one-service", "kube_proxy_no_rules",
             "node1's kube-proxy rules lack the web Service only (the DNS Service's are there)", _one_service_unsynced, BOTH_ENDS),
)

BY_NAME = {s.name: s for s in SCENARIOS}


def set_up(scenario: Scenario) -> t.LabState:
    """Build a fresh healthy lab and inject the scenario's fault."""
    state = t.build()
    scenario.inject(state)
    time.sleep(0.05)
    return state


@dataclass
class Outcome:
    scenario: Scenario
    causes: list[tuple[str, float]]
    warnings: list[str]
    seconds: float
    facts: dict

    @property
    def rank(self) -> int | None:
        ids = [c for c, _ in self.causes]
        if self.scenario.expected is None:
            return None
        return ids.index(self.scenario.expected) + 1 if self.scenario.expected in ids else None

    @property
    def confidence(self) -> float | None:
        return next((conf for c, conf in self.causes if c == self.scenario.expected), None)

    @property
    def passed(self) -> bool:
        if self.scenario.expected is None:
            return not self.causes
        return self.rank == 1


CLIENT_ONLY = ((t.CLIENT, "source_pod"),)


def client_only(scenario: Scenario) -> Scenario | None:
    """The same scenario seen from the client Pod alone (None when the client is not the source)."""
    if scenario.vantages[0][0] != t.CLIENT:
        return None
    extra = (*scenario.extra_args, "--backend", f"{t.WEB_POD.ip}:80")  # as `kubectl get endpoints web` tells
    return Scenario(scenario.name, scenario.expected, scenario.summary, scenario.inject, CLIENT_ONLY, extra)


def collect_and_diagnose(scenario: Scenario, *, hinted: bool = False) -> Outcome:
    """``podnet collect ... --diagnose`` in-process, from lab namespaces only: the default
    invocation (every namespace, no hints), or with ``hinted`` the scenario's roles and flags."""
    import argparse

    from podnet import diagnose
    from podnet.cli.collect_cmd import add_parser
    from podnet.collect import Plan, collect, parse_target

    argv = scenario.collect_args() if hinted else scenario.default_args()
    for i, a in enumerate(argv):
        if a == "--netns":
            assert argv[i + 1].startswith(t.PREFIX), argv[i + 1]  # probes run only from inside the lab
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers())
    args = parser.parse_args(["collect", *argv])
    plan = Plan(
        targets=[parse_target(x) for x in args.targets],
        names=args.names,
        backends=[parse_target(b) for b in args.backend],
        service_cidr=args.service_cidr,
        pod_cidr=args.pod_cidr,
        cluster_dns=args.cluster_dns,
        timeout=args.timeout,
        case_id=f"lab-{scenario.name}",
    )
    start = time.monotonic()
    result = collect(list(args.vantages), plan)
    diagnosis = diagnose(result.facts)
    seconds = time.monotonic() - start
    causes = [(c.id, round(c.confidence, 3)) for c in diagnosis.causes]
    return Outcome(scenario, causes, result.warnings, seconds, result.facts.to_json_dict())


def diagnose_transcript(scenario: Scenario, text: str) -> Outcome:
    """``podnet diagnose --raw`` on the scenario's terminal transcript, as a user runs it."""
    import json
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory(prefix="podnet-lab-transcript-") as folder:
        path = Path(folder) / f"{scenario.name}.txt"
        path.write_text(text, encoding="utf-8")
        start = time.monotonic()
        proc = subprocess.run([sys.executable, "-m", "podnet", "diagnose", "--raw", str(path), "-o", "json"],
                              capture_output=True, text=True, timeout=180, check=False)
        seconds = time.monotonic() - start
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"podnet diagnose --raw failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    data = json.loads(proc.stdout)
    causes = [(c["id"], round(c["confidence"], 3)) for c in data["causes"]]
    warnings = [line for line in proc.stderr.splitlines() if "warning" in line]
    return Outcome(scenario, causes, warnings, seconds, {"observations": [], "transcript": text})


@dataclass
class Runs:
    """One scenario collected the way a user would (``default``), with the role hints of the
    scenario (``hinted``: ``--as``, the ranges, the DNS IP) and from the client Pod alone (hinted)."""

    default: Outcome
    hinted: Outcome | None = None
    alone: Outcome | None = None
    transcript: Outcome | None = None


def run(scenario: Scenario, *, also_hinted: bool = False) -> Runs:
    """Build, inject, collect and diagnose (also with hints and from the client Pod alone if asked), tear down."""
    try:
        set_up(scenario)
        runs = Runs(collect_and_diagnose(scenario))
        if also_hinted:
            from .transcript import record

            runs.transcript = diagnose_transcript(scenario, record(ALL_VANTAGES))
            runs.hinted = collect_and_diagnose(scenario, hinted=True)
            alone = client_only(scenario)
            runs.alone = collect_and_diagnose(alone, hinted=True) if alone is not None else None
        return runs
    finally:
        t.teardown()
