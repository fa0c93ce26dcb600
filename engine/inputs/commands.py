"""Recognise a command line: unwrap sudo/kubectl exec/nsenter, name its parser family, tell where it ran."""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass

from .model import Host
from .raw._util import positional
from .raw.describe import EVENT_ROW
from .raw.firewalld import is_firewalld
from .raw.ippool import is_ippool
from .raw.ufw import is_ufw
from .raw.messages import BARE_MESSAGE, JOURNAL_STAMP

KNOWN_COMMANDS = frozenset(
    ["ping", "ping6", "telnet", "nc", "ncat", "netcat", "curl", "wget", "nslookup", "dig", "kdig", "host", "cat", "ip", "ifconfig", "route", "iptables", "iptables-save", "iptables-legacy-save", "iptables-nft-save", "ip6tables-save", "ip6tables", "nft", "ipvsadm", "ss", "netstat", "kubectl", "k", "tcpdump", "sysctl", "conntrack", "dmesg", "uptime", "nproc", "sudo", "nsenter", "docker", "crictl", "timeout", "getenforce", "firewall-cmd", "ausearch", "sestatus", "tracepath", "traceroute", "mtr", "arp", "ethtool", "systemctl", "journalctl", "tshark", "grep", "egrep", "echo", "exit", "hostname", "less", "more", "head", "tail", "getent", "printf", "bash", "sh", "busybox", "journalctl", "k3s", "microk8s", "microk8s.kubectl", "k0s", "oc", "calicoctl"]
)
"""Commands whose name after a bare ``# `` prompt marks a command line (comments start the same way)."""

_WRAPPER_FLAGS_WITH_VALUE = {
    "timeout": {"-s", "--signal", "-k", "--kill-after"},
    "sudo": {"-u", "-g", "-C", "-h", "-p", "-U"},
}


@dataclass
class ParsedCommand:
    argv: list[str]
    family: str | None
    host: Host | None
    piped: bool


_SHELL_BLANKS = re.compile(r"[ \t\r\n]+")


def shell_words(text: str) -> list[str]:
    """``shlex.split(text)``, with a fast path for the common line without quotes or backslashes
    (the same words: shlex then only splits at blanks); a long iptables-save or transcript has
    ~100k such lines and shlex alone took seconds. Raises ValueError on unbalanced quotes."""
    if "'" in text or '"' in text or "\\" in text:
        return shlex.split(text, comments=False)
    return [w for w in _SHELL_BLANKS.split(text) if w]


def split_words(command: str) -> list[str]:
    """shlex-split a command line; unbalanced quotes fall back to whitespace splitting."""
    try:
        return shell_words(command)
    except ValueError:
        return command.split()


def _segments(command: str) -> list[str]:
    """The pipeline stages of the first command of a line (cut at ``|``, stopped at ``;``/``&&``)."""
    if not any(c in command for c in "|;&"):
        return [command.strip()] if command.strip() else []  # the common line: one stage
    stages, quote, start = [], None, 0
    for i, ch in enumerate(command):
        if quote:
            if ch == quote:
                quote = None
            continue
        if ch in "'\"":
            quote = ch
        elif ch == "|" and command[i + 1 : i + 2] != "|" and command[i - 1 : i] != "|":
            stages.append(command[start:i].strip())
            start = i + 1
        elif ch == ";" or command[i : i + 2] in ("&&", "||"):
            stages.append(command[start:i].strip())
            return [s for s in stages if s]
    stages.append(command[start:].strip())
    return [s for s in stages if s]


