"""A tiny Kubernetes-like cluster built from network namespaces, for podnet's end-to-end tests.

Everything lives in namespaces named ``podnet-lab-*`` and in 198.18.0.0/15 (RFC 2544 benchmark
range): nothing is created in, routed to or sent from the machine's own network namespace.

::

    podnet-lab-sw      underlay switch: bridge br0 198.18.0.1/24 (ip_forward off: a dead end)
    podnet-lab-node1   eth0 198.18.0.11/24, cni0 198.19.1.1/24, flannel.1 198.19.1.0/32 (VXLAN 1, UDP 8472)
    podnet-lab-node2   eth0 198.18.0.12/24, cni0 198.19.2.1/24, flannel.1 198.19.2.0/32
    podnet-lab-client  Pod on node1, eth0 198.19.1.10 (resolv.conf -> the DNS Service)
    podnet-lab-web     Pod on node2, eth0 198.19.2.10, python http.server on port 80
    podnet-lab-dns     Pod on node2, eth0 198.19.2.53, dnsmasq (no upstream) on port 53

    Service default/web       198.18.128.10:80/tcp  -> 198.19.2.10:80
    Service kube-system/dns   198.18.128.53:53/udp+tcp -> 198.19.2.53:53

Both nodes carry kube-proxy-style NAT rules (KUBE-SERVICES -> KUBE-SVC-* -> KUBE-SEP-* DNAT,
KUBE-MARK-MASQ, KUBE-POSTROUTING). Nodes have no default route: the Service range is routed to
the switch address, which does not forward, so a packet that no rule catches dies in the lab.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

PREFIX = os.environ.get("PODNET_LAB_PREFIX") or "podnet-lab-"
"""Namespace names start with this: ``podnet-lab-`` for the manual lab (docs/lab.md); a pytest run
sets ``PODNET_LAB_PREFIX`` to ``podnet-lab<pid>-`` (tests/labpolicy.py) so that runs never share a lab."""
if not (PREFIX.startswith("podnet-lab") and PREFIX.endswith("-") and PREFIX[:-1].replace("-", "").isalnum()):
    raise ValueError(f"PODNET_LAB_PREFIX must look like podnet-lab<tag>-, not {PREFIX!r}")
STATE_DIR = Path("/run") / PREFIX.rstrip("-")
STATE_FILE = STATE_DIR / "state.json"
LOCK_FILE = Path("/run") / f"{PREFIX.rstrip('-')}.lock"
LOCK_TIMEOUT = 600.0
ETC_NETNS = Path("/etc/netns")

SW, NODE1, NODE2 = PREFIX + "sw", PREFIX + "node1", PREFIX + "node2"
CLIENT, WEB, DNS = PREFIX + "client", PREFIX + "web", PREFIX + "dns"
NAMESPACES = (SW, NODE1, NODE2, CLIENT, WEB, DNS)

SWITCH_IP = "198.18.0.1"
UNDERLAY_PREFIX = 24
CLUSTER_CIDR = "198.19.0.0/16"
SERVICE_CIDR = "198.18.128.0/24"
DUAL_ADDRESS = "198.18.0.211"
"""The DHCP-like second address of the dual-address scenario."""


@dataclass(frozen=True)
class Node:
    ns: str
    name: str
    ip: str
    subnet: str  # the node's PodCIDR
    gateway: str  # cni0 address
    vtep: str  # flannel.1 address
    vtep_mac: str


@dataclass(frozen=True)
class Pod:
    ns: str
    name: str
    node: Node
    ip: str
    veth: str


N1 = Node(NODE1, "node1", "198.18.0.11", "198.19.1.0/24", "198.19.1.1", "198.19.1.0", "02:00:c6:13:01:00")
N2 = Node(NODE2, "node2", "198.18.0.12", "198.19.2.0/24", "198.19.2.1", "198.19.2.0", "02:00:c6:13:02:00")
NODES = (N1, N2)
CLIENT_POD = Pod(CLIENT, "client", N1, "198.19.1.10", "veth-client")
WEB_POD = Pod(WEB, "web", N2, "198.19.2.10", "veth-web")
DNS_POD = Pod(DNS, "dns", N2, "198.19.2.53", "veth-dns")
PODS = (CLIENT_POD, WEB_POD, DNS_POD)

WEB_SERVICE = ("default/web:http", "198.18.128.10", 80, "tcp", WEB_POD.ip, 80)
DNS_SERVICES = (
    ("kube-system/kube-dns:dns", "198.18.128.53", 53, "udp", DNS_POD.ip, 53),
    ("kube-system/kube-dns:dns-tcp", "198.18.128.53", 53, "tcp", DNS_POD.ip, 53),
)
WEB_NAME = "web.default.svc.cluster.local"
DNS_SERVICE_IP = "198.18.128.53"
WEB_SERVICE_IP = "198.18.128.10"
STALE_DNS_SERVICE_IP = "198.18.128.99"
"""In the Service range, served by no rule (the resolv-conf-stale-service scenario)."""

OVERLAY_MTU = 1450
UNDERLAY_MTU = 1500


class LabError(RuntimeError):
    """The lab cannot be built here (not root, a tool missing, the kernel refuses)."""


def run(cmd: list[str], *, stdin: str | None = None, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run a command (never through a shell); failures raise :class:`LabError` with its stderr.

    The bound is generous: on a loaded 2-core machine (the whole test suite running beside the lab)
    ``ip netns list`` was measured taking over 20 s."""
    try:
        proc = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError:
        raise LabError(f"command not found: {cmd[0]} (install the packages in .ci/apt-packages.txt)") from None
    except subprocess.TimeoutExpired:
        raise LabError(f"{' '.join(cmd)} did not finish within {timeout:g} s") from None
    if check and proc.returncode != 0:
        raise LabError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.strip() or proc.stdout.strip()}")
    return proc


