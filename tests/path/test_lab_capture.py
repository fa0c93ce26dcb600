"""The capture plan executed in the network-namespace lab (tests/lab): tcpdump at every hop of the plan,
one connection attempt, the captures turned into observations, and ``localize`` finding the hop where
the injected fault drops the packets.

Runs only as root with the lab's tools and tcpdump; otherwise it says why (skip reason in ``-ra``).
Everything happens inside the lab's own namespaces (198.18.0.0/15); the connection attempt is made
from inside a lab namespace and bounded by a timeout; every tcpdump started here is stopped by PID.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from podnet.facts.load import facts_from_data
from podnet.path import capture_plan, localize

from ..labpolicy import lab_unavailable, require_lab
from ..lab import scenarios as sc
from ..lab import topology as t

NODE_NS = {t.N1.name: t.N1.ns, t.N2.name: t.N2.ns}
POD_BY_IP = {p.ip: p for p in t.PODS}
CONNECT_TIMEOUT = 3.0


def _require_lab() -> None:
    """Fails as root (CI), skipped otherwise (tests/labpolicy.py); the lab's names are this run's own."""
    require_lab("tcpdump")
    try:
        t.preflight()
    except t.LabError as exc:
        lab_unavailable(str(exc))


def lab_case(source: dict[str, Any], destination: dict[str, Any]) -> dict[str, Any]:
    """The lab described as a fact file (flannel VXLAN, kube-proxy iptables)."""
    return {
        "case": {"id": "lab"},
        "cluster": {
            "cni": "flannel", "mode": "vxlan", "kube_proxy_mode": "iptables",
            "service_cidr": t.SERVICE_CIDR, "pod_cidr": t.CLUSTER_CIDR,
            "nodes": [{"name": n.name, "internal_ip": n.ip, "pod_cidr": n.subnet, "nic": "eth0"} for n in t.NODES],
        },
        "endpoints": {"source": source, "destination": destination},
    }


CLIENT_SOURCE = {"kind": "pod", "name": "client", "namespace": "default", "ip": t.CLIENT_POD.ip, "node": t.N1.name}
NODE1_SOURCE = {"kind": "node", "name": t.N1.name, "node_ip": t.N1.ip}
WEB_DESTINATION = {"kind": "pod", "name": "web", "namespace": "default", "ip": t.WEB_POD.ip, "port": 80, "node": t.N2.name}
WEB_SERVICE = {"kind": "service", "name": "web", "namespace": "default", "ip": t.WEB_SERVICE_IP, "port": 80,
               "backends": [{"ip": t.WEB_POD.ip, "port": 80, "pod": "web", "node": t.N2.name}]}


def _veth_of(pod: t.Pod) -> str:
    """The plan's way: the Pod's eth0 iflink is the ifindex of its veth on the node."""
    idx = t.ns_exec(pod.ns, ["cat", "/sys/class/net/eth0/iflink"]).stdout.strip()
    for line in t.ns_exec(pod.node.ns, ["ip", "-o", "link"]).stdout.splitlines():
        num, name = line.split(": ")[:2]
        if num == idx:
            return name.split("@")[0]
    raise AssertionError(f"no veth with ifindex {idx} on {pod.node.ns}")


def _lab_target(cap: Any, hop: Any) -> tuple[str, str, str, str]:
    """(lab namespace, interface, vantage, host) where a planned capture runs in the lab."""
    vantage_end = "source" if hop.node == t.N1.name else "destination"
    if cap.namespace == "pod":
        pod = POD_BY_IP[hop.pod_ip]
        return pod.ns, cap.interface, f"{vantage_end}_pod", pod.name
    if cap.role == "veth":
        return NODE_NS[cap.node], _veth_of(POD_BY_IP[hop.pod_ip]), f"{vantage_end}_node", cap.node
    return NODE_NS[cap.node], cap.interface, f"{vantage_end}_node", cap.node


class Capture:
    """One tcpdump inside a lab namespace, its text output written to a file."""

    def __init__(self, ns: str, iface: str, flt: str, out: Path) -> None:
        assert ns.startswith(t.PREFIX), ns
        self.out = out
        self.fh = open(out, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", ns, "tcpdump", "-nn", "-l", "-i", iface, flt],
            stdout=self.fh, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, start_new_session=True,
        )

    def wait_listening(self, timeout: float = 10) -> None:
        assert self.proc.stderr is not None
        deadline = time.monotonic() + timeout
        line = b""
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if b"listening on" in line or not line:
                break
        assert b"listening on" in line, f"tcpdump did not start: {line!r}"

    def stop(self) -> str:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        self.fh.close()
        return self.out.read_text(errors="replace")


_PKT = re.compile(r"IP (\d+\.\d+\.\d+\.\d+)\.(\d+) > (\d+\.\d+\.\d+\.\d+)\.(\d+):")


def read_capture(output: str, dst_port: int) -> dict[str, Any]:
    """request_seen / reply_seen / outer_src from tcpdump's text.

    tcpdump prints VXLAN on UDP 8472 as OTV: the outer packet on one line, the inner one on the next."""
    seen: dict[str, Any] = {"request_seen": False, "reply_seen": False}
    outer: str | None = None
    for line in output.splitlines():
        packet = _PKT.search(line)
        if packet is None:
            continue
        src, sport, _dst, dport = packet.groups()
        if "OTV" in line:
            outer = src
            continue
        if dport == str(dst_port):
            seen["request_seen"] = True
            if outer is not None:
                seen.setdefault("outer_src", outer)
        elif sport == str(dst_port):
            seen["reply_seen"] = True
        outer = None
    return seen


def connect(ns: str, ip: str, port: int) -> str:
    """One TCP connection attempt from inside a lab namespace, bounded by a timeout."""
    assert ns.startswith(t.PREFIX), ns
    code = (
        "import socket,sys\n"
        "s=socket.socket(); s.settimeout(float(sys.argv[3]))\n"
        "try:\n s.connect((sys.argv[1], int(sys.argv[2]))); print('connected')\n"
        "except Exception as e:\n print(type(e).__name__)\n"
    )
    out = t.ns_exec(ns, [sys.executable, "-c", code, ip, str(port), str(CONNECT_TIMEOUT)], timeout=CONNECT_TIMEOUT + 10)
    return out.stdout.strip()


def run_plan(case: dict[str, Any], client_ns: str, ip: str, port: int, tmp_path: Path) -> tuple[Any, list[dict[str, Any]], str]:
    """Execute the plan's captures (all at once), make one connection attempt, read the captures back."""
    plan = capture_plan(facts_from_data(case, "<lab>"), "en")
    unique = {}
    for step in plan.steps:
        for cap in step.captures:
            if cap.same_as_step is None and cap.namespace != "external":
                unique[tuple(cap.hops)] = cap
    running: list[tuple[Any, Capture, str, str, str]] = []
    try:
        for i, cap in enumerate(unique.values()):
            args = shlex.split(cap.command)
            assert args[-1] == cap.filter  # the planned command carries the filter as one argument
            ns, iface, vantage, host = _lab_target(cap, plan.path[cap.hops[0]])
            c = Capture(ns, iface, cap.filter, tmp_path / f"cap{i}.txt")
            running.append((cap, c, iface, vantage, host))
        for _, c, *_ in running:
            c.wait_listening()
        result = connect(client_ns, ip, port)
        time.sleep(0.5)
    finally:
        outputs = [c.stop() for _, c, *_ in running]
    observations = []
    for (cap, _c, iface, vantage, host), text in zip(running, outputs):
        hop = plan.path[cap.hops[0]]
        obs = {"kind": "capture", "at": vantage, "host": host, "interface": iface, "filter": cap.filter,
               **read_capture(text, hop.dst.port or port)}
        observations.append(obs)
    return plan, observations, result