def _unwrap(argv: list[str]) -> tuple[list[str], Host | None]:
    """Strip sudo/timeout/env prefixes and exec wrappers; return the inner argv and where it ran."""
    host: Host | None = None
    changed = True
    while argv and changed:
        changed = False
        name = os.path.basename(argv[0])
        if name == "busybox" and len(argv) > 1:
            argv, changed = argv[1:], True
        elif name in ("k3s", "microk8s", "k0s") and argv[1:2] == ["kubectl"]:
            argv, changed = argv[1:], True  # the distribution's bundled kubectl
        elif name == "microk8s.kubectl":
            argv, changed = ["kubectl", *argv[1:]], True
        elif name in ("sudo", "timeout", "time", "env", "watch", "stdbuf"):
            rest = argv[1:]
            flags = _WRAPPER_FLAGS_WITH_VALUE.get(name, set())
            while rest and rest[0].startswith("-"):
                rest = rest[2:] if rest[0] in flags else rest[1:]
            if name == "timeout" and rest:
                rest = rest[1:]  # the duration
            while name == "env" and rest and "=" in rest[0]:
                rest = rest[1:]
            argv, changed = rest, True
        elif name in ("kubectl", "k", "oc") and "exec" in argv[1:4]:
            opts, command = _kubectl_exec(argv)
            namespace = _option(opts, "-n", "--namespace")
            words = [w for w in positional(opts, _EXEC_VALUE_OPTIONS) if w != "exec"]
            pod = words[0] if words else None
            if pod and pod.startswith(("pod/", "pods/")):
                pod = pod.split("/", 1)[1]
            host = Host("pod", pod, namespace, "kubectl exec")
            argv, changed = command, True
        elif name in ("kubectl", "k", "oc") and argv[1:2] == ["run"] and "--" in argv:
            # kubectl run NAME [--rm -it --image=...] -- CMD: CMD runs in a new Pod named NAME
            cut = argv.index("--")
            words = positional(argv[2:cut], _EXEC_VALUE_OPTIONS | {"--image", "--restart", "--overrides", "--labels", "-l", "--env"})
            host = Host("pod", words[0] if words else None, _option(argv[2:cut], "-n", "--namespace"), "kubectl run")
            argv, changed = argv[cut + 1 :], True
        elif name in ("docker", "crictl", "nerdctl") and len(argv) > 2 and argv[1] == "exec":
            rest = argv[2:]
            while rest and rest[0].startswith("-"):
                rest = rest[2:] if rest[0] in ("-u", "--user", "-w", "--workdir", "-e", "--env") else rest[1:]
            host = Host("pod", None, None, f"{name} exec {rest[0] if rest else ''}".strip())
            argv, changed = rest[1:], True
        elif name in ("docker", "nerdctl", "podman") and argv[1:2] == ["run"]:
            # docker run [OPTS] IMAGE CMD...: CMD runs in a new container
            rest = argv[2:]
            while rest and rest[0].startswith("-"):
                rest = rest[2:] if rest[0] in _RUN_VALUE_OPTIONS else rest[1:]
            host = Host("pod", None, None, f"{name} run")
            argv, changed = rest[1:], True
        elif name in ("sh", "bash", "ash", "dash", "zsh") and len(argv) > 2 and argv[1] == "-c":
            # sh -c 'echo quit | telnet HOST PORT; ...': the script's first command, its first stage podnet knows
            stages = [split_words(s) for s in _segments(argv[2])]
            argv, changed = next((s for s in stages if family_of(s) is not None), stages[0] if stages else []), True
        elif name == "nsenter":
            rest = argv[1:]
            while rest and rest[0].startswith("-"):
                rest = rest[2:] if rest[0] in ("-t", "--target") else rest[1:]
            host = Host("pod", None, None, "nsenter")
            argv, changed = rest, True
        elif name == "xargs":
            # ... | xargs -n1 ping -c1: the command xargs runs (once per input word) prints the output
            rest = argv[1:]
            while rest and rest[0].startswith("-"):
                rest = rest[2:] if rest[0] in _XARGS_VALUE_OPTIONS else rest[1:]
            argv, changed = rest, True
        elif name == "ip" and argv[1:3] == ["netns", "exec"] and len(argv) > 3:
            host = Host("pod", argv[3], None, "ip netns exec")
            argv, changed = argv[4:], True
    return argv, host


