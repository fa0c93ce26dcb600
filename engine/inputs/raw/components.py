"""Logs of the cluster's network components: ``kubectl logs``, or a bare paste recognised by the
shape of its lines -> a ``pod_log`` record (component, error lines, findings, proxy mode).

No library reads these: jc has no klog or CoreDNS parser, and the lines that matter are a handful
of known messages. Line shapes understood (anything else is reported as not understood):

* klog (kube-proxy, flannel, kube-controller-manager, kubelet): ``E0519 00:37:28.550351 1 file.go:102] msg``,
  also behind a ``POD CONTAINER`` prefix (``stern``, ``kubectl logs --prefix``) and in journald lines;
* CoreDNS: ``[INFO] plugin/reload: ...``, ``2019-04-17T00:18:44.485Z [FATAL] plugin/loop: ...``,
  ``2018/09/06 13:02:45 [FATAL] ...`` (CoreDNS before 1.3 logged through Go's ``log``),
  its banner (``.:53``, ``CoreDNS-1.5.0``, ``linux/amd64, go1.12.2, ...``);
* calico-node: ``2020-01-01 12:00:00.000 [INFO][8] startup/startup.go 123: msg``, ``bird: ...``;
* logfmt (``level=error msg="..."``) and JSON (``{"level":"error",...}``) lines;
* ``systemctl status UNIT``: its unit header, ``Key: value`` lines and cgroup tree are skipped, the
  journald lines after them read as above (jc's ``systemctl`` parsers read only the list forms);
* a known message pasted without any prefix (:data:`messages.BARE_MESSAGE`), read as an error line.

The component comes from the Pod name (``kubectl logs kube-proxy-x``, a ``POD CONTAINER`` prefix)
or, for a bare paste, from what its lines say (CoreDNS's plugin lines, kube-proxy's proxier files,
flannel's lease and subnet messages, the controller manager's CIDR allocator, calico's startup and
felix lines). Known messages become findings (a closed list, :data:`FINDINGS`); error and fatal
lines and the lines carrying a finding are the ``errors`` kept.
"""

from __future__ import annotations

import json
import re

from ..model import CommandRun, ParseResult
from .connect import is_noise
from .kubectl import pod_role
from .messages import BARE_MESSAGE

_KLOG = re.compile(r"^([EWIF])\d{4} \d\d:\d\d:\d\d\.\d+\s+\d+\s+(\S+?)(?::\d+)?\]\s*(.*)$")
_PREFIXED = re.compile(r"^(\S+) (\S+) (.*)$")
_JOURNAL = re.compile(r"^\w{3} +\d+ [\d:]+ \S+ [\w./-]+(?:\[\d+\])?: (.*)$")
_JOURNAL_HEADER = re.compile(r"^-- (?:Logs begin at .*|No entries|Reboot) --$")
_UNIT_STATUS = re.compile(r"^(?:[●○×*] )?[\w@.-]+\.service - \S|^\s*(?:Loaded|Active|Docs|Process|Main PID|Tasks|Memory|CPU|CGroup|Status"
                          r"|Drop-In|TriggeredBy|Invocation|IP|IO|Mem peak|Warning):\s|^\s+(?:[│├└]─|\|-|`-)\s*\d+ |^\s+/\S+\.conf$")
