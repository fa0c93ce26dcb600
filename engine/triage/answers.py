"""Answers and observations, both ways.

*Answer -> observation.* A question's answer becomes a real observation: the answer's
``observation`` fragment from ``kb/observations.yaml``, plus ``kind``, ``at``, the command that was
run as ``note``, and the fields that name what was probed taken from the case (:data:`CASE_FIELDS`:
the destination's address and port, its DNS name, the source node...). Fields the fragment sets
are kept as they are.

*Observation -> answer.* An observation already in a fact file (a partial file given to triage,
or the full file of the benchmark's simulated customer) is mapped to the answer whose fragment it
resembles most (:func:`answer_for`). Only observations of the same kind, at the same vantage, about
the same thing (same target, port, name, packet size...; or the same probe of the Service's
backend Pod, see :func:`probe_match`) are considered; fields compare by value, lists by emptiness,
numbers on a log scale, and the computed fields of both observations
(``healthy``, ``complete``, ``full_size_fails``...) count too. An answer may declare how it is
recognised (``match``: rule-pattern constraints such as ``load_per_cpu: {gte: 2.0}``); when exactly
one declared match holds, that answer wins outright. An ambiguous or poor match gives ``None``:
the observation then does not take part in the posterior (the rule engine still sees it).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any, cast

from ..facts.base import Vantage
from ..facts.load import validate_observation
from ..facts.model import FactFile
from ..facts.observations import OBSERVATION_MODELS, Observation
from ..knowledge.conditions import contains
from ..knowledge.model import ObservationKind


def _far(at: str) -> bool:
    """Whether a vantage point is on the destination's side."""
    return at.startswith("destination_")


def _backend(f: FactFile) -> Any:
    b = f.endpoints.destination.backends
    return b[0] if b else None


def _node_name(f: FactFile, at: str) -> Any:
    src, dst = f.endpoints.source, f.endpoints.destination
    if _far(at):
        b = _backend(f)
        return dst.node or (b.node if b else None) or (dst.name if dst.kind == "node" else None)
    return src.node or (src.name if src.kind == "node" else None)


def _node(f: FactFile, at: str) -> Any:
    name = _node_name(f, at)
    return next((n for n in f.cluster.nodes if n.name == name), None)


def _target(f: FactFile, at: str) -> Any:
    b = _backend(f)
    return f.endpoints.destination.ip or (b.ip if b else None)


def _port(f: FactFile, at: str) -> Any:
    b, dst = _backend(f), f.endpoints.destination
    if _far(at) and b and b.port:
        return b.port  # what the destination Pod itself listens on
    return dst.port or (b.port if b else None)


def _pod_cidr_of_other_end(f: FactFile, at: str) -> Any:
    other = _node(f, "source_node" if _far(at) else "destination_node")
    return other.pod_cidr if other else None


CLUSTER_PROBE_NAME = "kubernetes.default.svc.cluster.local"
"""The name a lookup checks when the destination is the cluster's DNS Service itself and the
ticket names none: every cluster serves it (the Kubernetes DNS debugging page's first check,
``nslookup kubernetes.default``)."""

DNS_SERVICE_NAMES = frozenset({"kube-dns", "coredns"})
"""Names of the cluster DNS Service in kube-system (kubeadm, k3s, kOps, RKE2 and most installers)."""


def is_cluster_dns(f: FactFile) -> bool:
    """Whether the destination is the cluster's DNS Service (by its address, or its name in kube-system)."""
    dst = f.endpoints.destination
    if dst.kind != "service":
        return False
    if dst.ip is not None and f.cluster.dns_service_ip is not None:
        return str(dst.ip) == str(f.cluster.dns_service_ip)
    return dst.name in DNS_SERVICE_NAMES and dst.namespace in (None, "kube-system")


def _lookup_name(f: FactFile, at: str) -> Any:
    """What a lookup resolves: the destination's DNS name; when the destination is the cluster DNS
    Service and no name is given, :data:`CLUSTER_PROBE_NAME`."""
    return f.endpoints.destination.dns_name or (CLUSTER_PROBE_NAME if is_cluster_dns(f) else None)