_RUN_VALUE_OPTIONS = {"-p", "--publish", "-v", "--volume", "-e", "--env", "--name", "--network", "--net", "-w", "--workdir", "-u", "--user",
                      "--entrypoint", "-h", "--hostname", "--mount", "--add-host", "--dns", "-l", "--label", "--cpus", "-m", "--memory",
                      "--env-file", "--platform", "--pull", "--restart", "--cap-add", "--cap-drop", "--device", "--ulimit", "--tmpfs"}
"""docker run options whose value is the next word (``-p 80:80``; ``--name=web`` is one word)."""

_XARGS_VALUE_OPTIONS = {"-n", "-I", "-P", "-L", "-d", "-a", "-s", "-E", "--max-args", "--max-procs", "--max-lines", "--delimiter", "--arg-file"}
"""xargs options whose value is the next word (``-n 1``; ``-n1`` is one word)."""

_EXEC_VALUE_OPTIONS = {"-n", "--namespace", "-c", "--container", "--context", "--kubeconfig", "-f", "--filename", "--pod-running-timeout", "--cluster", "--user", "-s", "--server"}


def _kubectl_exec(argv: list[str]) -> tuple[list[str], list[str]]:
    """(options and Pod, command) of ``kubectl exec [OPTS] POD [OPTS] [--] CMD...``; the old form
    without ``--`` is common in pasted tickets: the command starts at the first word after the Pod
    that is not an option."""
    if "--" in argv:
        cut = argv.index("--")
        return argv[1:cut], argv[cut + 1 :]
    seen_pod, skip = False, False
    for i, w in enumerate(argv[1:], start=1):
        if skip:
            skip = False
        elif w in _EXEC_VALUE_OPTIONS:
            skip = True
        elif w.startswith("-") or w == "exec" and not seen_pod:
            continue
        elif not seen_pod:
            seen_pod = True
        else:
            return argv[1:i], argv[i:]
    return argv[1:], []


def _option(words: list[str], *names: str) -> str | None:
    for i, w in enumerate(words):
        for n in names:
            if w == n and i + 1 < len(words):
                return words[i + 1]
            if w.startswith(n + "=") and n.startswith("--"):
                return w.split("=", 1)[1]
            if len(n) == 2 and w.startswith(n) and len(w) > 2 and not n.startswith("--"):
                return w[2:]
    return None


_KUBECTL_RESOURCES = {
    "pods": "kubectl_pods", "pod": "kubectl_pods", "po": "kubectl_pods",
    "nodes": "kubectl_nodes", "node": "kubectl_nodes", "no": "kubectl_nodes",
    "endpoints": "kubectl_endpoints", "endpoint": "kubectl_endpoints", "ep": "kubectl_endpoints",
    "services": "kubectl_services", "service": "kubectl_services", "svc": "kubectl_services",
    "events": "kubectl_events", "event": "kubectl_events", "ev": "kubectl_events",
    "networkpolicies": "kubectl_netpol", "networkpolicy": "kubectl_netpol", "netpol": "kubectl_netpol",
    "networkpolicies.networking.k8s.io": "kubectl_netpol",
    "namespaces": "kubectl_namespaces", "namespace": "kubectl_namespaces", "ns": "kubectl_namespaces",
}


