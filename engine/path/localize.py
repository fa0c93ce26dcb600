"""Read capture observations along the path: where does the request (or the reply) disappear?

Each ``capture`` observation is placed on a hop of the request path (by node and interface name,
else by the interface's role on that node). The request disappears at the first captured hop after
the last hop that saw it; if the request arrives everywhere it was captured, the reply disappears at
the first hop (walking back towards the source) that does not see it. The segment between the last
hop that saw the packet and that hop is classified (``kb/paths/localize.yaml``) into a cause family;
evidence such as an unregistered outer source address adds its cause first.
"""

from __future__ import annotations

import functools
from typing import Any

from ..errors import FactFileError
from ..facts.model import FactFile
from ..facts.nodes import registered_node_ips
from ..facts.observations import Capture
from ..knowledge.model import Text
from .build import REQUEST, NodeRef, Resolved, build_path, hops, observation_node
from .model import ROLE_RANK, HopCheck, HopRef, PathVerdict
from ..messages import Localized, fill, joined, localized
from .profiles import PathProfile, localize_knowledge, profiles

_POD_VANTAGES = ("source_pod", "destination_pod", "other_pod")


def _hop_node(hop: Any) -> NodeRef:
    return NodeRef(hop.node, hop.node_ip)


def place_capture(obs: Capture, path: list[Any], res: Resolved, prof: PathProfile) -> list[int]:
    """Indices of the request-path hops a capture was taken at (empty when it is not on the path)."""
    in_pod = obs.at in _POD_VANTAGES or (
        obs.host is not None and any(p is not None and obs.host in (p.name, p.ip) for p in (res.source_pod, res.target_pod))
    ) or obs.hop == "pod"
    if in_pod:
        pod_ip = None
        if obs.at == "source_pod" and res.source_pod:
            pod_ip = res.source_pod.ip
        elif obs.at == "destination_pod" and res.target_pod:
            pod_ip = res.target_pod.ip
        elif obs.host:
            for pod in (res.source_pod, res.target_pod):
                if pod is not None and obs.host in (pod.name, pod.ip):
                    pod_ip = pod.ip
        pods = [h for h in path if h.namespace == "pod" and (pod_ip is None or h.pod_ip == pod_ip)]
        if pod_ip is None:
            node = observation_node(obs, res)
            pods = [h for h in pods if node is not None and node.same(_hop_node(h))]
        return [h.index for h in pods] if len({h.pod_ip for h in pods}) == 1 else []
    node = observation_node(obs, res)
    if node is None:
        return []
    on_node = [h for h in path if h.namespace == "host" and node.same(_hop_node(h))]
    exact = [h.index for h in on_node if h.interface_known and h.interface == obs.interface]
    if exact:
        return exact
    role = obs.hop or prof.role_of(obs.interface) or _kb_role(obs.interface, obs.at)
    if role is None and (obs.outer_src or obs.outer_dst):
        role = "host_nic"
    return [h.index for h in on_node if h.role == role]


@functools.lru_cache(maxsize=1)
def _kb() -> Any:
    from ..knowledge.load import load_kb

    return load_kb()


def _kb_role(interface: str, at: str) -> str | None:
    """The role ``kb/interfaces.yaml`` gives a host-side interface name (None when it does not know it)."""
    role = _kb().interface_role(interface, at)
    return role if role in ("veth", "bridge", "tunnel", "host_nic") else None


def _outer_unregistered(obs: Capture, registered: set[str]) -> bool:
    if obs.outer_src_registered is not None:
        return not obs.outer_src_registered
    return bool(obs.outer_src and registered and obs.outer_src not in registered)


def classify(path: list[Any], frm: int | None, to: int, direction: str) -> str:
    """The segment class (``kb/paths/localize.yaml``) between the last hop that saw the packet and ``to``."""
    b = path[to]
    if frm is None:
        if direction == REQUEST and _hop_node(b).same(_hop_node(path[0])) or b.index == 0:
            return "source_end"
        return "between_nodes"
    a = path[frm]
    if not _hop_node(a).same(_hop_node(b)):
        return "underlay" if a.role == b.role == "host_nic" else "between_nodes"
    ra, rb = ROLE_RANK[a.role], ROLE_RANK[b.role]
    if rb > ra:
        if a.role == "tunnel" and b.role == "host_nic":
            return "encapsulation"
        return "routing_out" if b.role in ("tunnel", "host_nic") else "into_bridge"
    if rb < ra:
        return "decapsulation" if a.role == "host_nic" and b.role == "tunnel" else "delivery"
    return "routing_out"


def _hop_name(hop: Any) -> Localized:
    return localized("path", "hop_name", index=hop.index, interface=hop.interface, node=hop.node or hop.node_ip or "?")


def _both(key: str, **values: Any) -> Localized:
    return localized("path", key, **values)