CASE_FIELDS: dict[str, Callable[[FactFile, str], Any]] = {
    "target": _target,
    "port": _port,
    "name": lambda f, at: f.endpoints.destination.dns_name,
    "dns_lookup.name": _lookup_name,
    "service_ip": lambda f, at: f.endpoints.destination.ip if f.endpoints.destination.kind == "service" else None,
    "dns_service.service_ip": lambda f, at: f.cluster.dns_service_ip,
    "node": _node_name,
    "interface": lambda f, at: (n.nic if (n := _node(f, at)) else None),
    "pod": lambda f, at: (b.pod if (b := _backend(f)) else None) or (f.endpoints.destination.name if f.endpoints.destination.kind == "pod" else None),
    "route.destination": _pod_cidr_of_other_end,
    "route.direction": lambda f, at: "return" if _far(at) else "forward",
}
"""Observation field (or ``kind.field``, which wins) -> the case value it takes when an answer leaves
it out: what was probed (the destination's address and port, its DNS name), on which node, which
NIC, which route. Values depend on the vantage point: at ``destination_*`` the node, NIC and port are
the destination's, and a route is the return route to the source's PodCIDR."""


class NotAskable(ValueError):
    """The case lacks a value the observation needs (e.g. no destination address for a ping)."""


@functools.cache
def _identity_defaults(kind: str) -> tuple[tuple[str, Any], ...]:
    """Scalar non-empty defaults of a kind (ping size 56, no DF...): part of what was probed."""
    model = OBSERVATION_MODELS[kind]
    out = []
    for name, info in model.model_fields.items():
        if name in ("kind", "at", "id", "host", "note") or info.is_required():
            continue
        default = info.default
        if default is not None and isinstance(default, (str, int, float, bool)):
            out.append((name, default))
    return tuple(out)


def role_target(f: FactFile, role: str | None) -> tuple[Any, Any] | None:
    """(address, port) a check aimed at ``role`` probes in this case; None: the destination itself."""
    b, dst = _backend(f), f.endpoints.destination
    if role == "backend":
        return (b.ip, b.port or dst.port) if b is not None and dst.kind == "service" else None
    if role in ("destination_node", "source_node"):
        node = _node(f, "destination_node" if role == "destination_node" else "source_node")
        ip = (node.internal_ip if node else None) or (
            (dst.node_ip or (b.node_ip if b else None)) if role == "destination_node" else f.endpoints.source.node_ip
        )
        return (ip, None)
    if role == "dns_service":
        return (f.cluster.dns_service_ip, 53)
    return None


def vantage(at: str) -> Vantage:
    """The vantage point of a question's place: ``source_node>destination_node`` (the source's node,
    probing the destination's node) is at ``source_node`` (places are checked when the knowledge loads)."""
    return cast(Vantage, at.partition(">")[0])


def probe_role(meta: ObservationKind, at: str) -> str:
    """What the question ``meta.kind@at`` probes: the role after ``>`` in ``at``, else
    ``how.<at>.target``, else the destination."""
    how = meta.how.get(at)
    return at.partition(">")[2] or (how.target if how is not None else None) or "destination"


def case_values(kind: str, at: str, facts: FactFile, target: str | None = None) -> dict[str, Any]:
    """Values of :data:`CASE_FIELDS` that the kind has and the case knows, at a vantage point;
    ``target`` (a role, see ``how.<at>.target``) points ``target``/``port`` at what the check probes."""
    fields = OBSERVATION_MODELS[kind].model_fields
    out = {}
    for name in fields:
        getter = CASE_FIELDS.get(f"{kind}.{name}") or CASE_FIELDS.get(name)
        if getter is not None:
            value = getter(facts, at)
            if value is not None:
                out[name] = value
    aimed = role_target(facts, target)
    if aimed is None and target == "backend" and facts.endpoints.destination.kind == "service" and "target" in out and kind in ICMP_KINDS:
        # the Service's backend is not known: never fall back to the ClusterIP (it does not answer
        # ICMP, and a ping or MTU probe of it says nothing about the network). A TCP connect keeps
        # the ClusterIP and the Service's port: kube-proxy answers it as it answers the client.
        out.pop("target")
        out.pop("port", None)
    if aimed is not None and "target" in out:
        out["target"] = aimed[0]
        if "port" in out:
            if aimed[1] is not None:
                out["port"] = aimed[1]
            elif target in ("destination_node", "source_node"):
                out.pop("port")
        if aimed[0] is None:
            out.pop("target")
    return out