def family_of(argv: list[str]) -> str | None:
    """The parser family for an (unwrapped) argv, or None when podnet has no parser for it."""
    if not argv:
        return None
    if any("/dev/tcp/" in w for w in argv):
        return "devtcp"  # bash's /dev/tcp/HOST/PORT redirection, whatever command carries it
    if any(_HAIRPIN_PATH.search(w) for w in argv):
        return "hairpin_mode"  # cat / grep -H . of a bridge port's hairpin_mode in sysfs
    name = os.path.basename(argv[0])
    args = argv[1:]
    if name == "wget":
        return "wget"
    if name == "host":
        return "host"
    if name == "getent":
        return "getent" if args[:1] and args[0] in ("hosts", "ahosts", "ahostsv4", "ahostsv6") else None
    if name == "journalctl":
        return "dmesg" if any(a in ("-k", "--dmesg") for a in args) else "kubectl_logs"
    if name in ("docker", "crictl", "nerdctl") and args[:1] == ["logs"]:
        return "kubectl_logs"
    if is_firewalld(argv):
        return "firewalld"  # firewall-cmd; systemctl status|is-active firewalld
    if is_ufw(argv):
        return "ufw"  # ufw status [verbose|numbered]
    if is_ippool(argv):
        return "ippool"  # calicoctl get ippool; kubectl get ippools.crd.projectcalico.org
    if name == "systemctl" and "status" in args:
        return "kubectl_logs"  # a unit's state, then its last journald lines
    if name in ("ping", "ping6", "busybox") and (name != "busybox" or args[:1] == ["ping"]):
        return "ping"
    if name == "busybox" and args:
        return family_of(args)
    if name == "telnet":
        return "telnet"
    if name in ("nc", "ncat", "netcat"):
        return "nc"
    if name == "curl":
        return "curl"
    if name == "nslookup":
        return "nslookup"
    if name == "dig":
        return "dig"
    if name == "kdig":
        return "kdig"
    if name in ("cat", "less", "more", "head", "tail"):
        # the first word naming a file podnet reads (`tail -n 100 FILE`: "100" is no file)
        return next((family for a in args if not a.startswith("-") and (family := family_of_file(a))), None)
    if name == "ip":
        words = [a for a in args if not a.startswith("-")]
        obj = words[0] if words else ""
        if obj and "address".startswith(obj) or obj in ("addr", "a", "link", "l"):
            return "ip_addr"
        if obj and ("route".startswith(obj) or obj == "r"):
            return "ip_route"
        return None
    if name == "ifconfig":
        return "ifconfig"
    if name == "route":
        return "route"
    if name in ("iptables-save", "iptables-legacy-save", "iptables-nft-save", "ip6tables-save", "ip6tables-legacy-save", "ip6tables-nft-save"):
        return "iptables_save"
    if name in ("iptables", "ip6tables", "iptables-legacy", "iptables-nft") and args[:1] in (["-V"], ["--version"]):
        return "iptables_backend"
    if name == "nft":
        return "nft" if "list" in args else None
    if name in ("iptables", "ip6tables"):
        if any(a in ("-S", "--list-rules") for a in args):
            return "iptables_save"
        if any(a.startswith("-L") or a == "--list" or (a.startswith("-") and not a.startswith("--") and "L" in a) for a in args):
            return "iptables_list"
        return None
    if name == "ipvsadm":
        return "ipvsadm"
    if name == "ss":
        return "ss"
    if name == "netstat":
        flags = "".join(a.lstrip("-") for a in args if a.startswith("-") and not a.startswith("--"))
        return "route" if "r" in flags else "netstat_i" if "i" in flags and "l" not in flags else "netstat"
    if name in ("kubectl", "k", "oc"):
        words = positional(args, {"-n", "--namespace", "-o", "--output", "-l", "--selector", "-c", "--container", "--context", "--kubeconfig", "--tail", "--since", "--field-selector"})
        if words[:1] == ["get"] and len(words) > 1:
            if words[1] == "all" or "," in words[1]:
                return "kubectl_listing"  # one table per kind
            resource = words[1].split("/")[0].split(",")[0]
            return _KUBECTL_RESOURCES.get(resource)
        if words[:1] == ["logs"]:
            return "kubectl_logs"
        if words[:1] == ["describe"]:
            return "kubectl_describe"
        return None
    if name == "tcpdump":
        return "tcpdump"
    if name == "tshark" and "-w" not in args:
        return "tshark"
    if name == "sysctl":
        return "sysctl"
    if name == "conntrack":
        return "conntrack"
    if name == "getenforce":
        return "getenforce"
    if name == "ausearch":
        return "ausearch"
    if name in ("uptime", "nproc", "ethtool", "dmesg"):
        return name
    return None


