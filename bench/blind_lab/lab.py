#!/usr/bin/env python3
"""A blind namespace lab for measuring ``podnet collect --diagnose`` from outside.

Built by a tester who did not read podnet's rules, knowledge base, engine or the
project's own lab: three "nodes" (network namespaces) on two underlay networks,
flannel host-gw style routing of per-node Pod CIDRs, Pods behind a ``cni0``
bridge on each node, kube-proxy-like iptables NAT for one ClusterIP Service and
for the cluster DNS Service, a dnsmasq DNS Pod, and a healthy baseline firewall
(conntrack INVALID drop, FORWARD policy DROP with flannel's accept rules, a node
INPUT allow-list).  Faults from ``faults.yaml`` are injected one at a time.

Safety: only namespaces named ``podnet-blind-<pid>-*`` made here, only
addresses in 198.19.128.0/17, nothing in the root namespace (veth pairs are
created inside lab namespaces), no default route on any node, every probe bounded
by a timeout, cleanup of processes by PID and of namespaces by name in
``finally``.

Usage (as root)::

    python3 bench/blind_lab/lab.py build            # state in /tmp/podnet-blind-lab.json
    python3 bench/blind_lab/lab.py inject FAULT
    python3 bench/blind_lab/lab.py check            # the lab's own bounded probes
    python3 bench/blind_lab/lab.py destroy
    python3 bench/blind_lab/lab.py run [FAULT ...]  # build, inject, probe podnet, destroy, per fault
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
STATE_FILE = Path("/tmp/podnet-blind-lab.json")
PODNET = os.environ.get("PODNET", "/work/main/.venv/bin/podnet")
PY = "/usr/bin/python3"

# ---------------------------------------------------------------- addressing
# Everything inside 198.19.128.0/17.
UNDERLAY = "198.19.250"        # node NICs eth0 (.1 .2 .3), fabric catch-all .254
STORAGE = "198.19.251"         # second node network eth1 (.1 .2 .3), fabric .254
CLUSTER_POD_CIDR = "198.19.128.0/18"
LAB_RANGE = "198.19.128.0/17"
SERVICE_CIDR = "198.19.224.0/20"
WEB_SVC = "198.19.224.50"
WEB_PORT = 80
WEB_TARGET_PORT = 8080
DNS_SVC = "198.19.224.10"
WEB_NAME = "web.default.svc.cluster.local"

NODES = {  # name: (index, pod cidr third octet)
    "node-a": (1, 129),
    "node-b": (2, 130),
    "node-c": (3, 131),
}
PODS = {  # name: (node, last octet)
    "client": ("node-a", 21),
    "batch": ("node-a", 22),
    "web": ("node-b", 10),
    "dns": ("node-c", 53),
}
STALE_WEB_IP = "198.19.130.77"  # an address no Pod owns (stale endpoint fault)
WRONG_NAMESERVER = "198.19.224.99"


def pod_ip(pod: str) -> str:
    node, last = PODS[pod]
    return f"198.19.{NODES[node][1]}.{last}"


def node_ip(node: str, net: str = UNDERLAY) -> str:
    return f"{net}.{NODES[node][0]}"


def pod_cidr(node: str) -> str:
    return f"198.19.{NODES[node][1]}.0/24"


def chain_hash(kind: str, text: str) -> str:
    """A kube-proxy-like chain name (KUBE-SVC-XXXXXXXXXXXXXXXX)."""
    digest = hashlib.sha256(text.encode()).digest()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    return f"KUBE-{kind}-" + "".join(alphabet[b % 32] for b in digest[:16])


# ---------------------------------------------------------------- shell helpers
class LabError(RuntimeError):
    """A lab command failed."""


def sh(*args: str, ns: str | None = None, check: bool = True, timeout: float = 20,
       stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    cmd = list(args)
    if ns is not None:
        cmd = ["ip", "netns", "exec", ns, *cmd]
    proc = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise LabError(f"{' '.join(cmd)}: rc={proc.returncode}: {proc.stderr.strip()}")
    return proc


@dataclass
class Lab:
    """Names and processes of one lab instance."""

    prefix: str
    pids: dict[str, int] = field(default_factory=dict)
    fault: str | None = None

    def ns(self, short: str) -> str:
        return f"{self.prefix}-{short}"

    @property
    def namespaces(self) -> list[str]:
        return [self.ns("fabric"), *(self.ns(n) for n in NODES), *(self.ns(p) for p in PODS)]

    @property
    def workdir(self) -> Path:
        return Path("/tmp") / self.prefix

    def save(self) -> None:
        STATE_FILE.write_text(json.dumps({"prefix": self.prefix, "pids": self.pids,
                                          "fault": self.fault}))

    @classmethod
    def load(cls) -> "Lab":
        data = json.loads(STATE_FILE.read_text())
        return cls(prefix=data["prefix"], pids=data["pids"], fault=data.get("fault"))


def sysctl(lab: Lab, ns: str, key: str, value: str) -> None:
    sh("sysctl", "-qw", f"{key}={value}", ns=lab.ns(ns))


def offloads_off(ns: str, dev: str) -> None:
    # frame sizes matter for the MTU fault; veth offloads would hide them
    sh("ethtool", "-K", dev, "tx", "off", "sg", "off", "tso", "off", "gso", "off", "gro", "off",
       ns=ns, check=False)


# ---------------------------------------------------------------- iptables baseline
def nat_rules(web_backend: str = pod_ip("web")) -> str:
    web_svc = chain_hash("SVC", "default/web:http")
    web_sep = chain_hash("SEP", "default/web:http" + web_backend)
    dns_u = chain_hash("SVC", "kube-system/kube-dns:dns")
    dns_t = chain_hash("SVC", "kube-system/kube-dns:dns-tcp")
    dns_su = chain_hash("SEP", "kube-system/kube-dns:dns" + pod_ip("dns"))
    dns_st = chain_hash("SEP", "kube-system/kube-dns:dns-tcp" + pod_ip("dns"))
    dns = pod_ip("dns")
    c = CLUSTER_POD_CIDR
    return f"""*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:FLANNEL-POSTRTG - [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-SERVICES - [0:0]
:{web_svc} - [0:0]
:{web_sep} - [0:0]
:{dns_u} - [0:0]
:{dns_t} - [0:0]
:{dns_su} - [0:0]
:{dns_st} - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG
-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s {c} -d {c} -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s {c} ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE
-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000
-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE
-A KUBE-SERVICES -d {WEB_SVC}/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport {WEB_PORT} -j {web_svc}
-A KUBE-SERVICES -d {DNS_SVC}/32 -p udp -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp --dport 53 -j {dns_u}
-A KUBE-SERVICES -d {DNS_SVC}/32 -p tcp -m comment --comment "kube-system/kube-dns:dns-tcp cluster IP" -m tcp --dport 53 -j {dns_t}
-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
-A {web_svc} ! -s {c} -d {WEB_SVC}/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport {WEB_PORT} -j KUBE-MARK-MASQ
-A {web_svc} -m comment --comment "default/web:http -> {web_backend}:{WEB_TARGET_PORT}" -j {web_sep}
-A {web_sep} -s {web_backend}/32 -m comment --comment "default/web:http" -j KUBE-MARK-MASQ
-A {web_sep} -p tcp -m comment --comment "default/web:http" -m tcp -j DNAT --to-destination {web_backend}:{WEB_TARGET_PORT}
-A {dns_u} ! -s {c} -d {DNS_SVC}/32 -p udp -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp --dport 53 -j KUBE-MARK-MASQ
-A {dns_u} -m comment --comment "kube-system/kube-dns:dns -> {dns}:53" -j {dns_su}
-A {dns_su} -s {dns}/32 -m comment --comment "kube-system/kube-dns:dns" -j KUBE-MARK-MASQ
-A {dns_su} -p udp -m comment --comment "kube-system/kube-dns:dns" -m udp -j DNAT --to-destination {dns}:53
-A {dns_t} ! -s {c} -d {DNS_SVC}/32 -p tcp -m comment --comment "kube-system/kube-dns:dns-tcp cluster IP" -m tcp --dport 53 -j KUBE-MARK-MASQ
-A {dns_t} -m comment --comment "kube-system/kube-dns:dns-tcp -> {dns}:53" -j {dns_st}
-A {dns_st} -s {dns}/32 -m comment --comment "kube-system/kube-dns:dns-tcp" -j KUBE-MARK-MASQ
-A {dns_st} -p tcp -m comment --comment "kube-system/kube-dns:dns-tcp" -m tcp -j DNAT --to-destination {dns}:53
COMMIT
"""


def filter_rules() -> str:
    c = CLUSTER_POD_CIDR
    return f"""*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:FLANNEL-FWD - [0:0]
:KUBE-FORWARD - [0:0]
:NODE-INPUT - [0:0]
-A INPUT -m comment --comment "node allow-list" -j NODE-INPUT
-A FORWARD -m conntrack --ctstate INVALID -j DROP
-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD
-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD
-A FLANNEL-FWD -s {c} -m comment --comment "flanneld forward" -j ACCEPT
-A FLANNEL-FWD -d {c} -m comment --comment "flanneld forward" -j ACCEPT
-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A NODE-INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A NODE-INPUT -i lo -j ACCEPT
-A NODE-INPUT -p icmp -j ACCEPT
-A NODE-INPUT -p tcp -m tcp --dport 22 -j ACCEPT
-A NODE-INPUT -p tcp -m tcp --dport 10250 -j ACCEPT
-A NODE-INPUT -s {c} -j ACCEPT
-A NODE-INPUT -s {UNDERLAY}.0/24 -j ACCEPT
-A NODE-INPUT -s {STORAGE}.0/24 -j ACCEPT
-A NODE-INPUT -j DROP
COMMIT
"""


# ---------------------------------------------------------------- build / destroy
def build(lab: Lab) -> None:
    for ns in lab.namespaces:
        sh("ip", "netns", "add", ns)
    for ns in lab.namespaces:
        sh("ip", "link", "set", "lo", "up", ns=ns)
    fab = lab.ns("fabric")
    lab.workdir.mkdir(parents=True, exist_ok=True)

    # fabric: two bridges, a catch-all address per network that does NOT forward
    sysctl(lab, "fabric", "net.ipv4.ip_forward", "0")
    for br, net in (("br0", UNDERLAY), ("br1", STORAGE)):
        sh("ip", "link", "add", br, "type", "bridge", ns=fab)
        sh("ip", "addr", "add", f"{net}.254/24", "dev", br, ns=fab)
        sh("ip", "link", "set", br, "up", ns=fab)

    for node, (idx, octet) in NODES.items():
        nns = lab.ns(node)
        for dev, br, net in (("eth0", "br0", UNDERLAY), ("eth1", "br1", STORAGE)):
            peer = f"{node[-1]}{dev}"  # e.g. aeth0 in the fabric
            sh("ip", "-n", fab, "link", "add", peer, "type", "veth", "peer", "name", dev,
               "netns", nns)
            sh("ip", "link", "set", peer, "master", br, "up", ns=fab)
            offloads_off(fab, peer)
            sh("ip", "addr", "add", f"{net}.{idx}/24", "dev", dev, ns=nns)
            sh("ip", "link", "set", dev, "up", ns=nns)
            offloads_off(nns, dev)
        # cni0 bridge holding the node's PodCIDR
        sh("ip", "link", "add", "cni0", "type", "bridge", ns=nns)
        sh("ip", "addr", "add", f"198.19.{octet}.1/24", "dev", "cni0", ns=nns)
        sh("ip", "link", "set", "cni0", "up", ns=nns)
        # host-gw routes to the other nodes' PodCIDRs; no default route: the lab range goes to the
        # fabric's catch-all, which does not forward
        for other in NODES:
            if other != node:
                sh("ip", "route", "add", pod_cidr(other), "via", node_ip(other), "dev", "eth0",
                   ns=nns)
        sh("ip", "route", "add", LAB_RANGE, "via", f"{UNDERLAY}.254", "dev", "eth0", ns=nns)
        sysctl(lab, node, "net.ipv4.ip_forward", "1")
        sysctl(lab, node, "net.bridge.bridge-nf-call-iptables", "1")
        sysctl(lab, node, "net.ipv4.conf.all.rp_filter", "0")
        for dev in ("eth0", "eth1", "cni0"):
            sysctl(lab, node, f"net.ipv4.conf.{dev}.rp_filter", "2")  # systemd's loose default
        sh("iptables-restore", ns=nns, stdin=filter_rules() + nat_rules())

    for pod, (node, last) in PODS.items():
        pns, nns = lab.ns(pod), lab.ns(node)
        host_dev = f"veth{pod}"
        sh("ip", "-n", nns, "link", "add", host_dev, "type", "veth", "peer", "name", "eth0",
           "netns", pns)
        sh("ip", "link", "set", host_dev, "master", "cni0", "up", ns=nns)
        offloads_off(nns, host_dev)
        sh("ip", "addr", "add", f"{pod_ip(pod)}/24", "dev", "eth0", ns=pns)
        sh("ip", "link", "set", "eth0", "up", ns=pns)
        offloads_off(pns, "eth0")
        gw = f"198.19.{NODES[node][1]}.1"
        sh("ip", "route", "add", "default", "via", gw, "dev", "eth0", ns=pns)  # to its node only
        etc = Path("/etc/netns") / pns
        etc.mkdir(parents=True, exist_ok=True)
        ns_search = "default" if pod != "dns" else "kube-system"
        (etc / "resolv.conf").write_text(
            f"search {ns_search}.svc.cluster.local svc.cluster.local cluster.local\n"
            f"nameserver {DNS_SVC}\noptions ndots:5\n")

    start_web(lab)
    start_dns(lab)
    wait_listening(lab)


def start_web(lab: Lab) -> None:
    www = lab.workdir / "www"
    www.mkdir(parents=True, exist_ok=True)
    (www / "index.html").write_text("web ok\n")
    (www / "big.bin").write_bytes(b"x" * 200_000)
    log = open(lab.workdir / "web.log", "wb")
    proc = subprocess.Popen(["ip", "netns", "exec", lab.ns("web"), PY, "-m", "http.server",
                             str(WEB_TARGET_PORT), "--bind", "0.0.0.0", "--directory", str(www)],
                            stdout=log, stderr=log, stdin=subprocess.DEVNULL)
    lab.pids["web"] = proc.pid


def start_dns(lab: Lab) -> None:
    log = open(lab.workdir / "dns.log", "wb")
    conf = lab.workdir / "dnsmasq.conf"
    conf.write_text("# empty: everything is on the command line\n")
    proc = subprocess.Popen([
        "ip", "netns", "exec", lab.ns("dns"), "dnsmasq", "--keep-in-foreground",
        "--no-resolv", "--no-hosts", f"--conf-file={conf}", "--pid-file=",
        "--bind-interfaces", f"--listen-address={pod_ip('dns')}", "--log-facility=-",
        f"--host-record={WEB_NAME},{WEB_SVC}",
        f"--host-record=kube-dns.kube-system.svc.cluster.local,{DNS_SVC}",
        "--local=/cluster.local/"], stdout=log, stderr=log, stdin=subprocess.DEVNULL)
    lab.pids["dns"] = proc.pid


def wait_listening(lab: Lab) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        web = sh("ss", "-ltnH", f"sport = :{WEB_TARGET_PORT}", ns=lab.ns("web"), check=False)
        dns = sh("ss", "-lunH", "sport = :53", ns=lab.ns("dns"), check=False)
        if web.stdout.strip() and dns.stdout.strip():
            return
        time.sleep(0.2)
    raise LabError("web or dns server did not start")


def kill_pid(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    for _ in range(30):
        try:
            done, _status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:  # not our child (separate CLI invocation)
            done = 0
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
        if done:
            return
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def destroy(lab: Lab) -> None:
    for pid in list(lab.pids.values()):
        kill_pid(pid)
    existing = set(sh("ip", "netns", "list", check=False).stdout.split())
    for ns in lab.namespaces:
        if ns not in existing:
            continue
        # any other process still inside a namespace of ours (e.g. a stray probe): by PID
        for stray in sh("ip", "netns", "pids", ns, check=False).stdout.split():
            kill_pid(int(stray))
        sh("ip", "netns", "delete", ns, check=False)
        shutil.rmtree(Path("/etc/netns") / ns, ignore_errors=True)
    shutil.rmtree(lab.workdir, ignore_errors=True)


# ---------------------------------------------------------------- faults
def fault_backend_not_listening(lab: Lab) -> None:
    kill_pid(lab.pids.pop("web"))


def fault_forward_drop_dest_node(lab: Lab) -> None:
    sh("iptables", "-I", "FORWARD", "1", "-d", pod_ip("web"), "-p", "tcp", "--dport",
       str(WEB_TARGET_PORT), "-m", "comment", "--comment", "hardening: block app port",
       "-j", "DROP", ns=lab.ns("node-b"))


def fault_service_rules_missing_source_node(lab: Lab) -> None:
    nns = lab.ns("node-a")
    dump = sh("iptables-save", "-t", "nat", ns=nns).stdout
    line = next(ln for ln in dump.splitlines()
                if ln.startswith("-A KUBE-SERVICES") and f"{WEB_SVC}/32" in ln)
    sh("iptables", "-t", "nat", *shlex.split(line.replace("-A ", "-D ", 1)), ns=nns)


def fault_ip_forward_off_dest_node(lab: Lab) -> None:
    sysctl(lab, "node-b", "net.ipv4.ip_forward", "0")


def fault_route_missing_source_node(lab: Lab) -> None:
    sh("ip", "route", "del", pod_cidr("node-b"), ns=lab.ns("node-a"))


def fault_dns_server_down(lab: Lab) -> None:
    kill_pid(lab.pids.pop("dns"))


def fault_resolv_wrong_nameserver(lab: Lab) -> None:
    path = Path("/etc/netns") / lab.ns("client") / "resolv.conf"
    path.write_text(path.read_text().replace(f"nameserver {DNS_SVC}",
                                             f"nameserver {WRONG_NAMESERVER}"))


def fault_mtu_mismatch_dest_node(lab: Lab) -> None:
    sh("ip", "link", "set", "eth0", "mtu", "1400", ns=lab.ns("node-b"))


def fault_pod_port_reject(lab: Lab) -> None:
    sh("iptables", "-A", "INPUT", "-p", "tcp", "--dport", str(WEB_TARGET_PORT), "-s",
       pod_cidr("node-a"), "-m", "comment", "--comment", "policy: deny from node-a pods",
       "-j", "REJECT", "--reject-with", "tcp-reset", ns=lab.ns("web"))


def fault_rp_filter_asymmetric(lab: Lab) -> None:
    nns = lab.ns("node-b")
    sh("ip", "route", "replace", pod_cidr("node-a"), "via", node_ip("node-a", STORAGE), "dev",
       "eth1", ns=nns)
    # node-a must route replies arriving on eth1 back too (it has no rp_filter strictness)
    sysctl(lab, "node-b", "net.ipv4.conf.all.rp_filter", "1")
    sysctl(lab, "node-b", "net.ipv4.conf.eth0.rp_filter", "1")
    sysctl(lab, "node-b", "net.ipv4.conf.eth1.rp_filter", "1")


def fault_stale_endpoint(lab: Lab) -> None:
    for node in NODES:
        nns = lab.ns(node)
        sh("iptables", "-t", "nat", "-F", ns=nns)
        sh("iptables", "-t", "nat", "-X", ns=nns)
        sh("iptables-restore", "--noflush", ns=nns, stdin=nat_rules(web_backend=STALE_WEB_IP))


def fault_dns_udp_dropped(lab: Lab) -> None:
    sh("iptables", "-I", "FORWARD", "1", "-d", pod_ip("dns"), "-p", "udp", "--dport", "53",
       "-m", "comment", "--comment", "hardening: udp allow-list", "-j", "DROP",
       ns=lab.ns("node-c"))


FAULTS = {
    "none": lambda lab: None,
    "backend-not-listening": fault_backend_not_listening,
    "forward-drop-dest-node": fault_forward_drop_dest_node,
    "service-rules-missing-source-node": fault_service_rules_missing_source_node,
    "ip-forward-off-dest-node": fault_ip_forward_off_dest_node,
    "route-missing-source-node": fault_route_missing_source_node,
    "dns-server-down": fault_dns_server_down,
    "resolv-wrong-nameserver": fault_resolv_wrong_nameserver,
    "mtu-mismatch-dest-node": fault_mtu_mismatch_dest_node,
    "pod-port-reject": fault_pod_port_reject,
    "rp-filter-asymmetric": fault_rp_filter_asymmetric,
    "stale-endpoint": fault_stale_endpoint,
    "dns-udp-dropped": fault_dns_udp_dropped,
}


# ---------------------------------------------------------------- the lab's own probes
def check(lab: Lab) -> dict[str, str]:
    """Bounded probes from the client Pod, as a user would try by hand."""
    c = lab.ns("client")
    out: dict[str, str] = {}

    def run(key: str, *cmd: str) -> None:
        try:
            p = sh("timeout", "8", *cmd, ns=c, check=False, timeout=12)
            text = (p.stdout + p.stderr).strip().splitlines()
            out[key] = f"rc={p.returncode} " + (text[-1] if text else "")
        except subprocess.TimeoutExpired:
            out[key] = "timeout"

    run("http-clusterip", "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
        "--max-time", "4", f"http://{WEB_SVC}:{WEB_PORT}/big.bin")
    run("http-pod", "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
        "--max-time", "4", f"http://{pod_ip('web')}:{WEB_TARGET_PORT}/big.bin")
    run("dns-resolvconf", "dig", "+time=2", "+tries=1", "+short", WEB_NAME)
    run("dns-tcp", "dig", "+tcp", "+time=2", "+tries=1", "+short", f"@{DNS_SVC}", WEB_NAME)
    run("ping-1472-df", "ping", "-c", "2", "-W", "1", "-M", "do", "-s", "1472", pod_ip("web"))
    run("ping-small", "ping", "-c", "2", "-W", "1", pod_ip("web"))
    return out


# ---------------------------------------------------------------- podnet runs
def vantage_args(lab: Lab, variant: str) -> list[str]:
    if variant == "roles":
        # what a support engineer names: the client Pod and its node, the backend Pod and its node
        return ["--netns", lab.ns("client"), "--as", "source_pod",
                "--netns", lab.ns("node-a"), "--as", "source_node",
                "--netns", lab.ns("web"), "--as", "destination_pod",
                "--netns", lab.ns("node-b"), "--as", "destination_node"]
    # "every place at once, no roles given": all nodes and the Pods involved, roles inferred
    return ["--netns", lab.ns("client"), "--netns", lab.ns("node-a"),
            "--netns", lab.ns("web"), "--netns", lab.ns("node-b"),
            "--netns", lab.ns("dns"), "--netns", lab.ns("node-c")]


def run_podnet(lab: Lab, variant: str, outdir: Path, fault: str) -> dict[str, Any]:
    cmd = [PODNET, "collect", *vantage_args(lab, variant), "--to", f"{WEB_SVC}:{WEB_PORT}",
           "--name", WEB_NAME, "--diagnose", "-o", "json", "--color", "never"]
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
        rc, stdout, stderr = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as exc:
        rc, stdout, stderr = -1, str(exc.stdout or ""), "TIMEOUT " + str(exc.stderr or "")
    elapsed = time.monotonic() - t0
    (outdir / f"{fault}.{variant}.json").write_text(stdout)
    (outdir / f"{fault}.{variant}.stderr").write_text(stderr)
    # the human text report, verbose, for reading what podnet says and why
    try:
        t = subprocess.run([*cmd[:-4], "-v", "--color", "never"], capture_output=True,
                           text=True, timeout=180)
        (outdir / f"{fault}.{variant}.txt").write_text(t.stdout + "\n--- stderr ---\n" + t.stderr)
    except subprocess.TimeoutExpired:
        (outdir / f"{fault}.{variant}.txt").write_text("TIMEOUT")
    causes: list[tuple[str, float, str]] = []
    symptoms: list[str] = []
    try:
        data = json.loads(stdout)
        causes = extract_causes(data)
        symptoms = [str(s.get("id")) for s in data.get("symptoms", [])]
    except (json.JSONDecodeError, ValueError, KeyError, TypeError, AttributeError):
        pass
    return {"fault": fault, "variant": variant, "rc": rc, "seconds": round(elapsed, 1),
            "causes": causes, "symptoms": symptoms, "command": " ".join(cmd)}


def extract_causes(data: Any) -> list[tuple[str, float, str]]:
    """(id, confidence, title) of the ranked causes of a JSON diagnosis (podnet schema --diagnosis)."""
    return [(str(c["id"]), float(c["confidence"]), str(c.get("title", "")))
            for c in data.get("causes", [])]


def run_faults(faults: list[str], outdir: Path, variants: list[str]) -> list[dict[str, Any]]:
    outdir.mkdir(parents=True, exist_ok=True)
    results = []
    for fault in faults:
        lab = Lab(prefix=f"podnet-blind-{os.getpid()}")
        try:
            build(lab)
            healthy = check(lab)
            FAULTS[fault](lab)
            lab.fault = fault
            time.sleep(0.5)
            broken = check(lab)
            for variant in variants:
                res = run_podnet(lab, variant, outdir, fault)
                res["lab_check_healthy"] = healthy
                res["lab_check_fault"] = broken
                results.append(res)
                print(json.dumps({k: res[k] for k in ("fault", "variant", "rc", "seconds",
                                                       "symptoms", "causes")}), flush=True)
        finally:
            destroy(lab)
    (outdir / "results.json").write_text(json.dumps(results, indent=1))
    return results


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("build")
    inj = sub.add_parser("inject")
    inj.add_argument("fault", choices=sorted(FAULTS))
    sub.add_parser("check")
    sub.add_parser("destroy")
    run = sub.add_parser("run")
    run.add_argument("faults", nargs="*")
    run.add_argument("--out", default=str(HERE / "out"))
    run.add_argument("--variant", action="append", choices=["roles", "inferred"])
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("lab.py: must run as root", file=sys.stderr)
        return 2
    if args.cmd == "build":
        if STATE_FILE.exists():
            print(f"lab.py: a lab exists ({STATE_FILE}); destroy it first", file=sys.stderr)
            return 2
        lab = Lab(prefix=f"podnet-blind-{os.getpid()}")
        try:
            build(lab)
        except BaseException:
            destroy(lab)
            raise
        lab.save()
        print(lab.prefix)
        return 0
    if args.cmd == "run":
        faults = args.faults or list(FAULTS)
        for f in faults:
            if f not in FAULTS:
                print(f"lab.py: unknown fault {f!r}", file=sys.stderr)
                return 2
        run_faults(faults, Path(args.out), args.variant or ["roles", "inferred"])
        return 0
    if not STATE_FILE.exists():
        print("lab.py: no lab built", file=sys.stderr)
        return 2
    lab = Lab.load()
    if args.cmd == "inject":
        FAULTS[args.fault](lab)
        lab.fault = args.fault
        lab.save()
    elif args.cmd == "check":
        print(json.dumps(check(lab), indent=1))
    elif args.cmd == "destroy":
        destroy(lab)
        STATE_FILE.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