def _render_fragment(fragment: dict[str, Any], facts: FactFile, where: str, probe: dict[str, Any]) -> dict[str, Any]:
    """An answer's fragment with its template strings (``{{ src_node.internal_ip }}``) rendered for the
    case; ``probe`` adds what the check probes from its vantage point (``target``, ``port``) and the
    other case values of the kind there (``interface``: the node's NIC...)."""
    if not any("{{" in repr(v) or "{%" in repr(v) for v in fragment.values()):
        return dict(fragment)
    from ..knowledge.templates import case_context, render

    ctx = {**case_context(facts), **{k: v for k, v in probe.items() if v is not None}}

    def one(v: Any, path: str) -> Any:
        if isinstance(v, str) and ("{{" in v or "{%" in v):
            return render(v, ctx, path)
        if isinstance(v, list):
            return [one(x, f"{path}[{i}]") for i, x in enumerate(v)]
        if isinstance(v, dict):
            return {k: one(x, f"{path}.{k}") for k, x in v.items()}
        return v

    return {k: one(v, f"{where}.{k}") for k, v in fragment.items()}


def answer_fragments(answer: Any) -> list[dict[str, Any]]:
    """The observation fragments an answer stands for (``observations``, else ``[observation]``)."""
    if answer.observations:
        return [dict(f) for f in answer.observations]
    return [dict(answer.observation or {})]


def fragment_keys(meta: ObservationKind) -> set[str]:
    """Fields the answers of a kind set (what an answer says, not what was probed). An answer about
    both ends of a Service (``match_all``) probes the other end in its further observations: their
    ``target``/``port`` say what was probed, so only its first observation counts here."""
    keys = set()
    for a in meta.answers:
        fragments = answer_fragments(a)
        for f in fragments[:1] if a.match_all else fragments:
            keys |= set(f)
    return keys


def build_observations(
    meta: ObservationKind, at: str, answer_id: str, facts: FactFile, note: str | None = None, probe: str | None = None
) -> list[Observation]:
    """The observations an answer stands for, in this case; :class:`NotAskable` if the case lacks a value.

    ``probe``: what the answer is about, when not what the question probes (``how.<at>.target``):
    ``"destination"`` (the ClusterIP of a Service, or the destination) or ``"backend"`` (the
    Service's first backend Pod: its IP and port), e.g. because that is what the customer could probe."""
    answer = next((a for a in meta.answers if a.id == answer_id and (not a.at or at in a.at)), None)
    if answer is None:
        known = ", ".join(a.id for a in meta.answers)
        raise KeyError(f"unknown answer {answer_id!r} for {meta.kind} (known: {known})")
    own = probe_role(meta, at)
    role = own if probe is None else probe
    values = case_values(meta.kind, at, facts, role)
    if probe == "backend" and own != "backend" and "target" in values and role_target(facts, "backend") is None:
        raise NotAskable(f"{meta.kind}: the case names no backend Pod to probe")
    if _about_backend(answer) and role_target(facts, "backend") is None:
        # "the backend Pod connects, the ClusterIP times out" needs both addresses: without a known
        # backend it would record two contradicting probes of the ClusterIP
        raise NotAskable(f"{meta.kind}: {answer_id} is about the Service's backend Pod, and the case names none")
    from ..errors import FactFileError, TemplateError

    where = f"kb/observations.yaml: {meta.kind}.answers.{answer_id}"
    out = []
    for i, fragment in enumerate(answer_fragments(answer)):
        try:
            probe_values = {**values, "target": values.get("target", _target(facts, at)), "port": values.get("port", _port(facts, at))}
            data: dict[str, Any] = {**values, **_render_fragment(fragment, facts, where, probe_values)}
        except TemplateError as exc:
            raise NotAskable(exc.one_line()) from None
        data.update(kind=meta.kind, at=vantage(at))
        if note:
            data["note"] = note
        try:
            out.append(validate_observation(data, i, where))
        except FactFileError as exc:
            raise NotAskable(exc.one_line()) from None
    return out