def family_of_file(path: str) -> str | None:
    """The family of a file shown with cat: resolv.conf, ifcfg-*, /proc/sys/* values, softnet_stat, interrupts."""
    base = os.path.basename(path)
    if base == "resolv.conf":
        return "resolv_conf"
    if base.startswith("ifcfg-"):
        return "ifcfg"
    if path.startswith("/proc/sys/"):
        return "proc_sys"
    if path == "/proc/net/softnet_stat":
        return "softnet_stat"
    if path == "/proc/interrupts":
        return "interrupts"
    if re.search(r"^/var/log/(?:containers|pods)/\S+\.log$|^/var/lib/docker/containers/\S+-json\.log$", path):
        return "kubectl_logs"  # a container's log file on the node (docker json-file or CRI lines)
    return None


_HAIRPIN_PATH = re.compile(r"/brif/\S*hairpin_mode")
"""A bridge port's hairpin switch in sysfs (``/sys/class/net/cni0/brif/veth.../hairpin_mode``)."""

_LOOP = re.compile(r"^\s*(?:for|while|until)\b.*?\bdo\b(.*?)(?:\bdone\b|$)", re.S)


def mask_substitutions(command: str) -> str:
    """The command line with each outermost ``$(...)`` (and the double quotes around it) replaced by
    the word ``$(...)``: podnet's nsenter lines find the PID with nested ``crictl`` calls whose quotes
    and pipes are not the command's own."""
    if "$(" not in command:
        return command
    out, i, n = [], 0, len(command)
    while i < n:
        if command.startswith("$(", i) or command.startswith('"$(', i):
            quoted = command[i] == '"'
            j, depth = i + (3 if quoted else 2), 1
            while j < n and depth:
                if command.startswith("$(", j):
                    depth, j = depth + 1, j + 2
                    continue
                depth -= command[j] == ")"
                j += 1
            if depth:
                return command  # unbalanced: leave it to the splitter's fallback
            if quoted and command[j : j + 1] == '"':
                j += 1
            out.append("$(...)")
            i = j
            continue
        out.append(command[i])
        i += 1
    return "".join(out)


def parse_command(command: str) -> ParsedCommand:
    """Split and unwrap a command line and name its family.

    In a pipeline the first stage podnet knows is the command (``echo quit | telnet HOST PORT``);
    its output counts as piped when later stages (``| grep``, ``| head``) filtered it.
    """
    command = mask_substitutions(command)
    loop = _LOOP.match(command)
    if loop and _HAIRPIN_PATH.search(command.split(" do ", 1)[0]):
        # `for f in /sys/class/net/*/brif/*/hairpin_mode; do printf ...; done`: the loop reads the files
        return ParsedCommand(split_words(command.split(";", 1)[0]), "hairpin_mode", None, False)
    if loop:
        # for/while loops: the first command podnet knows in the body is what printed the output
        for piece in re.split(r"[;\n]", loop.group(1)):
            piece = re.sub(r"^\s*>\s?", "", piece).strip()
            if piece and piece not in ("do", "done") and (inner := parse_command(piece)).family is not None:
                return inner
    stages = _segments(command) or [command]
    for i, stage in enumerate(stages[1:], start=1):
        # a later `| xargs CMD` prints CMD's output, not the listing that fed it
        words = split_words(stage)
        if words and os.path.basename(words[0]) == "xargs":
            run_argv, run_host = _unwrap(words)
            if (family := family_of(run_argv)) is not None:
                return ParsedCommand(run_argv, family, run_host, i < len(stages) - 1)
    parsed = []
    for i, stage in enumerate(stages):
        argv, host = _unwrap(split_words(stage))
        family = family_of(argv)
        if family is not None:
            return ParsedCommand(argv, family, host, i < len(stages) - 1)
        parsed.append((argv, host))
    argv, host = parsed[0]
    return ParsedCommand(argv, None, host, len(stages) > 1)