def ip_batch(ns: str, lines: list[str]) -> None:
    """Run ``ip`` commands inside one lab namespace (``ip -n NS -batch -``)."""
    assert ns.startswith(PREFIX), ns
    run(["ip", "-n", ns, "-batch", "-"], stdin="\n".join(lines) + "\n")


def ns_exec(ns: str, cmd: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    """Run a command inside a lab namespace (``ip netns exec``)."""
    assert ns.startswith(PREFIX), ns
    return run(["ip", "netns", "exec", ns, *cmd], **kw)  # type: ignore[arg-type]


def sysctl(ns: str, name: str, value: str) -> None:
    """Set a sysctl inside a lab namespace (only ``net.*`` keys, which are per namespace)."""
    assert name.startswith("net."), name
    path = "/proc/sys/" + name.replace(".", "/")
    ns_exec(ns, ["sh", "-c", 'echo "$1" > "$2"', "sysctl", value, path])


def _chain(kind: str, key: str) -> str:
    digest = hashlib.sha256(key.encode()).digest()
    return f"KUBE-{kind}-" + base64.b32encode(digest).decode()[:16]


def kube_proxy_nat() -> str:
    """kube-proxy's iptables-mode NAT rules for the lab's Services, in iptables-save form.

    KUBE-POSTROUTING is the pre-1.16 form, which MASQUERADEs marked packets without clearing the
    0x4000 mark afterwards (see docs/lab.md, dual-address scenario)."""
    chains = ["KUBE-SERVICES", "KUBE-POSTROUTING", "KUBE-MARK-MASQ"]
    rules = [
        '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
        '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
        '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
        "-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000",
        '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -m mark --mark 0x4000/0x4000 -j MASQUERADE',
    ]
    for name, vip, port, proto, backend, bport in (WEB_SERVICE, *DNS_SERVICES):
        svc, sep = _chain("SVC", name + proto), _chain("SEP", name + proto + backend)
        chains += [svc, sep]
        c = f'-m comment --comment "{name} cluster IP"'
        rules += [
            f"-A KUBE-SERVICES ! -s {CLUSTER_CIDR} -d {vip}/32 -p {proto} {c} -m {proto} --dport {port} -j KUBE-MARK-MASQ",
            f"-A KUBE-SERVICES -d {vip}/32 -p {proto} {c} -m {proto} --dport {port} -j {svc}",
            f'-A {svc} -m comment --comment "{name}" -j {sep}',
            f'-A {sep} -s {backend}/32 -m comment --comment "{name}" -j KUBE-MARK-MASQ',
            f'-A {sep} -p {proto} -m comment --comment "{name}" -m {proto} -j DNAT --to-destination {backend}:{bport}',
        ]
    head = ["*nat", ":PREROUTING ACCEPT [0:0]", ":INPUT ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", ":POSTROUTING ACCEPT [0:0]"]
    return "\n".join(head + [f":{c} - [0:0]" for c in chains] + rules + ["COMMIT", ""])


def node_filter() -> str:
    """The filter table a real node has: kube-proxy's KUBE-FORWARD (its INVALID drop, the mark
    accept, the established accept), and a VXLAN peer allow-list chain ending in DROP (as Calico's
    Felix keeps for VXLAN). A healthy node therefore has DROP rules that decide nothing of the case."""
    lines = ["*filter", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]",
             ":KUBE-FORWARD - [0:0]", ":VXLAN-PEERS - [0:0]",
             '-A INPUT -p udp -m udp --dport 8472 -m comment --comment "vxlan peers" -j VXLAN-PEERS',
             '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
             "-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP",
             '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT',
             '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT']
    for n in NODES:
        lines.append(f'-A VXLAN-PEERS -s {n.ip}/32 -m comment --comment "vxlan peer {n.name}" -j ACCEPT')
    lines.append('-A VXLAN-PEERS -m comment --comment "vxlan from unregistered address" -j DROP')
    return "\n".join(lines + ["COMMIT", ""])


