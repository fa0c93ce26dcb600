"""Which context slots (:mod:`podnet.triage.context`) a question or a rule needs.

*A question needs a slot* when, without it, the question cannot be recorded at all (a ping of the
Service's backend needs the backend's address: a ClusterIP is never pinged) or fewer of its
answers can be (\"the backend connects, the ClusterIP times out\" needs both addresses). This is
found by trying, on throwaway copies of the case, the slots that are still open filled with
stand-in values (:data:`podnet.triage.context.STAND_INS`): all of them, and all but one. Nothing
about a question's needs is written by hand, so a new observation kind needs no code here.

*A rule needs a slot* when filling it (with any of its choices, or a stand-in) changes the rule
engine's certainty about a cause that is still in the running: e.g. "the node has no rules for the
Service" concludes ``kube_proxy_no_rules`` only once the Service is known to have a backend. A
reading already in hand that decides nothing without the slot (a pasted ruleset whose REJECT matches
``-s`` a network: is the client inside it?) needs it too, whatever the posterior: the slot makes
the customer's paste count, and an undecided reading is no evidence for the posterior to weigh.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from typing import Any

from ..facts.model import FactFile
from ..knowledge.load import Knowledge
from . import context as ctx
from .answers import NotAskable, build_observations, is_cluster_dns, observed_probes, vantage
from .posterior import QuestionKey

RULE_NEED_MIN_POSTERIOR = 0.05
"""A slot is asked for a rule only when a cause with at least this posterior would be affected."""

RULE_NEED_MIN_CHANGE = 0.1
"""... and its certainty factor would move by at least this much."""


def answer_count(kb: Knowledge, facts: FactFile, q: QuestionKey) -> int:
    """How many of the question's answers can be recorded in this case *and recognised again* once
    recorded (0: it cannot be asked). An MTU answer recorded without the node's NIC name cannot be
    told apart from another one (which interface is the host NIC?): it does not count."""
    kind, at = q
    if not facts.has_vantage(vantage(at)):
        return 0
    meta = kb.observation_kinds[kind]
    n = 0
    for a in meta.answers:
        if a.at and at not in a.at:
            continue
        try:
            obs = build_observations(meta, at, a.id, facts)
        except NotAskable:
            continue
        if _recognised(meta, at, a.id, obs, facts):
            n += 1
    return n


def _recognised(meta: Any, at: str, answer_id: str, obs: list[Any], facts: FactFile) -> bool:
    trial = facts.model_copy(update={"observations": list(obs)})
    got = observed_probes(trial, {meta.kind: meta}).get((meta.kind, at))
    return got is not None and got[0] == answer_id


def _shape(head: dict[str, Any], open_ids: tuple[str, ...]) -> tuple[Any, ...]:
    """What a question's needs depend on: the ends' kinds, the CNI (templates switch on it), which
    slots hold a value and which are still open. A slot that holds a value counts whether it applies
    or not: the destination's port makes its slot inapplicable, and a case that knows it (the port
    alone, no address) must not share needs with one whose customer said "don't know"."""
    ep = head.get("endpoints") or {}
    filled = tuple(s.id for s in ctx.slots() if ctx.value_of(s, head) is not None)
    return ((ep.get("source") or {}).get("kind"), (ep.get("destination") or {}).get("kind"), (head.get("cluster") or {}).get("cni"), filled, open_ids)


def _value_shape(head: dict[str, Any]) -> tuple[bool | None, bool | None]:
    """What else a question's needs depend on, from the values of the case: whether the destination
    is the cluster DNS Service (a lookup then checks a name every cluster serves, and needs none) and
    whether the source Pod is the destination Pod (its checks are then made inside the destination)."""
    from ..reasoning.engine import source_is_destination

    try:
        facts = ctx.build_facts(head)
    except Exception:  # noqa: BLE001 - a case the stand-ins cannot build: the needs say so themselves
        return (None, None)
    return (is_cluster_dns(facts), source_is_destination(facts))


class NeedFinder:
    """The needs of every question for one state of the case (built lazily, cached by shape)."""

    _cache: dict[tuple[Any, ...], tuple[str, ...] | None] = {}

    def __init__(self, kb: Knowledge, head: dict[str, Any], open_ids: tuple[str, ...]) -> None:
        self.kb = kb
        self.head = head
        self.open_ids = open_ids
        self.shape = _shape(head, open_ids) + _value_shape(head)
        self._facts: dict[tuple[str, ...], FactFile | None] = {}

    def _with(self, ids: tuple[str, ...]) -> FactFile | None:
        if ids not in self._facts:
            try:
                self._facts[ids] = ctx.build_facts(ctx.with_stand_ins(self.head, list(ids)))
            except Exception:  # noqa: BLE001 - a stand-in the case refuses: that slot cannot help
                self._facts[ids] = None
        return self._facts[ids]

    def _count(self, q: QuestionKey, ids: tuple[str, ...]) -> int:
        facts = self._with(ids)
        return 0 if facts is None else answer_count(self.kb, facts, q)

    def needs(self, q: QuestionKey) -> tuple[str, ...] | None:
        """Slots to ask before ``q`` (in slot order; empty: ask it now), or None: ``q`` cannot be
        asked in this case even with every open slot known."""
        key = (q, self.shape)
        if key in NeedFinder._cache:
            return NeedFinder._cache[key]
        now = self._count(q, ())
        full = self._count(q, self.open_ids) if self.open_ids else now
        result: tuple[str, ...] | None
        if full <= now:
            result = () if now > 0 else None
        else:
            needed = tuple(s for s in self.open_ids if self._count(q, tuple(x for x in self.open_ids if x != s)) < full)
            if not needed:  # several slots would each do: the first that helps on its own
                needed = next(((s,) for s in self.open_ids if self._count(q, (s,)) > now), self.open_ids[:1])
            result = needed
        if len(NeedFinder._cache) > 50_000:
            NeedFinder._cache.clear()
        NeedFinder._cache[key] = result
        return result


@functools.lru_cache(maxsize=256)
def _choices(slot_id: str) -> tuple[Any, ...]:
    spec = ctx.slot(slot_id)
    if spec.value == "choice":
        return tuple(spec.choices)
    return (ctx.stand_in(spec),)


COVER_PREFIX = 16
"""A CIDR slot is also tried as the /16 around each address of the case (see :func:`_trial_values`)."""


def _trial_values(slot_id: str, head: dict[str, Any], facts: FactFile | None = None) -> list[Any]:
    """The values a rule-need trial fills a slot with: its choices or a stand-in and, for a CIDR,
    the /16 around each address the case names (the destination, its backends, the nodes): rules
    ask whether a range covers an address (a Pod CIDR over the API server's node), which a stand-in
    range never does; for the source Pod's address, addresses inside the networks a source match
    could test (:func:`_source_addresses`)."""
    values = list(_choices(slot_id))
    spec = ctx.slot(slot_id)
    if spec.value == "ip" and spec.sets == "endpoints.source.ip":
        return values + _source_addresses(spec, head, facts)
    if spec.value != "cidr":
        return values
    ep = head.get("endpoints") or {}
    dst, src = ep.get("destination") or {}, ep.get("source") or {}
    addresses = [dst.get("ip"), dst.get("node_ip"), src.get("node_ip")]
    addresses += [b.get(k) for b in dst.get("backends") or [] for k in ("ip", "node_ip")]
    addresses += [n.get("internal_ip") for n in (head.get("cluster") or {}).get("nodes") or []]
    seen: set[str] = set()
    for ip in addresses:
        if not ip:
            continue
        try:
            net = str(ipaddress.ip_network(f"{ip}/{COVER_PREFIX}", strict=False))
        except ValueError:
            continue
        if net not in seen:
            seen.add(net)
            values.append(ctx.parse_value(spec, net))
    return values


_SOURCE_MATCH = re.compile(r"(?:^|\s)(?:-s|--source|ip6? saddr)\s+(?:!\s+)?([0-9a-fA-F:.]+(?:/\d+)?)")
"""The source network of an iptables (``-s 10.244.1.0/24``) or nft (``ip saddr 10.244.1.0/24``) rule."""


def _source_addresses(spec: Any, head: dict[str, Any], facts: FactFile | None) -> list[Any]:
    """A Pod's address as a rule-need trial tries it: an address inside the source network of each
    rule a recorded firewall's verdict is undecided on, inside the source node's PodCIDR and inside
    the cluster's Pod CIDR, when the case names them (a stand-in address never matches the
    ``-s 10.244.1.0/24`` of a firewall rule, so a rule that decides on the source would never be
    seen to need it)."""
    out: list[Any] = []
    cidrs: list[str] = []
    for o in (facts.observations if facts is not None else []):
        for v in getattr(o, "verdicts", None) or []:
            if v.verdict == "undecided" and v.rule and (m := _SOURCE_MATCH.search(v.rule)):
                cidrs.append(m.group(1))
    cidrs += [str(c) for c in (ctx.value_of(ctx.slot(s), head) for s in ("source_pod_cidr", "pod_cidr")) if c]
    for cidr in cidrs:
        try:
            net = ipaddress.ip_network(str(cidr), strict=False)
        except ValueError:
            continue
        if net.num_addresses > 2:
            value = ctx.parse_value(spec, str(net.network_address + 2))
        else:
            value = ctx.parse_value(spec, str(net.network_address))
        if value not in out:
            out.append(value)
    return out


def _undecided(observations: Any) -> list[int]:
    """The readings (by position) that say themselves they decide nothing yet (a firewall whose
    verdict depends on a value the case does not know)."""
    return [i for i, o in enumerate(observations) if getattr(o, "undecided", None) is True]


def _decides(trial: FactFile, pending: list[int]) -> bool:
    """A pending reading is decided (not merely dropped) in the trial copy of the case."""
    obs = list(trial.observations)
    return any(i < len(obs) and getattr(obs[i], "undecided", None) is False for i in pending)


CONFIRMING_SLOTS = ("platform", "cni", "cni_mode", "kube_proxy_mode")
"""The cluster's values a customer knows offhand (where the nodes run, the CNI and its mode, kube-proxy's
mode), each a short list of choices: tried every turn for one that alone would confirm a cause."""

_CLUSTER_FIELDS = {"platform": "platform", "cni": "cni", "mode": "cni_mode", "kube_proxy_mode": "kube_proxy_mode"}
"""The fact file's ``cluster`` field each of them sets."""


