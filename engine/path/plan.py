"""The capture plan: where to run tcpdump along the path, in which order, with which filter.

Order follows the guide: both ends at the same time first; then, by device role, bisect towards the
middle of the path (the wire between the nodes), capturing every device of a role at the same time
(e.g. flannel.1 on both nodes, then the host NICs with ``udp port 8472``). Every value taken from the
case is shell-quoted; the tcpdump filter is one quoted argument.
"""

from __future__ import annotations

import shlex
from typing import TypeVar

from ..facts.model import FactFile
from ..knowledge.model import Lang
from ..knowledge.templates import PLACEHOLDER_RE, Placeholder, fill_in_text, fill_in_variable, fill_in_words, pod_pid, shell_word
from .build import REQUEST, Resolved, build_path, hops
from .model import ROLE_RANK, CaptureCommand, CapturePlan, CaptureStep, Hop
from .profiles import PathProfile, profiles, text
from .render import fmt_addr, fmt_flow, node_label, role_name

T = TypeVar("T")

MAX_EXCLUDED_NODES = 16
"""At most this many other nodes are filtered out of a receiving NIC's VXLAN/IPIP capture."""


def bisect_order(items: list[T]) -> list[T]:
    """Order in which to capture the middle layers: the midpoint first (towards the wire), then each half."""
    if not items:
        return []
    mid = len(items) // 2
    return [items[mid]] + bisect_order(items[mid + 1 :]) + bisect_order(items[:mid])


def hop_filter(hop: Hop, prof: PathProfile, node_ips: list[str]) -> str:
    """A tcpdump expression that matches the request and its reply as they look at ``hop``."""
    if hop.encapsulation and prof.encapsulation is not None:
        parts = [prof.encapsulation.filter]
        receiver = hop.outer_dst.ip if hop.outer_dst else None
        sender = hop.outer_src.ip if hop.outer_src else None
        if receiver:
            parts.append(f"host {receiver}")
        if receiver and hop.node_ip == receiver:
            # On the receiving NIC keep other nodes' tunnel traffic out, but not the sender's: its
            # outer source may not be the address we expect (the guide's case).
            others = [ip for ip in node_ips if ip not in (receiver, sender)][:MAX_EXCLUDED_NODES]
            parts.extend(f"not host {ip}" for ip in others)
        return " and ".join(parts)
    ips: list[str] = []
    for addr in (hop.src, hop.dst):
        if addr.ip and addr.ip not in ips:
            ips.append(addr.ip)
    parts = [f"host {ip}" for ip in ips]
    if hop.dst.port is not None and hop.protocol:
        parts.append(f"{hop.protocol} port {hop.dst.port}")
    return " and ".join(parts)


def _pid_setup(hop: Hop, lang: Lang) -> list[str]:
    """Commands that set ``PID`` to the Pod's sandbox process id, whichever the runtime (crictl,
    else Docker as in the guide); a Pod name the case lacks is a fill-in, found by its IP."""
    lines: list[str] = []
    if not hop.pod or PLACEHOLDER_RE.search(hop.pod):
        lines.append(text("setup_find_pod", lang))
        ip = hop.pod_ip if hop.pod_ip and not PLACEHOLDER_RE.search(hop.pod_ip) else None
        selector = f" --field-selector {shlex.quote('status.podIP=' + ip)}" if ip else ""
        lines.append(f"#   kubectl get pods -A -o wide{selector}")
    lines.append(text("setup_pid", lang))
    pod = hop.pod or Placeholder("<source-name>" if hop.end == "source" else "<destination-pod>")
    ns = hop.pod_namespace or Placeholder("<source-namespace>" if hop.end == "source" else "<destination-namespace>")
    missing = [shell_word(v) for v in (ns, pod) if PLACEHOLDER_RE.search(v)]
    if missing:  # checked at the top level: inside "$(...)" an unset one would only empty PID
        lines.append(": " + " ".join(missing))
    lines.append(f"PID={pod_pid(pod, ns)}")
    return lines


VETH_FROM_PID = (
    """VETH=$(ip -o link | awk -F': ' -v idx="$(nsenter -t "$PID" -n cat /sys/class/net/eth0/iflink)" """
    """'$1 == idx {sub(/@.*/, "", $2); print $2}')"""
)
"""Sets ``VETH`` to the host side of the Pod's eth0 (its peer's ifindex is eth0's iflink)."""


def capture_command(hop: Hop, flt: str, lang: Lang) -> tuple[list[str], str]:
    """(setup commands, tcpdump command) for a hop; the filter is one shell word, its missing
    values shell variables to set (fill-ins)."""
    quoted = shell_word(flt) if flt else ""
    tail = f" {quoted}" if quoted else ""
    if hop.namespace == "pod":
        return _pid_setup(hop, lang), f'nsenter -t "$PID" -n tcpdump -nn -i {shlex.quote(hop.interface)}{tail}'
    if hop.role == "veth" and not hop.interface_known:
        return _pid_setup(hop, lang) + [text("setup_veth", lang), VETH_FROM_PID], f'tcpdump -nn -i "$VETH"{tail}'
    return [], f"tcpdump -nn -i {shlex.quote(hop.interface)}{tail}"


def _where(hop: Hop, lang: Lang) -> str:
    if hop.namespace == "external":
        return text("where_external", lang, ip=hop.dst.ip or "?")
    node = node_label(hop.node, hop.node_ip)
    if hop.namespace == "pod":
        pod = f"{hop.pod} ({hop.pod_ip})" if hop.pod and hop.pod_ip else hop.pod or hop.pod_ip or "?"
        return text("where_pod", lang, node=node, pod=pod)
    return text("where_host", lang, node=node, interface=hop.interface, role=role_name(hop.role, lang))