def vxlan_allowlist() -> str:
    """The node's filter table (kept under its old name: the allow-list is part of it)."""
    return node_filter()


def remove_service_rules(nat: str, name: str) -> str:
    """kube-proxy's NAT dump without one Service's rules (its KUBE-SERVICES entries and chains):
    what a node shows when kube-proxy failed to sync that Service only."""
    chains = {c for c in re.findall(r"^:(KUBE-(?:SVC|SEP)-\S+)", nat, re.M)}
    theirs = {c for c in chains if any(f'--comment "{name}' in line for line in nat.splitlines() if f"-A {c} " in line)}
    keep = [line for line in nat.splitlines()
            if not (f'"{name} cluster IP"' in line or any(line.startswith((f":{c} ", f"-A {c} ")) for c in theirs))]
    return "\n".join(keep) + "\n"


@dataclass
class LabState:
    """What the lab started: process ids by name (for teardown by PID)."""

    pids: dict[str, int] = field(default_factory=dict)
    commands: dict[str, list[str]] = field(default_factory=dict)

    def save(self) -> None:
        STATE_DIR.mkdir(parents=True, exist_ok=True)
        STATE_FILE.write_text(json.dumps({"pids": self.pids, "commands": self.commands}))

    @classmethod
    def load(cls) -> LabState:
        try:
            data = json.loads(STATE_FILE.read_text())
            return cls(pids=dict(data.get("pids", {})), commands=dict(data.get("commands", {})))
        except (OSError, ValueError):
            return cls()


def preflight() -> None:
    """Fail loudly when the lab cannot run here."""
    if os.geteuid() != 0:
        raise LabError("the lab needs root (network namespaces, veth, iptables); run as root")
    for tool in ("ip", "iptables-restore", "iptables-save", "ping", "dnsmasq", "nft", "ethtool"):
        if shutil.which(tool) is None:
            raise LabError(f"{tool} is missing; install the packages in .ci/apt-packages.txt")


def lab_namespaces() -> list[str]:
    """Lab namespaces that exist now."""
    out = run(["ip", "netns", "list"], check=False).stdout
    names = [line.split()[0] for line in out.splitlines() if line.strip()]
    return [n for n in names if n.startswith(PREFIX)]


def _veth(ns: str, name: str, peer_ns: str, peer: str) -> str:
    """Create a veth pair directly inside lab namespaces (nothing appears in the root one)."""
    return f"link add {name} type veth peer name {peer} netns {peer_ns}"


_lock_fd: int | None = None