@functools.lru_cache(maxsize=8)
def _confirming_values(rule_dirs: tuple[str, ...]) -> dict[str, tuple[tuple[str, str], ...]]:
    """Slot -> (cause, value) pairs a decisive rule names in a ``fact: cluster`` condition (``mode: ipip``,
    ``platform: {in: [azure, aks]}``): the only values worth a trial, found once per knowledge."""
    from ..knowledge.calibration import CONFIDENT
    from .questions import knowledge

    kb = knowledge(rule_dirs)

    found: dict[str, list[tuple[str, str]]] = {}

    def walk(node: Any, cause: str) -> None:
        if isinstance(node, dict):
            if node.get("fact") == "cluster":
                for key, slot_id in _CLUSTER_FIELDS.items():
                    cond = node.get(key)
                    named = cond.get("in") if isinstance(cond, dict) else [cond] if isinstance(cond, str) else None
                    for value in named or []:
                        if isinstance(value, str) and not value.startswith("$") and value != "unknown":
                            found.setdefault(slot_id, []).append((cause, value))
            for v in node.values():
                walk(v, cause)
        elif isinstance(node, list):
            for v in node:
                walk(v, cause)

    for r in kb.rules:
        then = r.spec.then
        if r.spec.decisive and then.cause and (then.weight or 0) >= CONFIDENT:
            walk(r.spec.when, then.cause)
    return {k: tuple(v) for k, v in found.items()}