"""``systemctl status UNIT``'s unit header, its ``Key: value`` lines and its cgroup tree, before the journald lines."""
_SYSTEMD = re.compile(r"^\w{3} +\d+ [\d:]+ \S+ systemd\[\d+\]: (.*)$")
"""A journald line of systemd itself about the unit (started, exited, entered failed state...)."""
_COREDNS = re.compile(r"^(?:\S+Z |\d{4}/\d\d/\d\d \d\d:\d\d:\d\d )?\[(INFO|ERROR|WARNING|FATAL|DEBUG)\] (.*)$")
_COREDNS_BANNER = re.compile(r"^(?:\.|[\w.-]+\.):\d+$|^CoreDNS-\d|^\w+/\w+, go\d|^\[INFO\] plugin/reload|^\.{3}$")
_CALICO = re.compile(r"^(?:\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ )?\[(INFO|WARNING|ERROR|FATAL|DEBUG|PANIC)\]\[\d+\] (\S+) \d+: (.*)$")
_CALICO_PLAIN = re.compile(r"^(Calico node failed to start|Calico node started successfully|calico/node is not ready: .*)$")
_BIRD = re.compile(r"^(?:\d{4}-\d\d-\d\d [\d:.]+ )?bird\d?: (.*)$")
_LOGFMT = re.compile(r"""(?:^|\s)level=(\w+)\b.*?\bmsg=("(?:[^"\\]|\\.)*"|\S+)""")
_LEVELS = {"E": "error", "F": "fatal", "W": "warning", "I": "info", "ERROR": "error", "FATAL": "fatal", "WARNING": "warning",
           "INFO": "info", "DEBUG": "info", "PANIC": "fatal", "error": "error", "fatal": "fatal", "warning": "warning", "warn": "warning",
           "info": "info", "debug": "info", "panic": "fatal", "crit": "fatal"}

FINDINGS: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    ("coredns", "loop_detected", re.compile(r"plugin/loop: Loop \(.*\) detected|\bloop\b.*\bdetected\b", re.I)),
    ("coredns", "upstream_timeout", re.compile(r"read udp \S+->\S+:53: i/o timeout|unreachable backend.*i/o timeout|dial udp \S+:53: i/o timeout")),
    ("coredns", "upstream_unreachable", re.compile(r"(?:read|dial) udp \S+:53: (?:connect: )?(?:no route to host|network is unreachable|connection refused)")),
    ("coredns", "api_unreachable", re.compile(r"(?:Failed to list|failed to list|Failed to watch).*dial tcp [\d.]+:(?:443|6443|8443): (?:i/o timeout|connect: .*)")),
    ("flannel", "pod_cidr_unassigned", re.compile(r'node "([^"]+)" pod cidr not assigned')),
    ("flannel", "lease_failed", re.compile(r"failed to acquire lease", re.I)),
    ("flannel", "register_failed", re.compile(r"(?:Error|failed to) regist(?:er|ering) network", re.I)),
    ("flannel", "subnet_manager_failed", re.compile(r"Failed to create SubnetManager", re.I)),
    ("flannel", "br_netfilter_missing", re.compile(r"bridge-nf-call-iptables.*no such file|br_netfilter", re.I)),
    ("flannel", "api_unreachable", re.compile(r"dial tcp [\d.]+:(?:443|6443|8443): (?:i/o timeout|connect: )")),
    ("flannel", "interface_not_found", re.compile(r"failed to find (?:interface|the interface)|Could not find valid interface", re.I)),
    ("kube-proxy", "iptables_restore_failed", re.compile(r"Failed to execute iptables-restore")),
    ("kube-proxy", "nat_table_missing", re.compile(r"can't initialize iptables table `nat'|Table does not exist \(do you need to insmod")),
    ("kube-proxy", "conntrack_setup_failed", re.compile(r"nf_conntrack_max: permission denied|nf_conntrack/parameters/hashsize: operation not supported|"
                                                          r"Error running ProxyServer")),
    ("kube-proxy", "api_unreachable", re.compile(r"dial tcp [\d.]+:(?:443|6443|8443): (?:i/o timeout|connect: )")),
    ("kube-controller-manager", "cidr_exhausted", re.compile(r"no remaining CIDRs left to allocate|CIDR allocation failed")),
    ("kube-controller-manager", "cidr_not_available", re.compile(r'reason="?CIDRNotAvailable|CIDRNotAvailable')),
    ("calico-node", "autodetect_failed", re.compile(r"Unable to auto-detect (?:an )?IPv4 address|Couldn't autodetect|failed to autodetect"
                                                     r"|Invalid IP autodetection method", re.I)),
    ("calico-node", "node_failed_to_start", re.compile(r"Calico node failed to start|startup\.go \d+: Terminating|\bTerminating\b$")),
    ("calico-node", "bgp_not_established", re.compile(r"BGP not established with", re.I)),
    ("calico-node", "datastore_unreachable", re.compile(r"(?:Failed to|Unable to) (?:connect to|reach) (?:the )?datastore|connection is unauthorized", re.I)),
)
"""(component, finding, pattern): the known messages and what they mean."""