def _acquire_lock() -> None:
    """One lab per machine: hold an exclusive lock from build() to teardown() (other processes wait)."""
    global _lock_fd
    if _lock_fd is not None:
        return
    import fcntl

    fd = os.open(LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    deadline = time.monotonic() + LOCK_TIMEOUT
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() > deadline:
                os.close(fd)
                raise LabError(f"another process has used the lab for {LOCK_TIMEOUT:g} s ({LOCK_FILE})") from None
            time.sleep(0.2)
    _lock_fd = fd


def _release_lock() -> None:
    global _lock_fd
    if _lock_fd is not None:
        os.close(_lock_fd)  # closing drops the flock
        _lock_fd = None


@contextlib.contextmanager
def locked() -> Iterator[None]:
    """Hold the lab lock for a block (e.g. to check that nothing is left, with no other run racing)."""
    held = _lock_fd is not None
    _acquire_lock()
    try:
        yield
    finally:
        if not held:
            _release_lock()


def build(*, start_apps: bool = True) -> LabState:
    """Build the healthy lab (removing any previous one first) and start its servers."""
    preflight()
    _acquire_lock()
    _cleanup()
    for ns in NAMESPACES:
        run(["ip", "netns", "add", ns])
    # underlay switch
    ip_batch(SW, [
        "link set lo up",
        "link add br0 type bridge",
        *[_veth(SW, f"p-{n.name}", n.ns, "eth0") for n in NODES],
        *[f"link set p-{n.name} master br0 up" for n in NODES],
        f"addr add {SWITCH_IP}/{UNDERLAY_PREFIX} dev br0",
        "link set br0 up",
    ])
    sysctl(SW, "net.ipv4.ip_forward", "0")
    for n in NODES:
        peer = N2 if n is N1 else N1
        ip_batch(n.ns, [
            "link set lo up",
            f"addr add {n.ip}/{UNDERLAY_PREFIX} dev eth0",
            f"link set eth0 mtu {UNDERLAY_MTU} up",
            "link add cni0 type bridge",
            f"link set cni0 mtu {OVERLAY_MTU}",
            f"addr add {n.gateway}/24 dev cni0",
            "link set cni0 up",
            f"link add flannel.1 address {n.vtep_mac} type vxlan id 1 local {n.ip} dev eth0 dstport 8472 nolearning",
            f"link set flannel.1 mtu {OVERLAY_MTU}",
            f"addr add {n.vtep}/32 dev flannel.1",
            "link set flannel.1 up",
            f"route add {peer.subnet} via {peer.vtep} dev flannel.1 onlink",
            f"neigh add {peer.vtep} lladdr {peer.vtep_mac} dev flannel.1 nud permanent",
            f"route add {SERVICE_CIDR} via {SWITCH_IP} dev eth0",
        ])
        run(["bridge", "-n", n.ns, "fdb", "append", peer.vtep_mac, "dev", "flannel.1", "dst", peer.ip, "self", "permanent"])
        sysctl(n.ns, "net.ipv4.ip_forward", "1")
        # Concurrent probes must all see the ICMP errors the kernel sends (no 1/s per-peer limit).
        sysctl(n.ns, "net.ipv4.icmp_ratelimit", "0")
        # Old kernels never re-hashed a retransmitted SYN onto another VXLAN source port; keep it so.
        sysctl(n.ns, "net.core.txrehash", "0")
        ns_exec(n.ns, ["iptables-restore"], stdin=kube_proxy_nat() + vxlan_allowlist())
        for dev in ("eth0",):
            ns_exec(n.ns, ["ethtool", "-K", dev, "tx", "off", "sg", "off", "tso", "off", "gso", "off"], check=False)
    for n in NODES:
        ns_exec(SW, ["ethtool", "-K", f"p-{n.name}", "tx", "off", "sg", "off", "tso", "off", "gso", "off"], check=False)
    for p in PODS:
        ip_batch(p.node.ns, [
            _veth(p.node.ns, p.veth, p.ns, "eth0"),
            f"link set {p.veth} mtu {OVERLAY_MTU} master cni0 up",
        ])
        ip_batch(p.ns, [
            "link set lo up",
            f"link set eth0 mtu {OVERLAY_MTU} up",
            f"addr add {p.ip}/24 dev eth0",
            f"route add default via {p.node.gateway} dev eth0",
        ])
        sysctl(p.ns, "net.ipv4.icmp_ratelimit", "0")
        write_resolv_conf(p.ns, DNS_SERVICE_IP)
    state = LabState()
    state.save()
    if start_apps:
        start_web(state)
        start_dns(state)
    return state


def write_resolv_conf(ns: str, server: str) -> None:
    """The Pod's own /etc/resolv.conf (``ip netns exec`` bind-mounts /etc/netns/NS/resolv.conf)."""
    assert ns.startswith(PREFIX)
    folder = ETC_NETNS / ns
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "resolv.conf").write_text(
        f"nameserver {server}\nsearch default.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n"
    )