def localize(facts: FactFile, *, strict: bool = True) -> PathVerdict:
    """Where the request or the reply disappears along the path, and the causes that fit that place.

    When the path cannot be drawn (a fact it needs is missing, the CNI mode is not modelled), the
    located :class:`~podnet.errors.FactFileError` is raised; with ``strict=False`` an empty verdict
    whose explanation says why is returned instead (for a diagnosis that must go on without it).
    """
    try:
        graph = build_path(facts)
    except FactFileError as exc:
        if strict:
            raise
        return PathVerdict(explanation=Text(**_both("verdict_no_path", error=exc.one_line())))
    path = hops(graph, REQUEST)
    res: Resolved = graph.graph["resolved"]
    prof = profiles()[graph.graph["profile"]]
    kb = localize_knowledge()
    captures = [(i, o) for i, o in enumerate(facts.observations) if isinstance(o, Capture)]
    if not captures:
        return PathVerdict(explanation=Text(**_both("verdict_no_captures")))

    checks: dict[int, HopCheck] = {}
    registered = registered_node_ips(facts)
    unregistered: list[tuple[Capture, int]] = []
    retransmit_at: list[int] = []
    for pos, obs in captures:
        placed = place_capture(obs, path, res, prof)
        for idx in placed:
            c = checks.setdefault(idx, HopCheck(index=idx))
            c.observations.append(obs.id or f"observations[{pos}]")
            c.request_seen = bool(c.request_seen) or obs.request_seen
            if obs.reply_seen is not None:
                c.reply_seen = bool(c.reply_seen) or obs.reply_seen
            if obs.retransmissions:
                retransmit_at.append(idx)
            if _outer_unregistered(obs, registered):
                unregistered.append((obs, idx))
    if not checks:
        return PathVerdict(explanation=Text(**_both("verdict_not_matched")))
    ordered = [checks[i] for i in sorted(checks)]

    seen = [c.index for c in ordered if c.request_seen]
    last_seen = max(seen) if seen else None
    missing_after = [c.index for c in ordered if c.request_seen is False and (last_seen is None or c.index > last_seen)]
    skipped = [c.index for c in ordered if c.request_seen is False and last_seen is not None and c.index < last_seen]

    direction: str | None = None
    failing: int | None = None
    frm: int | None = None
    segment: str | None = None
    extra: list[Localized] = []
    if missing_after:
        direction, failing, frm = "request", min(missing_after), last_seen
        segment = classify(path, frm, failing, "request")
    elif last_seen is not None:
        reply_known = [c for c in ordered if c.request_seen and c.reply_seen is not None]
        got = [c.index for c in reply_known if c.reply_seen]
        lost = [c.index for c in reply_known if not c.reply_seen]
        if got:
            lost_after = [i for i in lost if i < min(got)]
            if lost_after:
                direction, failing = "reply", max(lost_after)
                frm = min(i for i in got if i > failing)
                segment = classify(path, frm, failing, "reply")
        elif lost:
            end = max(lost)
            if path[end].end == "destination":
                direction, failing, segment = "reply", end, "no_reply"
            else:
                nxt = path[last_seen + 1] if last_seen + 1 < len(path) else path[last_seen]
                extra.append(_both("verdict_capture_further", last=_hop_name(path[last_seen]), next=_hop_name(nxt)))
        if failing is None and not extra and got and not lost:
            extra.append(_both("verdict_all_seen"))

    suspects: list[str] = []
    parts: list[Localized] = []

    def add_unregistered_evidence() -> None:
        """The outer source that no node is registered with points at one cause wherever it is seen."""
        obs, idx = unregistered[0]
        ev = kb.evidence["outer_src_unregistered"]
        suspects.extend(ev.suspects)
        parts.append(fill(ev.explanation, "kb/paths/localize.yaml: evidence.outer_src_unregistered.explanation",
                          to=_hop_name(path[idx]), outer_src=obs.outer_src or "?", registered=", ".join(sorted(registered)) or "?"))

    if failing is not None and segment is not None:
        spec = kb.segments[segment]
        parts.append(fill(
            spec.explanation,
            f"kb/paths/localize.yaml: segments.{segment}.explanation",
            what=localized("path", f"what_{direction}"),
            **{"from": _hop_name(path[frm]) if frm is not None else "?"},
            to=_hop_name(path[failing]),
            node=path[failing].node or path[failing].node_ip or "?",
        ))
        if unregistered:
            add_unregistered_evidence()
        suspects.extend(spec.suspects)
        if res.dest_kind in ("service", "nodeport"):
            suspects.extend(spec.service_suspects)
    elif unregistered:
        add_unregistered_evidence()
    if retransmit_at:
        at = path[min(retransmit_at)]
        parts.append(fill(kb.evidence["retransmissions"].explanation, "kb/paths/localize.yaml: evidence.retransmissions.explanation",
                          at=_hop_name(at)))
    if skipped:
        parts.append(_both("verdict_inconsistent", hops=joined((_hop_name(path[i]) for i in skipped), ", ")))
    parts.extend(extra)

    hop = path[failing] if failing is not None else None
    return PathVerdict(
        failing_hop=HopRef(index=hop.index, node=hop.node, interface=hop.interface, role=hop.role) if hop else None,
        direction=direction,  # type: ignore[arg-type]
        suspects=list(dict.fromkeys(suspects)),
        explanation=Text(**joined(parts)) if parts else None,
        segment=segment,
        hops=ordered,
    )
