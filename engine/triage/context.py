"""What triage asks about the case itself: the endpoints and the cluster's networking.

A ticket starts from a sentence ("the Service times out"), not from a fact file. The values a
question or a rule needs (which Pod backs the Service, the ClusterIP, the CNI, kube-proxy's mode,
the cluster DNS address...) are *slots* (``kb/context.yaml``): each one has a question, a command
that shows it, the kind of value it takes and where it goes in the fact file. Triage asks a slot
only when a question it wants to ask cannot be recorded without it, or when a rule could fire with
it (:mod:`podnet.triage.needs`).

A case under construction is kept as a plain dict in fact-file form (the *head*: ``case``,
``cluster``, ``endpoints``, ``unobservable``); it becomes a :class:`FactFile` once both ends'
kinds are known (the fact file requires them).
"""

from __future__ import annotations

import copy
import functools
import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..errors import FactFileError, UsageError
from ..facts.model import FactFile

ValueKind = Literal["choice", "address", "port", "backends", "object", "node", "ip", "cidr", "interface", "dns_name"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SentenceValue(_Strict):
    """A value a ticket's first sentence states in so many words (``from_sentence`` of a slot)."""

    pattern: str = Field(description="A case-insensitive regular expression (Python ``re``) searched in the sentence.")
    value: str = Field(description="The slot's value as typed, with ``\\g<NAME>`` for the pattern's named groups.")

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        re.compile(pattern)
        return pattern


class SlotSpec(_Strict):
    """One slot of ``kb/context.yaml``."""

    id: str
    label: dict[str, str]
    value: ValueKind
    sets: str
    question: dict[str, str]
    choices: list[str] = Field(default_factory=list)
    choice_text: dict[str, dict[str, str]] = Field(default_factory=dict)
    when: dict[str, list[str]] = Field(default_factory=dict, description="source_kind / destination_kind -> allowed kinds")
    command: str | None = None
    example: str | None = None
    ask_first: list[str] = Field(default_factory=list, description="Slots asked just before this one when open (its command names them).")
    from_sentence: list[SentenceValue] = Field(
        default_factory=list, description="Words of a ticket's first sentence that state this value (taken only when they agree)."
    )


@functools.lru_cache(maxsize=1)
def slots() -> tuple[SlotSpec, ...]:
    """The slots of ``kb/context.yaml``, in the order they are asked when several are needed."""
    from pydantic import ValidationError

    from ..errors import KnowledgeError
    from ..knowledge.load import _kb_root, read_yaml

    origin = "kb/context.yaml"
    doc = read_yaml(_kb_root() / "context.yaml", origin)
    out = []
    for i, item in enumerate((doc or {}).get("slots") or []):
        try:
            out.append(SlotSpec.model_validate(item))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise KnowledgeError(first["msg"], location=f"{origin}: slots[{i}].{where}", code="E-KB-SCHEMA") from None
    return tuple(out)


def slot(slot_id: str) -> SlotSpec:
    for s in slots():
        if s.id == slot_id:
            return s
    raise KeyError(slot_id)


# ---- the head: a fact file under construction -------------------------------------------------


def empty_head(case_id: str, summary: str = "") -> dict[str, Any]:
    """A case with nothing known but its id (and the ticket's sentence)."""
    case: dict[str, Any] = {"id": case_id}
    if summary:
        case["summary"] = summary
    return {"case": case, "cluster": {}, "endpoints": {"source": {}, "destination": {}}, "unobservable": []}


def head_of(facts: FactFile) -> dict[str, Any]:
    """The head of a fact file, as data (observations left out)."""
    data = facts.to_json_dict()
    data.pop("observations", None)
    data.pop("schema_version", None)
    cluster = data.get("cluster") or {}
    for key in ("cni", "mode", "kube_proxy_mode"):
        if cluster.get(key) == "unknown":
            cluster.pop(key)  # "unknown" is the model's way of saying not given
    if not cluster.get("nodes"):
        cluster.pop("nodes", None)
    dst = data["endpoints"]["destination"]
    if not dst.get("backends"):
        dst.pop("backends", None)
    if dst.get("protocol") == "tcp":
        dst.pop("protocol")
    return data


def kinds_known(head: dict[str, Any]) -> bool:
    ep = head.get("endpoints") or {}
    return bool((ep.get("source") or {}).get("kind")) and bool((ep.get("destination") or {}).get("kind"))


def build_facts(head: dict[str, Any], observations: list[Any] | None = None) -> FactFile:
    """The head as a validated :class:`FactFile` (observations: already validated models); a
    firewall's flows are traced again for the values the head holds now
    (:func:`podnet.facts.verdicts.retrace_firewalls`)."""
    from ..facts.load import facts_from_data
    from ..facts.verdicts import retrace_firewalls

    facts = facts_from_data({**head, "observations": []}, "<triage>")
    if observations:
        facts.observations = list(observations)  # type: ignore[assignment]
        retrace_firewalls(facts)
    return facts


def _node_ref(path: str) -> tuple[str, str] | None:
    m = re.fullmatch(r"node\((source|destination)\)\.(\w+)", path)
    return (m.group(1), m.group(2)) if m else None


def _node_name(head: dict[str, Any], end: str) -> str | None:
    ep = (head.get("endpoints") or {}).get(end) or {}
    if ep.get("node"):
        return str(ep["node"])
    if ep.get("kind") == "node" and ep.get("name"):
        return str(ep["name"])
    if end == "destination":
        for b in ep.get("backends") or []:
            if b.get("node"):
                return str(b["node"])
    return None


def _node_entry(head: dict[str, Any], end: str, create: bool) -> dict[str, Any] | None:
    name = _node_name(head, end)
    if name is None:
        return None
    nodes = head.setdefault("cluster", {}).setdefault("nodes", []) if create else (head.get("cluster") or {}).get("nodes") or []
    for n in nodes:
        if n.get("name") == name:
            return n  # type: ignore[no-any-return]
    if not create:
        return None
    entry: dict[str, Any] = {"name": name}
    nodes.append(entry)
    return entry


def _dig(head: dict[str, Any], path: str) -> Any:
    node: Any = head
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def applies(spec: SlotSpec, head: dict[str, Any]) -> bool:
    """Whether the slot makes sense for this case (a Service's backends only for a Service...)."""
    ep = head.get("endpoints") or {}
    kinds = {"source_kind": (ep.get("source") or {}).get("kind"), "destination_kind": (ep.get("destination") or {}).get("kind")}
    for key, allowed in spec.when.items():
        if kinds.get(key) not in allowed:
            return False
    if spec.id == "destination_port":
        # the port alone: after an address without one, or when the address is not known (a Pod's IP
        # nobody gave, while what listens on its port can still be checked)
        return bool(kinds["destination_kind"]) and not (ep.get("destination") or {}).get("port")
    ref = _node_ref(spec.sets)
    if ref is not None and _node_name(head, ref[0]) is None:
        return False  # a node's NIC or PodCIDR needs the node's name first
    return kinds["source_kind"] is not None and kinds["destination_kind"] is not None or spec.id in ("source_kind", "destination_kind")


def value_of(spec: SlotSpec, head: dict[str, Any]) -> Any:
    """The slot's current value in the case, or None when not given."""
    ref = _node_ref(spec.sets)
    if ref is not None:
        entry = _node_entry(head, ref[0], create=False)
        return entry.get(ref[1]) if entry else None
    if spec.value == "node":
        return _node_name(head, "source" if spec.id == "source_node" else "destination")
    if spec.value == "address":
        return _dig(head, spec.sets + ".ip")
    if spec.value == "ip" and spec.sets in ("endpoints.source.node_ip", "endpoints.destination.node_ip"):
        # also known from the node's entry (a pasted `kubectl get nodes -o wide`) or the backend on that node
        end = spec.sets.split(".")[1]
        entry = _node_entry(head, end, create=False)
        name = _node_name(head, end)
        on_node = [b.get("node_ip") for b in ((head.get("endpoints") or {}).get(end) or {}).get("backends") or [] if b.get("node") == name]
        return _dig(head, spec.sets) or (entry or {}).get("internal_ip") or next((ip for ip in on_node if ip), None)
    if spec.value == "object":
        return _dig(head, spec.sets + ".name")
    if spec.value == "backends":
        return _dig(head, spec.sets) or None
    return _dig(head, spec.sets)


def is_open(spec: SlotSpec, head: dict[str, Any], unknown: set[str] | frozenset[str] = frozenset()) -> bool:
    """Applies, not given, and not answered "don't know"."""
    return spec.id not in unknown and applies(spec, head) and value_of(spec, head) is None


# ---- parsing what the person typed ------------------------------------------------------------


class SlotValueError(ValueError):
    """What was typed is not a value of this slot; ``key`` names the message (``messages.py``)."""

    def __init__(self, key: str, **fields: Any) -> None:
        super().__init__(key)
        self.key = key
        self.fields = fields


def _ip(text: str) -> str:
    try:
        return str(ipaddress.ip_address(text.strip("[]")))
    except ValueError:
        raise SlotValueError("bad_ip") from None


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise SlotValueError("bad_port")
    return int(text)


def _address(text: str) -> tuple[str, int | None]:
    """``IP``, ``IP:PORT``, ``[IPv6]:PORT`` or a bare IPv6 address."""
    m = re.fullmatch(r"\[([0-9a-fA-F:.]+)\](?::(\d+))?", text)
    if m:
        return _ip(m.group(1)), _port(m.group(2)) if m.group(2) else None
    if text.count(":") == 1:
        host, _, port = text.partition(":")
        return _ip(host), _port(port)
    return _ip(text), None


def parse_value(spec: SlotSpec, text: str) -> Any:
    """The slot's value from what was typed (one line); :class:`SlotValueError` if it is not one."""
    t = text.strip()
    if not t:
        raise SlotValueError("empty")
    if spec.value == "choice":
        low = t.lower()
        if low in spec.choices:
            return low
        raise SlotValueError("bad_choice", choices=", ".join(spec.choices))
    if spec.value == "address":
        return _address(t)
    if spec.value == "port":
        return _port(t)
    if spec.value == "backends":
        items = [x for x in re.split(r"[,\s]+", t) if x]
        return [_address(x) for x in items]
    if spec.value == "ip":
        return _ip(t)
    if spec.value == "cidr":
        try:
            return str(ipaddress.ip_network(t, strict=False))
        except ValueError:
            raise SlotValueError("bad_cidr") from None
    if spec.value == "object":
        ns, sep, name = t.partition("/")
        return (ns, name) if sep else (None, t)
    return t  # node, interface, dns_name: the fact file's own checks follow (:func:`assign`)


def assign(spec: SlotSpec, head: dict[str, Any], value: Any, check: bool = True) -> dict[str, Any]:
    """A copy of the head with the slot set to a parsed value; the fact file's checks apply
    (a bad name is a :class:`SlotValueError` naming what is wrong) unless ``check`` is False."""
    out = copy.deepcopy(head)
    ref = _node_ref(spec.sets)
    if ref is not None:
        entry = _node_entry(out, ref[0], create=True)
        if entry is None:
            raise SlotValueError("needs_node")
        entry[ref[1]] = value
    elif spec.value == "address":
        target = _dig(out, spec.sets)
        target["ip"] = value[0]
        if value[1] is not None:
            target["port"] = value[1]
    elif spec.value == "object":
        target = _dig(out, spec.sets)
        if value[0]:
            target["namespace"] = value[0]
        target["name"] = value[1]
    elif spec.value == "backends":
        dst = _dig(out, "endpoints.destination")
        dst["backends"] = [{"ip": ip, **({"port": port} if port else {})} for ip, port in value]
    elif spec.value == "node":
        end = _dig(out, "endpoints.source" if spec.id == "source_node" else "endpoints.destination")
        end["node"] = value
        if end.get("kind") == "node":
            end.setdefault("name", value)
    else:
        parent, _, key = spec.sets.rpartition(".")
        node = out
        for part in parent.split("."):
            node = node.setdefault(part, {})
        node[key] = value
    if check and kinds_known(out):
        try:
            build_facts(out)
        except FactFileError as exc:
            code = {"object": "bad_name", "node": "bad_name", "dns_name": "bad_dns_name", "interface": "bad_interface"}.get(spec.value)
            raise SlotValueError(code or "bad_value", error=exc.message) from None
    return out


# ---- stand-in values: which slots a question needs --------------------------------------------

STAND_INS: dict[str, str] = {
    "address": "192.0.2.10:80",
    "port": "80",
    "backends": "192.0.2.20:80",
    "object": "stand-in/stand-in",
    "node": "stand-in-node",
    "ip": "192.0.2.30",
    "cidr": "192.0.2.64/26",
    "interface": "eth0",
    "dns_name": "stand-in.example",
}
"""Values (documentation addresses, RFC 5737) put into a *throwaway copy* of the case to see
whether a question could be asked once a slot is known; never shown, never saved."""


STAND_IN_BY_SLOT: dict[str, str] = {
    "source_node": "stand-in-source-node",
    "destination_node": "stand-in-destination-node",
    "source_node_ip": "192.0.2.31",
    "destination_node_ip": "192.0.2.32",
    "dns_service_ip": "192.0.2.53",
    "destination_pod_cidr": "192.0.2.128/26",
}
"""Distinct stand-ins where two slots must not look alike (the two ends' nodes)."""


def stand_in(spec: SlotSpec) -> Any:
    if spec.value == "choice":
        return spec.choices[0]
    return parse_value(spec, STAND_IN_BY_SLOT.get(spec.id) or STAND_INS[spec.value])


def with_stand_ins(head: dict[str, Any], ids: list[str]) -> dict[str, Any]:
    """A copy of the head with stand-in values in the named slots (in slot order, so that a node's
    NIC follows the node's name)."""
    out = head
    for spec in slots():
        if spec.id in ids and applies(spec, out) and value_of(spec, out) is None:
            out = assign(spec, out, stand_in(spec), check=False)
    return out


_URL = re.compile(r"\bhttps?://\S+")


def from_sentence(head: dict[str, Any], sentence: str) -> tuple[dict[str, Any], list[tuple[SlotSpec, Any]]]:
    """The head with the values the ticket's sentence states (``from_sentence`` in kb/context.yaml),
    slot by slot in order, and what was taken. A slot is filled only when it applies, is open, and
    every pattern that matches gives the same value ("the Pod works from the node, not from the
    Pod" names both ends: nothing is taken); a value the fact file refuses is left out."""
    taken: list[tuple[SlotSpec, Any]] = []
    sentence = _URL.sub(" ", sentence)  # where a ticket was filed (github.com/aws/...) is not what it states
    for spec in slots():
        cluster_wide = spec.sets.startswith("cluster.")  # the cluster's, whatever the endpoints turn out to be
        if not spec.from_sentence or not (cluster_wide or applies(spec, head)) or value_of(spec, head) is not None:
            continue
        found = {m.expand(sv.value) for sv in spec.from_sentence for m in re.finditer(sv.pattern, sentence, re.IGNORECASE)}
        if len(found) != 1:
            continue
        try:
            value = parse_value(spec, found.pop())
            head = assign(spec, head, value)
        except SlotValueError:
            continue
        taken.append((spec, value))
    return head, taken


@dataclass
class Answered:
    """What a slot's answer changed, for the person to read."""

    slot: str
    value: Any
    changes: dict[str, Any] = field(default_factory=dict)


def describe_value(spec: SlotSpec, value: Any) -> str:
    """A parsed value as the person would write it."""
    if spec.value == "address":
        ip, port = value
        return f"[{ip}]:{port}" if port and ":" in ip else f"{ip}:{port}" if port else ip
    if spec.value == "backends":
        return ", ".join(describe_value(slot("destination"), v) for v in value)
    if spec.value == "object":
        ns, name = value
        return f"{ns}/{name}" if ns else name
    return str(value)


def unknown_slot_error(slot_id: str) -> UsageError:
    return UsageError(f"no context question {slot_id!r}", location=f"context:{slot_id}")