_FILE_NAME_FAMILIES: tuple[tuple[str, str], ...] = (
    (r"^resolv\.conf", "resolv_conf"),
    (r"^ifcfg-", "ifcfg"),
    (r"^(busybox[-_ ])?ping", "ping"),
    (r"^telnet", "telnet"),
    (r"^(nc|ncat|netcat)([-_ .]|$)", "nc"),
    (r"^curl", "curl"),
    (r"^nslookup", "nslookup"),
    (r"^dig", "dig"),
    (r"^ip[-_ ]?(a|addr|address|link)([-_ .]|$)", "ip_addr"),
    (r"^ip[-_ ]?(r|route)([-_ .]|$)", "ip_route"),
    (r"^ifconfig", "ifconfig"),
    (r"^route", "route"),
    (r"^iptables[-_ ]?save|^iptables[-_ ].*-s(\b|$)", "iptables_save"),
    (r"^iptables[-_ ].*-?l(\b|$)", "iptables_list"),
    (r"^ipvsadm", "ipvsadm"),
    (r"^nft[-_ ]", "nft"),
    (r"^ss([-_ .]|$)", "ss"),
    (r"^netstat", "netstat"),
    (r"^(kubectl[-_ ])?(get[-_ ])?(pods?|po)([-_ .]|$)", "kubectl_pods"),
    (r"^(kubectl[-_ ])?(get[-_ ])?(nodes?|no)([-_ .]|$)", "kubectl_nodes"),
    (r"^(kubectl[-_ ])?(get[-_ ])?(endpoints?|ep)([-_ .]|$)", "kubectl_endpoints"),
    (r"^(kubectl[-_ ])?(get[-_ ])?(services?|svc)([-_ .]|$)", "kubectl_services"),
    (r"^(kubectl[-_ ])?(get[-_ ])?(events?|ev)([-_ .]|$)", "kubectl_events"),
    (r"^(kubectl[-_ ])?(get[-_ ])?(networkpolic(y|ies)|netpol)([-_ .]|$)", "kubectl_netpol"),
    (r"^(kubectl[-_ ])?get[-_ ](namespaces?|ns)([-_ .]|$)", "kubectl_namespaces"),
    (r"^(kubectl[-_ ])?describe", "kubectl_describe"),
    (r"^(kubectl[-_ ])?logs|(kube-proxy|coredns|flannel|calico|kube-controller-manager).*\.log$", "kubectl_logs"),
    (r"^wget", "wget"),
    (r"^host[-_ .]", "host"),
    (r"^getent", "getent"),
    (r"^tcpdump", "tcpdump"),
    (r"^sysctl", "sysctl"),
    (r"^conntrack", "conntrack"),
    (r"^getenforce", "getenforce"),
    (r"^ausearch", "ausearch"),
    (r"^uptime", "uptime"),
    (r"^nproc", "nproc"),
    (r"^ethtool[-_ ]+(-s|--statistics)", "ethtool"),
    (r"^dmesg", "dmesg"),
)


def family_of_file_name(name: str) -> str | None:
    """Family named by a file name such as ``ping-10.0.0.1.txt`` or ``kubectl-get-pods.txt``."""
    base = os.path.basename(name).lower()
    for pattern, family in _FILE_NAME_FAMILIES:
        if re.search(pattern, base):
            return family
    return None