def _about_backend(answer: Any) -> bool:
    """Whether one of the answer's observations is, by its ``match_all``, of the Service's backend Pod."""
    return any((c or {}).get("target_role") == "backend" for c in answer.match_all or [])


def build_observation(
    meta: ObservationKind, at: str, answer_id: str, facts: FactFile, note: str | None = None, probe: str | None = None
) -> Observation:
    """The (first) observation an answer stands for; see :func:`build_observations`."""
    return build_observations(meta, at, answer_id, facts, note, probe)[0]


_MATCH_CACHE: dict[tuple[str, str, str], tuple[Any, ...]] = {}


def _match_constraints(kind: str, answer_id: str, match: dict[str, Any]) -> tuple[Any, ...]:
    """The checked constraints of an answer's ``match`` (rule-pattern syntax); bad ones fail with their place."""
    key = (kind, answer_id, repr(match))
    if key not in _MATCH_CACHE:
        from ..knowledge.conditions import Pattern, parse_condition
        from ..knowledge.schema import rule_fact_schema

        node = parse_condition(
            {"fact": kind, **match}, rule_fact_schema([], []), origin="kb/observations.yaml", rule_id=f"{kind}.answers.{answer_id}"
        )
        assert isinstance(node, Pattern)  # one pattern: a mapping of field constraints
        _MATCH_CACHE[key] = node.constraints
    return _MATCH_CACHE[key]


def _holds(op: str, got: Any, value: Any) -> bool:
    if got is None:
        return False
    try:
        if op == "eq":
            return bool(got == value)
        if op == "ne":
            return bool(got != value)
        if op == "in":
            return got in value
        if op == "not_in":
            return got not in value
        if op == "contains":
            return contains(got, value)
        return bool({"gt": got > value, "gte": got >= value, "lt": got < value, "lte": got <= value}[op])
    except TypeError:
        return False


def matches_group(kind: str, answer: Any, group: list[Observation]) -> bool:
    """Whether a set of observations of one check holds the answer: ``match_all`` (each constraint set
    by one of them), else ``match`` by one of them."""
    if answer.match_all:
        return all(
            any(_holds_all(_match_constraints(kind, f"{answer.id}.match_all[{i}]", c), o) for o in group)
            for i, c in enumerate(answer.match_all)
        )
    return any(matches(kind, answer, o) for o in group)


def _holds_all(constraints: tuple[Any, ...], o: Observation) -> bool:
    data = o.model_dump()
    return all(_holds(c.op, data.get(c.field), c.value) for c in constraints)


def matches(kind: str, answer: Any, o: Observation) -> bool | None:
    """Whether ``o`` satisfies the answer's ``match``; None when the answer has none."""
    if not answer.match:
        return None
    data = o.model_dump()
    alternatives = answer.match if isinstance(answer.match, list) else [answer.match]
    for i, alt in enumerate(alternatives):
        constraints = _match_constraints(kind, f"{answer.id}.match[{i}]" if isinstance(answer.match, list) else answer.id, alt)
        if all(_holds(c.op, data.get(c.field), c.value) for c in constraints):
            return True
    return False


def _filled(value: Any) -> bool:
    return value not in (None, [], {}, "")