def _start(state: LabState, key: str, ns: str, cmd: list[str], port: int, proto: str) -> int:
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    log = open(STATE_DIR / f"{key}.log", "ab")  # noqa: SIM115 - owned by the child
    full = ["ip", "netns", "exec", ns, *cmd]
    proc = subprocess.Popen(full, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    log.close()
    state.pids[key] = proc.pid
    state.commands[key] = full
    state.save()
    if not _wait_listening(proc, port, proto):
        try:
            tail = " | ".join((STATE_DIR / f"{key}.log").read_text(errors="replace").strip().splitlines()[-3:])
        except OSError:
            tail = "no log"
        raise LabError(f"{key} did not start listening on {proto}/{port} (exit code {proc.poll()}): {tail}")
    return proc.pid


def _wait_listening(proc: subprocess.Popen[bytes], port: int, proto: str, timeout: float = 10) -> bool:
    """Poll the process's own /proc view of its namespace's sockets (no traffic is sent)."""
    deadline = time.monotonic() + timeout
    suffix = f":{port:04X}"
    files = ("tcp", "tcp6") if proto == "tcp" else ("udp", "udp6")
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        for name in files:
            try:
                rows = [line.split() for line in Path(f"/proc/{proc.pid}/net/{name}").read_text().splitlines()[1:]]
            except OSError:
                continue
            # column 1 is local address:port, column 3 the state (0A = LISTEN for TCP)
            if any(r[1].endswith(suffix) and (proto == "udp" or r[3] == "0A") for r in rows):
                return True
        time.sleep(0.05)
    return False


def start_web(state: LabState, bind: str = "0.0.0.0") -> int:
    """Start the web server Pod's application: python's http.server on port 80."""
    www = STATE_DIR / "www"
    www.mkdir(parents=True, exist_ok=True)
    (www / "index.html").write_text("podnet lab web pod\n")
    cmd = ["python3", "-m", "http.server", "80", "--bind", bind, "--directory", str(www)]
    return _start(state, "web", WEB, cmd, 80, "tcp")


def start_dns(state: LabState) -> int:
    """Start the DNS Pod: dnsmasq answering for cluster.local only (never forwarding)."""
    conf = STATE_DIR / "dnsmasq.conf"  # empty: never read /etc/dnsmasq.conf
    conf.parent.mkdir(parents=True, exist_ok=True)
    conf.write_text("")
    cmd = [
        "dnsmasq", "--no-daemon", f"--conf-file={conf}", "--no-resolv", "--no-hosts", "--pid-file=",
        f"--listen-address={DNS_POD.ip}", "--bind-interfaces", "--local=/cluster.local/",
        f"--host-record={WEB_NAME},{WEB_SERVICE_IP}",
        f"--host-record=kube-dns.kube-system.svc.cluster.local,{DNS_SERVICE_IP}",
    ]
    return _start(state, "dns", DNS, cmd, 53, "udp")


def stop(state: LabState, key: str) -> None:
    """Stop one process the lab started, by its recorded PID."""
    pid = state.pids.pop(key, None)
    state.commands.pop(key, None)
    state.save()
    if pid is not None:
        _kill(pid)


def _kill(pid: int) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        for _ in range(40):
            try:
                done, _status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done = 0 if Path(f"/proc/{pid}").exists() else pid
            if done or not Path(f"/proc/{pid}").exists():
                return
            time.sleep(0.025)


def _pid_in_lab(pid: int) -> bool:
    """True when the process runs in one of the lab's namespaces (guards against PID reuse)."""
    try:
        ino = os.stat(f"/proc/{pid}/ns/net").st_ino
    except OSError:
        return False
    for ns in lab_namespaces():
        try:
            if os.stat(f"/run/netns/{ns}").st_ino == ino:
                return True
        except OSError:
            continue
    return False


def teardown() -> None:
    """Remove everything the lab made. Idempotent; safe after a half-built lab or a crash.

    Waits for the lab lock first, so it never pulls a lab from under another process's test."""
    _acquire_lock()
    try:
        _cleanup()
    finally:
        _release_lock()


def _cleanup() -> None:
    state = LabState.load()
    for _key, pid in list(state.pids.items()):
        if _pid_in_lab(pid):
            _kill(pid)
    for ns in lab_namespaces():
        pids = run(["ip", "netns", "pids", ns], check=False).stdout.split()
        for word in pids:
            if word.isdigit():
                _kill(int(word))  # only processes inside our own namespaces
        run(["ip", "netns", "del", ns], check=False)
    if ETC_NETNS.is_dir():
        for folder in ETC_NETNS.glob(PREFIX + "*"):
            shutil.rmtree(folder, ignore_errors=True)
    shutil.rmtree(STATE_DIR, ignore_errors=True)
    left = lab_namespaces()
    if left:
        raise LabError(f"could not remove lab namespaces: {', '.join(left)}")