_SNIFFERS: tuple[tuple[str, str], ...] = (
    (r"^PING \S+ \(\S+\)", "ping"),
    (r"^(# Generated by iptables-save|\*(nat|filter|mangle|raw)$|-A KUBE-|-[AIN] [A-Z][\w-]*( -[-\w!]| *$)|:[A-Z][\w-]* (ACCEPT|DROP|-) \[\d+:\d+\]$"
     r"|-[AI] [a-z][\w.-]* (?:-[mijgpsdo] |! ))", "iptables_save"),  # lower-case chains too: calico's `-A cali-INPUT -m comment ...`
    (r"^Chain [\w.-]+ \((?:policy [A-Z]+|\d+ references)|^\s*pkts\s+bytes\s+target\s+prot\s+opt\s|^target\s+prot\s+opt\s+source\s"
     r"|^\s*\d+[KMG]?\s+\d+[KMG]?\s+[A-Z][\w-]*\s+(?:all|tcp|udp|icmp)\s+--\s+\S+\s+\S+\s+\S+\s+\S+", "iptables_list"),
    (r"^IP Virtual Server version", "ipvsadm"),
    # a virtual server row of `ipvsadm -Ln` pasted without the table's header
    (r"^(?:TCP|UDP|SCTP)\s+\[?[\d.:a-fA-F]+\]?:\d+\s+(?:rr|wrr|lc|wlc|lblc|lblcr|dh|sh|sed|nq|mh|fo|ovf)\b", "ipvsadm"),
    (r'^\{"nftables": \[', "nft"),
    (r"^\d+: [\w.@-]+: <", "ip_addr"),
    (r"^(NAMESPACE\s+)?NAME\s+READY\s+STATUS", "kubectl_pods"),
    (r"^NAME\s+STATUS\s+(?:ROLES|AGE\s+VERSION)", "kubectl_nodes"),
    (r"^(BOOTPROTO|DEVICE|IPADDR)=", "ifcfg"),
    (r"^(nameserver|search) ", "resolv_conf"),
    (r"^(State|Netid)\s+Recv-Q", "ss"),
    (r"^Proto Recv-Q", "netstat"),
    (r"^; <<>> DiG", "dig"),
    (r"^(tcpdump: |listening on |\d\d:\d\d:\d\d\.\d+ (?:[\w.@-]+\s+(?:In|Out|P|M)\s+)?(IP|ARP) )", "tcpdump"),  # -i any: IFACE In|Out
    (r"^\d+\s+[\d.]+\s+\S+\s+(->|→)\s+\S*\s+[A-Z][\w.-]*\s+\d+\b|^INFO\[\d+\] executing command: .*tcpdump", "tshark"),
    (r"^Kernel IP routing table|^Destination\s+Gateway\s+Genmask\s+Flags\s", "route"),
    (r"^(?:default|\d{1,3}(?:\.\d{1,3}){3}(?:/\d{1,2})?) (?:via \d{1,3}(?:\.\d{1,3}){3} )?dev [\w.@-]+(?:\s|$)", "ip_route"),
    (r"^[A-Za-z][\w.:@-]*: flags=\d+<[A-Z,_]*>\s+mtu \d+$|^[A-Za-z][\w.:@-]*\s+Link encap:", "ifconfig"),
    (r"load average: [\d.]+, [\d.]+, [\d.]+$", "uptime"),
    (r"^NIC statistics:$", "ethtool"),
    (r"^(NAMESPACE\s+)?NAME\s+TYPE\s+CLUSTER-IP|^(NAMESPACE\s+)?NAME\s+(?:LABELS\s+SELECTOR\s+IP(?:\(S\))?\s+PORT|CLUSTER[-_]IP\s+EXTERNAL[-_]IP\s+PORT\(S\))",
     "kubectl_services"),
    (r"^(NAMESPACE\s+)?NAME\s+ENDPOINTS(?:\s+AGE)?$", "kubectl_endpoints"),
    (r"^(NAMESPACE\s+)?NAME\s+POD-SELECTOR(?:\s+AGE)?$", "kubectl_netpol"),
    (r"^NAME\s+STATUS\s+AGE\s+LABELS$", "kubectl_namespaces"),
    (r"^(NAMESPACE\s+)?LAST SEEN\s+TYPE\s+REASON", "kubectl_events"),
    (EVENT_ROW.pattern, "kubectl_events"),  # its rows without the header
    (r"^(Events:|Type\s+Reason\s+Age\s+From\s+Message)$|^Name:\s+\S+$|^(Normal|Warning)\s{2,}[A-Z]\w+\s{2,}\S"
     r"|^FirstSeen\s+LastSeen\s+Count\s+From\s|^\S+\s{2,}\S+\s{2,}\d+\s{2,}\{[^{}]+\}\s{2,}\S", "kubectl_describe"),
    (r"^(\S+\s+)?\S+\s+\d+/\d+\s+(Running|Pending|CrashLoopBackOff|ContainerCreating|PodInitializing|Error|Completed|Init:\S+|"
     r"ImagePullBackOff|ErrImagePull|Terminating|Evicted|Unknown|OOMKilled)\s+\d+", "kubectl_pods"),
    (r"^curl: \(\d+\) |^\*\s+Trying \[?[\da-fA-F.:]+\]?(?::\d+)?\.\.\.$", "curl"),  # an error, or a -v trace without its command
    (r"^--\d{4}-\d\d-\d\d \d\d:\d\d:\d\d--\s|^wget: |^Connecting to \S+ \(\S+:\d+\)$", "wget"),
    (r"^Host \S+ not found: \d\(|^\S+ has (IPv6 )?address \S+$", "host"),
    (r"^nslookup: can't resolve|^\*\* server can't find |^Server:\s+\S+$", "nslookup"),
    (r"^bash: (connect: |/dev/tcp/|line \d+: /dev/tcp/)", "devtcp"),
    (r"^cpu=\d+\s+found=\d+", "conntrack"),
    (r"^(Kernel Interface table|Iface\s+MTU\s)", "netstat_i"),
    (r"^\[\s*\d+\.\d+\] |^\[(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \w{3} +\d+ [\d:]+ \d{4}\] |^" + JOURNAL_STAMP + r" \S+ kernel: "
     r"|\bIN=\S* OUT=\S* .*\bSRC=\S+ DST=", "dmesg"),
    (r"^([IWEF]\d{4} [\d:.]+\s+\d+ \S+:\d+\]|\S+ \S+ [IWEF]\d{4} [\d:.]+\s+\d+ \S+:\d+\])"
     r"|\[(INFO|ERROR|WARNING|FATAL)\] plugin/|^\.:53$|^CoreDNS-\d"
     r"|^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \[(INFO|WARNING|ERROR|FATAL)\]\[\d+\]|^\d{4}/\d\d/\d\d [\d:]+ \[(INFO|ERROR|FATAL)\] "
     r"|^\[(INFO|WARNING|ERROR|FATAL|DEBUG|PANIC)\]\[\d+\] [\w./-]+\.go \d+: ", "kubectl_logs"),
    (BARE_MESSAGE.pattern, "kubectl_logs"),
    (r"^\d+ [\w.-]+\.go:\d+\] \S", "kubectl_logs"),  # a klog line whose level and time were cut off
    (r'^(?:\S+ \S+ )?time="[^"]+" level=\w+ msg=', "kubectl_logs"),  # logrus (old kube-proxy, flannel), also behind stern's POD CONTAINER
    (r'^\{"log":".*","stream":"std(?:out|err)"|^\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:\d\d) std(?:out|err) [FP] ', "kubectl_logs"),
    (r"^[●○×*]? ?firewalld\.service - ", "firewalld"),  # `systemctl status firewalld` without its command line
    (r"^(?:[●○×*] )?[\w@.-]+\.service - \S", "kubectl_logs"),  # `systemctl status UNIT` without its command line
    (r"^" + JOURNAL_STAMP + r" \S+ (?:kube-proxy|flanneld|flannel-wrapper|kubelet|calico-node|coredns|kube-controller-manager|k3s)\[\d+\]: "
     r"|^" + JOURNAL_STAMP + r" \S+ [\w.-]+\[\d+\]: [IWEF]\d{4} [\d:.]+\s+\d+ \S+:\d+\]|^-- Logs begin at ", "kubectl_logs"),
    (r"^net\.\S+ = ", "sysctl"),
    (r"^NAME\s+CIDR\s+NAT\s+IPIPMODE\b", "ippool"),  # calicoctl get ippool -o wide without its command line
)


SHAPE_FAMILIES = frozenset(["ip_route", "route", "ifconfig", "ip_addr"])
"""Outputs whose shape alone names their command (a routing table, an interface stanza): pasted
after another command's output without their own command line, they are still recognised."""


def sniff_family(lines: list[str]) -> str | None:
    """Recognise a command's output by its first lines (for files without a command line); a
    file's leading comment block (``# This is /run/systemd/resolve/stub-resolv.conf ...``) is
    looked past."""
    nonblank = [t for t in lines if t.strip()]
    first = nonblank[:5] + [t for t in nonblank if not t.lstrip().startswith("#")][:5]
    for text in first:
        for pattern, family in _SNIFFERS:
            if re.search(pattern, text.strip()):
                return family
    return None