def look_for(hop: Hop, path: list[Hop], res: Resolved, lang: Lang, port: int | None = None) -> str:
    """What to look for in this capture, and what its absence means."""
    out = [text("look_request", lang, src=fmt_addr(hop.src, lang), dst=fmt_addr(hop.dst, lang))]
    if hop.encapsulation:
        key = f"look_{hop.encapsulation}"
        out.append(text(key, lang, outer_src=fmt_addr(hop.outer_src, lang) if hop.outer_src else "?",
                        outer_dst=fmt_addr(hop.outer_dst, lang) if hop.outer_dst else "?",
                        node=hop.outer_src.owner if hop.outer_src and hop.outer_src.owner else "?",
                        **({"port": port or 8472} if hop.encapsulation == "vxlan" else {})))
    # Inner-address notes matter where the filter uses inner addresses, not on encapsulated hops.
    before = [] if hop.encapsulation else [s for h in path[: hop.index + 1] for s in h.steps]
    for step in before:
        if step.kind == "dnat" and step.before and step.after:
            out.append(text("look_after_dnat", lang, vip=fmt_addr(step.before, lang), backend=fmt_addr(step.after, lang)))
        if step.kind == "snat" and step.before and step.after and step.before.kind == "pod":
            out.append(text("look_after_snat", lang, pod=fmt_addr(step.before, lang), node=fmt_addr(step.after, lang)))
    if hop.dst.kind == "service" and res.dest_kind == "service":
        out.append(text("look_before_dnat", lang, vip=fmt_addr(hop.dst, lang)))
    if hop.end == "source":
        out.append(text("look_source_end", lang))
    if hop.end == "destination":
        out.append(text("look_destination_end", lang))
    return " ".join(out)


def _capture(hops_: list[Hop], path: list[Hop], prof: PathProfile, res: Resolved, node_ips: list[str], lang: Lang) -> CaptureCommand:
    hop = hops_[0]
    filters = list(dict.fromkeys(hop_filter(h, prof, node_ips) for h in hops_))
    flt = filters[0] if len(filters) == 1 else " or ".join(f"({f})" for f in filters)
    setup, command = capture_command(hop, flt, lang)
    return CaptureCommand(
        hops=[h.index for h in hops_], node=hop.node, node_ip=hop.node_ip, namespace=hop.namespace, pod=hop.pod,
        interface=hop.interface, role=hop.role, where=_where(hop, lang), setup=setup, filter=flt, command=command,
        look_for=look_for(hop, path, res, lang, prof.encapsulation.port if prof.encapsulation else None),
    )


def _group(selected: list[Hop]) -> list[list[Hop]]:
    """Hops on the same interface of the same node are one capture (e.g. a NodePort node's NIC in and out)."""
    groups: dict[tuple[object, ...], list[Hop]] = {}
    for hop in selected:
        key = (hop.node, hop.namespace, hop.pod_ip if hop.namespace == "pod" or hop.role == "veth" else None, hop.interface)
        groups.setdefault(key, []).append(hop)
    return list(groups.values())


def capture_plan(facts: FactFile, lang: Lang = "en") -> CapturePlan:
    """The ordered capture plan of a case, in ``lang``."""
    graph = build_path(facts, fill_in=True)
    path = hops(graph, REQUEST)
    res: Resolved = graph.graph["resolved"]
    prof = profiles()[graph.graph["profile"]]
    node_ips = [n.internal_ip for n in facts.cluster.nodes if n.internal_ip]

    def make(selected: list[Hop]) -> list[CaptureCommand]:
        return [_capture(group, path, prof, res, node_ips, lang) for group in _group(selected)]

    seen: dict[tuple[object, ...], int] = {}

    def mark_repeats(step: CaptureStep) -> CaptureStep:
        for cap in step.captures:
            key = (cap.node, cap.namespace, tuple(cap.hops), cap.interface, cap.filter)
            cap.same_as_step = seen.get(key)
            seen.setdefault(key, step.number)
        return step

    ends = [h for h in path if h.end]
    steps = [mark_repeats(CaptureStep(number=1, title=text("step_ends_title", lang), purpose=text("step_ends_purpose", lang), captures=make(ends)))]
    middle_roles = sorted({h.role for h in path if not h.end}, key=lambda r: ROLE_RANK[r])
    for role in bisect_order(middle_roles):
        selected = [h for h in path if h.role == role]
        steps.append(mark_repeats(CaptureStep(
            number=len(steps) + 1,
            title=text("step_role_title", lang, role=role_name(role, lang)),
            purpose=text("step_role_purpose", lang, role=role_name(role, lang)),
            captures=make(selected),
        )))
    fills = [n.partition(":")[2] for n in graph.graph["notes"] if n.startswith("fill_in:")]
    notes = [text("note_" + n.split(":")[0], lang, value=n.partition(":")[2]) for n in graph.graph["notes"] if not n.startswith("fill_in:")]
    if fills:
        names = ", ".join(dict.fromkeys(f"{fill_in_variable(n)} ({fill_in_words(n, lang, hint=False) or fill_in_text(n, hint=False)})" for n in fills))
        notes.append(text("note_fill_in", lang, value=names))
    if any(h.role == "veth" and not h.interface_known for h in path):
        notes.append(text("note_veth", lang))
    return CapturePlan(
        case_id=facts.case.id, lang=lang, cni=prof.cni, mode=prof.mode, kube_proxy_mode=graph.graph["kube_proxy_mode"],
        profile=prof.id, flow=fmt_flow(res, lang), path=path, steps=steps, notes=notes,
    )