def _similarity(want: Any, got: Any) -> float | None:
    """How alike an answer's value and an observed one are, in [0, 1]; None when not comparable."""
    if got is None or want is None:
        return None
    if isinstance(want, str) and want.startswith("<") and want.endswith(">"):
        return 1.0 if _filled(got) else 0.0
    if isinstance(want, list) or isinstance(got, list):
        return 1.0 if _filled(want) == _filled(got) else 0.0
    if isinstance(want, bool) or isinstance(got, bool):
        return 1.0 if want == got else 0.0
    if isinstance(want, (int, float)) and isinstance(got, (int, float)):
        if want < 0 or got < 0:
            return 1.0 if want == got else 0.0
        # counts and sizes compare on a log scale: 1000 is nearer 25000 than 0 is
        a, b = math.log10(1 + want), math.log10(1 + got)
        return max(0.0, 1.0 - abs(a - b) / max(a, b, 1.0))
    return 1.0 if want == got else 0.0


def _computed(o: Observation) -> dict[str, Any]:
    return {name: getattr(o, name) for name in type(o).model_computed_fields}


def match_score(fields: set[str], answer_model: Observation, real: Observation) -> float | None:
    """Weighted mean similarity over the fields the kind's answers set (weight 2; half a match when
    only one side gives a value) and the computed fields of both observations (weight 1)."""
    total = weight = 0.0
    for name in sorted(fields):
        want, got = getattr(answer_model, name, None), getattr(real, name, None)
        if want is None and got is None:
            continue
        s = 0.5 if want is None or got is None else _similarity(want, got)
        if s is not None:
            total += 2 * s
            weight += 2
    real_computed = _computed(real)
    for name, want in _computed(answer_model).items():
        s = _similarity(want, real_computed.get(name))
        if s is not None:
            total += s
            weight += 1
    return None if weight == 0 else total / weight


MIN_MATCH = 0.6
"""A real observation maps to an answer only if the best match scores at least this and is unique."""


ICMP_KINDS = frozenset({"ping", "mtu_probe"})
"""Kinds that probe with ICMP: a Service's ClusterIP never answers them (iptables and nftables
kube-proxy only DNAT the Service's ports), so they are only ever aimed at a Pod or a node."""

EXACT, BACKEND = 2, 1
"""How closely an observation answers a question: the very probe, or the same probe of the other
end of a Service (its backend Pod instead of its ClusterIP, or the reverse when the question probes
the backend: see :func:`alternative_probe`)."""

ALTERNATIVE = BACKEND


def alternative_probe(meta: ObservationKind, at: str) -> str:
    """What an :data:`ALTERNATIVE` match probed: the ClusterIP when the question probes the backend
    Pod (``how.<at>.target: backend``), else the backend Pod."""
    return "destination" if probe_role(meta, at) == "backend" else "backend"


def probe_name(meta: ObservationKind, at: str, level: int) -> str | None:
    """The ``probe`` of an answer found at ``level``: None for what the question itself probes,
    else "destination" or "backend" (:func:`alternative_probe`)."""
    return None if level == EXACT else alternative_probe(meta, at)


def _identity(meta: ObservationKind, at: str, facts: FactFile, role: str | None) -> dict[str, Any]:
    keys = fragment_keys(meta)
    identity = dict(case_values(meta.kind, at, facts, role))
    for k, v in _identity_defaults(meta.kind):
        if k not in keys:
            identity.setdefault(k, v)
    for name in keys:
        identity.pop(name, None)
    return identity


def probe_match(meta: ObservationKind, at: str, o: Observation, facts: FactFile) -> int:
    """:data:`EXACT` when ``o`` probes what ``meta.kind@at`` asks about in this case (same target,
    port, name, packet size...), :data:`BACKEND` (:data:`ALTERNATIVE`) when it probes the other end
    of the destination Service (a backend Pod instead of the ClusterIP, or the ClusterIP when the
    question probes the backend Pod: the guide pings and connects to the Pod), else 0."""
    if getattr(o, "kind", None) != meta.kind or not seen_there(meta, o.at, at, facts):
        return 0

    def same(identity: dict[str, Any]) -> bool:
        return all(getattr(o, name, None) in (None, value) for name, value in identity.items())

    own = probe_role(meta, at)
    service = facts.endpoints.destination.kind == "service"
    if own == "backend" and service and not facts.endpoints.destination.backends and meta.kind in ICMP_KINDS:
        return 0  # what backs the Service is not known: no ping or MTU probe of it yet (a TCP connect probes the ClusterIP)
    identity = _identity(meta, at, facts, own)
    if same(identity):
        return EXACT
    if "target" not in identity or not service:
        return 0
    if own == "backend":
        if meta.kind in ICMP_KINDS:
            return 0  # a ping of the ClusterIP says nothing about the backend Pod (ClusterIPs drop ICMP)
        return BACKEND if same(_identity(meta, at, facts, "destination")) else 0
    for b in facts.endpoints.destination.backends:
        alt = {**identity, "target": b.ip}
        if "port" in alt:
            alt["port"] = b.port or alt["port"]
        if same(alt):
            return BACKEND
    return 0