_COMPONENT_HINTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("coredns", re.compile(r"\[(?:INFO|ERROR|WARNING|FATAL)\] plugin/|^CoreDNS-\d", re.M)),
    ("kube-controller-manager", re.compile(r"range_allocator\.go|CIDRNotAvailable|cidr_allocator|node_lifecycle_controller|controller_utils\.go"
                                           r"|CIDR allocation failed")),
    ("kube-proxy", re.compile(r"\b(?:proxier|server_others|server_linux|proxier_ipvs)\.go\b|Using (?:iptables|ipvs) (?:Proxier|proxy)|kube-proxy"
                              r"|ProxyServer")),
    ("calico-node", re.compile(r"startup/startup\.go|\bfelix\b|calico/node|\bbird\b|calico-node")),
    ("flannel", re.compile(r"subnet\.env|SubnetManager|acquire lease|register(?:ing)? network|vxlan_network\.go|flanneld|kube-flannel|Failed to check br_netfilter"
                           r"|\bflannel\b", re.I)),
    ("kubelet", re.compile(r"\bkubelet\.go\b|pod_workers\.go|cni\.go|kuberuntime_")),
)
"""Words that tell which component wrote a log, most specific first (the first that matches wins)."""


def component_of_pod(name: str | None) -> str | None:
    if not name:
        return None
    role = pod_role(name)
    if role == "kube_proxy":
        return "kube-proxy"
    if role == "dns":
        return "coredns" if not name.startswith("nodelocaldns") else "nodelocaldns"
    if role and role.startswith("cni:"):
        return {"flannel": "flannel", "calico": "calico-node", "canal": "calico-node"}.get(role[4:], role[4:])
    if name.startswith("kube-controller-manager"):
        return "kube-controller-manager"
    return None


def _line(text: str) -> tuple[str | None, str, str | None] | None:
    """(level, message, prefix Pod) of a log line of a known shape, or None."""
    t = text.strip()
    prefix = None
    if (m := _PREFIXED.match(t)) and not _KLOG.match(t) and _KLOG.match(m.group(3)):
        prefix, t = m.group(1), m.group(3)
    if m := _SYSTEMD.match(t):
        return "info", m.group(1), prefix
    if m := _JOURNAL.match(t):
        t = m.group(1)
    if m := _KLOG.match(t):
        return _LEVELS[m.group(1)], m.group(3), prefix
    if m := _COREDNS.match(t):
        return _LEVELS[m.group(1)], m.group(2), prefix
    if m := _CALICO.match(t):
        return _LEVELS[m.group(1)], m.group(3), prefix
    if m := _CALICO_PLAIN.match(t):
        return ("error" if "failed" in t or "not ready" in t else "info"), t, prefix
    if m := _BIRD.match(t):
        return "info", m.group(1), prefix
    if t.startswith("{") and t.endswith("}"):
        try:
            data = json.loads(t)
        except ValueError:
            return None
        if isinstance(data, dict) and ("level" in data or "msg" in data):
            return _LEVELS.get(str(data.get("level", "info")).lower(), "info"), str(data.get("msg") or data.get("message") or ""), prefix
        return None
    if m := _LOGFMT.search(t):
        return _LEVELS.get(m.group(1).lower(), "info"), m.group(2).strip('"'), prefix
    if _COREDNS_BANNER.match(t):
        return "info", t, prefix
    if BARE_MESSAGE.match(t):
        return "error", t, prefix
    return None


