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
felix lines). Known messages become findings (a closed list, ``kb/component_messages.yaml``); error and fatal
lines and the lines carrying a finding are the ``errors`` kept.
"""

from __future__ import annotations

import json
import re

from ..model import CommandRun, ParseResult
from ._util import positional
from .connect import is_noise
from .kubectl import pod_role
from .messages import BARE_MESSAGE, JOURNAL_STAMP

_KLOG = re.compile(r"^([EWIF])\d{4} \d\d:\d\d:\d\d\.\d+\s+\d+\s+(\S+?)(?::\d+)?\]\s*(.*)$")
_KLOG_CUT = re.compile(r"^\d+ [\w.-]+\.go:\d+\]\s*(.*)$")
"""A klog line whose head (level, date, time) was cut off, as ``systemctl status`` ellipsizes or a
reporter copies it: ``897 conntrack.go:42] conntrack returned error: ...``."""
_PREFIXED = re.compile(r"^(\S+) (\S+) (.*)$")
_JOURNAL = re.compile(rf"^{JOURNAL_STAMP} \S+ [\w./-]+(?:\[\d+\])?: (.*)$")
_JOURNAL_HEADER = re.compile(r"^-- (?:Logs begin at .*|No entries|Reboot) --$")
_UNIT_STATUS = re.compile(r"^(?:[●○×*] )?[\w@.-]+\.service - \S|^\s*(?:Loaded|Active|Docs|Process|Main PID|Tasks|Memory|CPU|CGroup|Status"
                          r"|Drop-In|TriggeredBy|Invocation|IP|IO|Mem peak|Warning):\s|^\s+(?:[│├└]─|\|-|`-)\s*\d+ |^\s+/\S+\.conf$"
                          r"|^Hint: Some lines were ellipsized, use -l to show in full\.$")
"""``systemctl status UNIT``'s unit header, its ``Key: value`` lines and its cgroup tree, before the journald lines."""
_SYSTEMD = re.compile(rf"^{JOURNAL_STAMP} \S+ systemd\[\d+\]: (.*)$")
"""A journald line of systemd itself about the unit (started, exited, entered failed state...)."""
_COREDNS = re.compile(r"^(?:\S+Z |\d{4}/\d\d/\d\d \d\d:\d\d:\d\d )?\[(INFO|ERROR|WARNING|FATAL|DEBUG)\] (.*)$")
_COREDNS_BANNER = re.compile(r"^(?:\.|[\w.-]+\.):\d+$|^CoreDNS-\d|^\w+/\w+, go\d|^\[INFO\] plugin/reload|^\.{3}$")
_CALICO = re.compile(r"^(?:\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ )?\[(INFO|WARNING|ERROR|FATAL|DEBUG|PANIC)\]\[\d+\] (\S+) (?:\d+|<nil>): (.*)$")
"""calico's logger: level, pid, file and line (``<nil> <nil>`` where its install-cni container logs without a caller)."""
_CALICO_PLAIN = re.compile(r"^(Calico node failed to start|Calico node started successfully|calico/node is not ready: .*)$")
_BIRD = re.compile(r"^(?:\d{4}-\d\d-\d\d [\d:.]+ )?bird\d?: (.*)$")
_HARD_WRAP = 100
"""A log line at least this long, followed straight by a line of no log shape, may have been cut by the paste's width."""
_MAX_WRAPPED = 4
"""At most this many lines continue one cut message."""
_GO_PANIC = re.compile(r"^(?:panic|fatal error): \S")
"""A Go program's crash (``panic: non-positive interval for NewTicker``, ``fatal error: concurrent map writes``)."""
_LOGFMT = re.compile(r"""(?:^|\s)level=(\w+)\b.*?\bmsg=("(?:[^"\\]|\\.)*"|\S+)""")
_LEVELS = {"E": "error", "F": "fatal", "W": "warning", "I": "info", "ERROR": "error", "FATAL": "fatal", "WARNING": "warning",
           "INFO": "info", "DEBUG": "info", "PANIC": "fatal", "error": "error", "fatal": "fatal", "warning": "warning", "warn": "warning",
           "info": "info", "debug": "info", "panic": "fatal", "crit": "fatal"}

def _findings(component: str | None, message: str) -> list[tuple[str, str, re.Match[str]]]:
    """(component, finding, match) of the known messages in ``message``: the table of
    ``kb/component_messages.yaml`` (one place, also read by the reasoning for typed error lines)."""
    from ...knowledge.load import load_knowledge

    return load_knowledge().message_findings(component, message)

_COMPONENT_HINTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("coredns", re.compile(r"\[(?:INFO|ERROR|WARNING|FATAL)\] plugin/|^CoreDNS-\d|\bgithub\.com/coredns/coredns/plugin/|^(?:\S.*)?[A-Z]{1,5}: unreachable backend: ", re.M)),
    ("kube-controller-manager", re.compile(r"range_allocator\.go|CIDRNotAvailable|cidr_allocator|node_lifecycle_controller|controller_utils\.go"
                                           r"|CIDR allocation failed")),
    ("kube-proxy", re.compile(r"\b(?:proxier|server_others|server_linux|proxier_ipvs)\.go\b|Using (?:iptables|ipvs) (?:Proxier|proxy)|kube-proxy"
                              r"|ProxyServer|[Uu]nable to create proxier")),
    ("calico-node", re.compile(r"startup/startup\.go|\bfelix\b|calico/node|\bbird\b|calico-node|\] cni-installer/")),
    ("weave", re.compile(r"\bweave(?:-net|-kube)?\b|\bipalloc\b", re.I)),
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