def confirming_slot(
    facts: FactFile, head: dict[str, Any], open_ids: tuple[str, ...], cf_now: dict[str, float], post: dict[str, float], lang: str, rule_dirs: tuple[str, ...]
) -> str | None:
    """The first open cluster value (:data:`CONFIRMING_SLOTS`) one of whose choices would take a cause
    still in the running to the confident level (:data:`podnet.knowledge.calibration.CONFIDENT`) with
    the evidence already in hand: Calico's mode once Pods fail across Azure VMs. One cheap question
    that can end the session is worth asking before any check."""
    from ..knowledge.calibration import CONFIDENT
    from ..reasoning.diagnose import diagnose_facts
    from .questions import rule_certainty

    contenders = {c for c, p in post.items() if p >= RULE_NEED_MIN_POSTERIOR and cf_now.get(c, 0.0) < CONFIDENT}
    candidates = _confirming_values(tuple(rule_dirs))
    for slot_id in (s for s in CONFIRMING_SLOTS if s in open_ids):
        spec = ctx.slot(slot_id)
        values = [v for cause, v in candidates.get(slot_id, ()) if cause in contenders]
        for value in dict.fromkeys(values):
            try:
                trial = ctx.build_facts(ctx.assign(spec, head, value, check=False), list(facts.observations))
            except Exception:  # noqa: BLE001 - a value the case refuses
                continue
            cf = rule_certainty(diagnose_facts(trial, lang=lang, rule_dirs=rule_dirs))  # type: ignore[arg-type]
            if any(cf.get(c, 0.0) >= CONFIDENT for c in contenders):
                return slot_id
    return None


def rule_need(
    facts: FactFile, head: dict[str, Any], open_ids: tuple[str, ...], cf_now: dict[str, float], post: dict[str, float], lang: str, rule_dirs: tuple[str, ...]
) -> str | None:
    """The first open slot whose value would change the rule engine's certainty about a cause still
    in the running (see the module docstring), or None."""
    from ..reasoning.diagnose import diagnose_facts
    from .questions import rule_certainty

    contenders = {c for c, p in post.items() if p >= RULE_NEED_MIN_POSTERIOR}
    pending = _undecided(facts.observations)
    for slot_id in open_ids:
        spec = ctx.slot(slot_id)
        for value in _trial_values(slot_id, head, facts):
            try:
                trial = ctx.build_facts(ctx.assign(spec, head, value, check=False), list(facts.observations))
            except Exception:  # noqa: BLE001 - a value the case refuses
                continue
            if pending and _decides(trial, pending):
                return slot_id  # the value decides a reading the customer already gave
            cf = rule_certainty(diagnose_facts(trial, lang=lang, rule_dirs=rule_dirs))  # type: ignore[arg-type]
            for c in contenders:
                if abs(cf.get(c, 0.0) - cf_now.get(c, 0.0)) >= RULE_NEED_MIN_CHANGE:
                    return slot_id
    return None