POD_SIDES = frozenset({"source_pod", "destination_pod"})


def same_place(observed_at: str, asked_at: str, facts: FactFile) -> bool:
    """Whether an observation made at ``observed_at`` was made where a question asks (``asked_at``, a
    vantage): the same vantage, or the source Pod and the destination Pod when the case's source Pod
    is the destination Pod itself (a customer testing from inside the Pod the ticket is about)."""
    if observed_at == asked_at:
        return True
    if {observed_at, asked_at} != POD_SIDES:
        return False
    from ..reasoning.engine import source_is_destination

    return bool(source_is_destination(facts))


def seen_there(meta: ObservationKind, observed_at: str, asked: str, facts: FactFile) -> bool:
    """Whether an observation of ``meta.kind`` made at ``observed_at`` answers the question at the
    place ``asked``: a reading of the cluster's state (``cluster_wide`` in kb/observations.yaml)
    wherever it was recorded, anything else where the question asks (:func:`same_place`); a node's
    own setting read on a control-plane machine (``control_plane``: the master) answers the question
    about the cluster's other nodes, whose command runs on a node."""
    if meta.cluster_wide or same_place(observed_at, vantage(asked), facts):
        return True
    how = meta.how.get(asked)
    return observed_at == "control_plane" and asked == "other_node" and how is not None and how.run_in == "node"


LOOPBACK = frozenset({"127.0.0.1", "::1"})


def _loopback_twin(meta: ObservationKind, at: str, o: Observation, facts: FactFile) -> bool:
    """Whether ``o`` is the question's probe aimed at the loopback address instead (the same port,
    the same place): read with the probe by the answers that compare both ("127.0.0.1 connects,
    the Pod's own address is refused")."""
    if getattr(o, "kind", None) != meta.kind or getattr(o, "target", None) not in LOOPBACK or not same_place(o.at, vantage(at), facts):
        return False
    port = case_values(meta.kind, at, facts, probe_role(meta, at)).get("port")
    return port is not None and getattr(o, "port", None) == port


def same_probe(meta: ObservationKind, at: str, o: Observation, facts: FactFile) -> bool:
    """Whether ``o`` answers the question ``meta.kind@at`` of this case (exactly, or via a backend)."""
    return probe_match(meta, at, o, facts) > 0


def answer_for(meta: ObservationKind, at: str, o: Observation, facts: FactFile) -> str | None:
    """The answer id ``o`` corresponds to, or None (another probe, ambiguous or poor match)."""
    if not meta.answers or not same_probe(meta, at, o, facts):
        return None
    return answer_for_group(meta, at, [o], facts)