_CRI_LINE = re.compile(r"^\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:\d\d) (?:stdout|stderr) [FP] (.*)$")
"""A line of a container log file as containerd/CRI-O write it (``/var/log/pods/...``): time, stream, tag, then the line."""


def unwrap_container_line(text: str) -> str | None:
    """The line the container printed, from a line of its log file on the node: docker's json-file
    (``{"log":"E0414 ...\\n","stream":"stderr","time":"..."}``) or the CRI form (``TIME stderr F ...``);
    None for any other line."""
    t = text.strip()
    if m := _CRI_LINE.match(t):
        return m.group(1)
    if not t.startswith('{"log":') or not t.endswith("}"):
        return None
    try:
        data = json.loads(t)
    except ValueError:
        return None
    if isinstance(data, dict) and isinstance(data.get("log"), str) and "stream" in data:
        return str(data["log"]).rstrip("\n")
    return None


def pod_of_log_path(path: str) -> str | None:
    """The Pod (or, in kubelet's layout before 1.14, the container) a node's container log file
    belongs to: ``/var/log/containers/POD_NS_CONTAINER-ID.log``, ``/var/log/pods/NS_POD_UID/CONTAINER/0.log``,
    ``/var/log/pods/UID/CONTAINER_0.log``; None for another path."""
    if m := re.search(r"/var/log/containers/([\w.-]+?)_[\w.-]+?_[\w.-]+\.log$", path):
        return m.group(1)
    if m := re.search(r"/var/log/pods/[\w.-]+?_([\w.-]+?)_[\w-]+/[\w.-]+/\d+\.log$", path):
        return m.group(1)
    if m := re.search(r"/var/log/pods/[\w-]+/([\w.-]+?)_\d+\.log$", path):
        return m.group(1)
    return None


def _unwrapped(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """The lines with a message a paste cut into several put back together: a log line followed straight
    by up to :data:`_MAX_WRAPPED` lines of no log shape, each after an indented break or a line at least
    :data:`_HARD_WRAP` long (the cut falls anywhere, mid-word too). Joined only where the whole shows a
    known message the first line did not: an elision (``[...]``) or another program's line after a long
    one stays apart."""
    out: list[tuple[int, str]] = []
    i = 0
    while i < len(lines):
        n, text = lines[i]
        out.append((n, text))
        i += 1
        if _line(text) is None:
            continue
        base = len(_findings(None, text))
        joined, j, prev = text, i, text
        while j < len(lines) and j - i < _MAX_WRAPPED and lines[j][0] == lines[j - 1][0] + 1 and _line(lines[j][1]) is None:
            nxt = lines[j][1]
            if not (nxt[:1].isspace() or len(prev.rstrip()) >= _HARD_WRAP):
                break
            joined = f"{joined.rstrip()} {nxt.strip()}" if nxt[:1].isspace() else f"{joined.rstrip()}{nxt.rstrip()}"
            prev, j = nxt, j + 1
            if len(_findings(None, joined)) > base:
                out[-1], i = (n, joined), j
                break
    return out


def _line(text: str) -> tuple[str | None, str, str | None] | None:
    """(level, message, prefix Pod) of a log line of a known shape (also inside a container log
    file's wrapper, :func:`unwrap_container_line`), or None."""
    if (inner := unwrap_container_line(text)) is not None:
        return _line(inner) if inner.strip() else ("info", "", None)
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
    if m := _KLOG_CUT.match(t):
        return "info", m.group(1), prefix  # the level went with the cut head: only a known message flags it
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
    if _GO_PANIC.match(t):
        return "fatal", t, prefix  # the process died: its last words, whatever component wrote the log
    if BARE_MESSAGE.match(t):
        return "error", t, prefix
    return None


def _pod_from_argv(argv: list[str]) -> str | None:
    values = {"-n", "--namespace", "-c", "--container", "--tail", "--since", "-l", "--selector", "--context", "--kubeconfig", "--since-time"}
    if argv[:1] and argv[0].split("/")[-1] in ("cat", "tail", "head", "less", "more"):
        return next((pod for a in argv[1:] if (pod := pod_of_log_path(a))), None)
    words = positional(argv[1:], values) if argv[:1] in (["kubectl"], ["k"], ["oc"], ["docker"], ["crictl"]) else []
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
    for n, text in _unwrapped(run.nonblank):
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
    if component is None:
        # no name or hint says whose log this is: the one component whose known messages it shows
        owners = {c for _, _, msg in messages for c, _, _ in _findings(None, msg)}
        component = owners.pop() if len(owners) == 1 else None
    for n, level, msg in messages:
        hit = _findings(component, msg)
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