def _pod_from_argv(argv: list[str]) -> str | None:
    values = {"-n", "--namespace", "-c", "--container", "--tail", "--since", "-l", "--selector", "--context", "--kubeconfig", "--since-time"}
    words, skip = [], False
    for w in argv[1:] if argv[:1] in (["kubectl"], ["k"], ["oc"], ["docker"], ["crictl"]) else []:
        if skip:
            skip = False
        elif w in values:
            skip = True
        elif not w.startswith("-"):
            words.append(w)
    pods = [w.split("/", 1)[-1] for w in words if w not in ("logs",)]
    return pods[0] if pods else None


def parse_logs(run: CommandRun) -> ParseResult:
    """Error lines, findings and the proxy mode of one component's log."""
    res = ParseResult()
    pod = _pod_from_argv(run.argv)
    if not run.nonblank:
        res.warn(run, "log_empty")
        return res
    errors: list[str] = []
    lines: list[tuple[int, str]] = []
    findings: list[dict[str, object]] = []
    unknown: list[tuple[int, str]] = []
    mode = None
    prefixes: set[str] = set()
    messages: list[tuple[int, str | None, str]] = []
    last_prefix = None
    unit_state: str | None = None
    for n, text in run.nonblank:
        parsed = _line(text)
        if parsed is None:
            m = _PREFIXED.match(text.strip())
            if last_prefix and m and m.group(1) == last_prefix:
                messages.append((n, None, m.group(3)))  # continuation of the last message of that Pod
                continue
            j = _JOURNAL.match(text.strip())
            if j and messages and re.match(r"\s+\S", j.group(1)):
                # an indented journald line continues the message before it (klog's `err=<` block)
                n0, level0, msg0 = messages[-1]
                messages[-1] = (n0, level0, f"{msg0} {j.group(1).strip()}")
                continue
            if _JOURNAL_HEADER.match(text.strip()) or _UNIT_STATUS.match(text):
                if m := re.match(r"^\s*Active:\s+(.+?)(?:\s+since\s.*)?$", text):
                    unit_state = m.group(1)
                continue
            if is_noise(text):
                continue
            unknown.append((n, text))
            continue
        level, msg, prefix = parsed
        if prefix:
            prefixes.add(prefix)
            last_prefix = prefix
        messages.append((n, level, msg))
    pod = pod or (next(iter(prefixes)) if len(prefixes) == 1 else None)
    component = component_of_pod(pod)
    if component is None:
        text = "\n".join(m for _, _, m in messages) + "\n" + "\n".join(t for _, t in run.nonblank[:50])
        votes = [c for c, pattern in _COMPONENT_HINTS if pattern.search(text)]
        component = votes[0] if votes else None
    for n, level, msg in messages:
        hit = [(c, f, m) for c, f, p in FINDINGS if (component is None or c == component) and (m := p.search(msg)) is not None]
        for c, f, m in hit:
            finding: dict[str, object] = {"finding": f, "line": n}
            if f == "pod_cidr_unassigned" and m.groups():
                finding["node"] = m.group(1)
            if f == "cidr_not_available" and (node := re.search(r'object="([^"]+)"|Node (\S+) status', msg)):
                finding["node"] = node.group(1) or node.group(2)
            if f in ("upstream_timeout", "upstream_unreachable") and (up := re.search(r"->([\d.]+):53", msg)):
                finding["upstream"] = up.group(1)
            if not any(x["finding"] == f and x.get("node") == finding.get("node") for x in findings):
                findings.append(finding)
        if level in ("error", "fatal") or hit:
            errors.append(msg[:300])
            lines.append((n, msg[:300]))
        found = re.search(r"Using (iptables|ipvs|nftables) (?:Proxier|proxy|mode)", msg, re.IGNORECASE)
        if found:
            mode = found.group(1).lower()
    if unknown:
        res.not_understood(run, unknown)
    if not messages:
        if unit_state is not None:
            res.warn(run, "unit_status_without_log", state=unit_state)  # `systemctl status X | head -3`
        return res
    res.add(run, "pod_log", {"pod": pod, "component": component, "errors": errors, "mode": mode, "findings": findings,
                             "lines": lines, "complete": not run.piped}, run.nonblank[0][0])
    return res