@pytest.fixture
def lab():
    _require_lab()
    yield
    t.teardown()


def test_firewall_on_the_destination_node_is_found_at_its_bridge(lab, tmp_path):
    scenario = sc.BY_NAME["firewall-drop-all"]
    sc.set_up(scenario)
    case = lab_case(CLIENT_SOURCE, WEB_DESTINATION)
    plan, observations, result = run_plan(case, t.CLIENT, t.WEB_POD.ip, 80, tmp_path)
    assert result == "timeout" or result == "TimeoutError", result
    verdict = localize(facts_from_data({**case, "observations": observations}, "<lab>"))
    assert verdict.direction == "request"
    assert (verdict.failing_hop.node, verdict.failing_hop.interface) == (t.N2.name, "cni0"), observations
    assert verdict.segment == "delivery" and verdict.suspects[0] == "iptables_blocks_traffic"
    # It crossed the underlay and was decapsulated: seen on node2's eth0 (VXLAN) and flannel.1.
    seen = {(o["host"], o["interface"]): o["request_seen"] for o in observations}
    assert seen[(t.N2.name, "eth0")] and seen[(t.N2.name, "flannel.1")] and not seen[(t.N2.name, "cni0")]


def test_dual_address_node_is_found_at_the_peer_tunnel(lab, tmp_path):
    scenario = sc.BY_NAME["dual-address"]
    sc.set_up(scenario)
    case = lab_case(NODE1_SOURCE, WEB_SERVICE)
    plan, observations, result = run_plan(case, t.NODE1, t.WEB_SERVICE_IP, 80, tmp_path)
    assert result in ("timeout", "TimeoutError"), result
    # The plan is the guide's: both ends, flannel.1 on both nodes, then UDP 8472 on both host NICs.
    assert [c.interface for c in plan.steps[1].captures] == ["flannel.1", "flannel.1"]
    assert all(c.filter.startswith("udp port 8472") for c in plan.steps[2].captures)
    verdict = localize(facts_from_data({**case, "observations": observations}, "<lab>"))
    assert (verdict.failing_hop.node, verdict.failing_hop.interface) == (t.N2.name, "flannel.1"), observations
    assert verdict.suspects[0] == "node_dual_address_vxlan"
    outer = {o["host"]: o.get("outer_src") for o in observations if o["interface"] == "eth0" and o["at"].endswith("_node")}
    assert outer == {t.N1.name: t.DUAL_ADDRESS, t.N2.name: t.DUAL_ADDRESS}


def test_healthy_lab_names_no_failing_hop(lab, tmp_path):
    sc.set_up(sc.BY_NAME["healthy"])
    case = lab_case(CLIENT_SOURCE, WEB_DESTINATION)
    _plan, observations, result = run_plan(case, t.CLIENT, t.WEB_POD.ip, 80, tmp_path)
    assert result == "connected"
    verdict = localize(facts_from_data({**case, "observations": observations}, "<lab>"))
    assert verdict.failing_hop is None and verdict.suspects == []
    assert all(o["request_seen"] and o["reply_seen"] for o in observations), observations