def answer_for_group(meta: ObservationKind, at: str, group: list[Observation], facts: FactFile) -> str | None:
    """The answer id a set of observations of one check corresponds to (e.g. the MTUs of several
    interfaces, the captures at several hops of one node), or None.

    Declared ``match`` clauses first: an answer holds when one of the observations satisfies it; an
    abnormal answer outweighs a ``normal`` one (one oversized bridge is the finding, not the tunnel
    that fits); of several abnormal answers the one listed first wins (answers are listed from the
    most specific: a lookup whose reply came from another address is that, before "it fails").
    Otherwise the first observation's nearest answer without a ``match``."""
    if not meta.answers or not group:
        return None
    options = [a for a in meta.answers if not a.at or at in a.at]
    held = [a for a in options if matches_group(meta.kind, a, group)]
    if len(held) > 1 and any(not a.normal for a in held):
        held = [a for a in held if not a.normal]
    if held:
        return held[0].id  # answers are listed from the most specific (kb/observations.yaml)
    if any(getattr(x, "undecided", None) is True for x in group):
        # the reading says itself that it decides nothing (a firewall rule that matches on a value the
        # case does not know yet): no answer, rather than the nearest one ("no matching rule")
        return None
    o = group[0]
    # no declared match holds: the nearest answer without one
    pool = [a for a in options if not a.match and not a.match_all]
    fields = fragment_keys(meta)
    scored: list[tuple[float, str]] = []
    for a in pool:
        try:
            model = build_observation(meta, at, a.id, facts)
        except NotAskable:
            continue
        score = match_score(fields, model, o)
        if score is not None:
            scored.append((score, a.id))
    if not scored:
        return None
    scored.sort(key=lambda s: -s[0])
    best = scored[0]
    if best[0] < MIN_MATCH or (len(scored) > 1 and abs(scored[1][0] - best[0]) < 1e-9):
        return None
    return best[1]


def _enriched(facts: FactFile) -> FactFile:
    """A copy of the facts with the derived fields (interface roles, MTUs next to an interface,
    registered outer sources...) that answers' ``match`` clauses may use."""
    from ..reasoning.enrich import enrich
    from ..knowledge.load import load_knowledge

    copy = facts.model_copy(update={"observations": [o.model_copy() for o in facts.observations]})
    kb = load_knowledge(())
    return enrich(copy, kb.interface_role, kb.message_findings)


def observed_answers(facts: FactFile, kinds: dict[str, ObservationKind], min_level: int = BACKEND) -> dict[tuple[str, str], str]:
    """(kind, at) -> answer id for every question the facts answer (see :func:`observed_probes`)."""
    return {k: aid for k, (aid, _level) in observed_probes(facts, kinds, min_level).items()}


def observed_probes(facts: FactFile, kinds: dict[str, ObservationKind], min_level: int = BACKEND) -> dict[tuple[str, str], tuple[str, int]]:
    """(kind, at) -> (answer id, :data:`EXACT` or :data:`BACKEND`) for every question the facts
    answer; the very probe is preferred over the same probe of the other end of a Service
    (``min_level=EXACT``: the very probe only). The observations of one check at one level are
    read together (:func:`answer_for_group`)."""
    groups: dict[tuple[str, str], dict[int, list[Observation]]] = {}
    loopback: dict[tuple[str, str], list[Observation]] = {}
    rich = _enriched(facts) if any(kinds.get(getattr(o, "kind", "")) for o in facts.observations) else facts
    for o in rich.observations:
        kind: str = getattr(o, "kind", "")
        meta = kinds.get(kind)
        if meta is None or not meta.answers:
            continue
        for at in meta.how:  # the questions at this vantage (``source_node``, ``source_node>destination_node``...)
            if not seen_there(meta, o.at, at, facts):
                continue
            level = probe_match(meta, at, o, facts)
            if level >= max(min_level, 1):
                groups.setdefault((kind, at), {}).setdefault(level, []).append(o)
            elif _loopback_twin(meta, at, o, facts):
                loopback.setdefault((kind, at), []).append(o)
    out: dict[tuple[str, str], tuple[str, int]] = {}
    for (kind, at), by_level in groups.items():
        meta = kinds[kind]
        if min_level <= BACKEND:  # answers about both ends of a Service (ClusterIP and backend Pod) together
            both = [o for level in sorted(by_level, reverse=True) for o in by_level[level]] + loopback.get((kind, at), [])
            joint = [a for a in meta.answers if a.match_all and (not a.at or at in a.at) and matches_group(kind, a, both)]
            if joint:
                out[(kind, at)] = (joint[0].id, EXACT)
                continue
        for level in sorted(by_level, reverse=True):
            aid = answer_for_group(kinds[kind], at, by_level[level], facts)
            if aid is not None:
                out[(kind, at)] = (aid, level)
                break
    return out
