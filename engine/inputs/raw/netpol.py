"""kubectl: ``get networkpolicy`` (``-o yaml`` / ``-o json``, or the table), and what the listed
policies do to one Pod in one direction.

jc has no kubectl parsers and no Python library judges NetworkPolicies offline (the evaluators
live in Go, inside CNIs and in cyclonus/netpol-analyzer), so the judgement is written here, small
and three-valued: a policy whose podSelector is empty selects every Pod of its namespace; one
with a selector selects the Pod only if its labels match, which a listing does not show, so its
rules may add allowances but never decide isolation. A port given by name, a peer chosen by labels
that are not shown or an ipBlock other than everything leaves the answer ``None`` (not known),
never a guess. The table (``NAME POD-SELECTOR AGE``) shows neither the policy types nor the rules:
it decides only "no policy at all" (``No resources found``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from ..model import CommandRun, ParseResult
from ._util import option_value
from .kubectl import items_of, structured

Direction = Literal["ingress", "egress"]


@dataclass(frozen=True)
class Peer:
    """The other end of the flow as a policy sees it: its namespace and that namespace's labels
    (None: not known)."""

    namespace: str | None = None
    labels: dict[str, str] | None = None


_NONE_FOUND = re.compile(r"^No resources found(?: in (\S+) namespace)?\.?$")
_DNS_NAMESPACE_LABELS = ({"kubernetes.io/metadata.name": "kube-system"}, {"name": "kube-system"})
_DNS_POD_LABELS = ({"k8s-app": "kube-dns"}, {"k8s-app": "coredns"})


def _empty_selector(sel: object) -> bool:
    return isinstance(sel, dict) and not sel.get("matchLabels") and not sel.get("matchExpressions")


def _selector_text(sel: object) -> str:
    if not isinstance(sel, dict) or _empty_selector(sel):
        return "<none>"
    parts = [f"{k}={v}" for k, v in (sel.get("matchLabels") or {}).items()]
    parts += [f"{e.get('key')} {e.get('operator')} {e.get('values') or ''}".strip() for e in sel.get("matchExpressions") or [] if isinstance(e, dict)]
    return ",".join(parts)


def _rules(spec: dict[str, Any], key: str, peers_key: str) -> list[dict[str, Any]]:
    return [{"ports": r.get("ports") or None, "peers": r.get(peers_key) or None} for r in spec.get(key) or [] if isinstance(r, dict)]


def _policy(item: dict[str, Any], namespace: str | None, line: int) -> dict[str, Any] | None:
    if str(item.get("kind") or "NetworkPolicy") != "NetworkPolicy":
        return None
    meta, spec = item.get("metadata") or {}, item.get("spec") or {}
    types = spec.get("policyTypes") or (["Ingress", "Egress"] if "egress" in spec else ["Ingress"])
    return {"name": meta.get("name"), "namespace": meta.get("namespace") or namespace, "selects_all": _empty_selector(spec.get("podSelector") or {}),
            "selector": _selector_text(spec.get("podSelector") or {}), "types": [str(t).lower() for t in types],
            "ingress": _rules(spec, "ingress", "from"), "egress": _rules(spec, "egress", "to"), "line": line}


def parse(run: CommandRun) -> ParseResult:
    """``kubectl get networkpolicy``: one ``network_policies`` record per namespace listed (its
    policies, or none), ``-A`` listing every namespace."""
    res = ParseResult()
    namespace = option_value(run.argv, "-n", "--namespace")
    every = any(a in ("-A", "--all-namespaces") for a in run.argv)
    first = run.nonblank[0][0] if run.nonblank else run.line
    data = structured(run, res)
    if data is False:
        return res
    if isinstance(data, dict):
        listed = [p for item in items_of(data) if (p := _policy(item, namespace, first)) is not None]
        _add(res, run, namespace, every, listed, "spec", first)
        return res
    policies: list[dict[str, Any]] = []
    none_in: str | None = None
    for n, text in run.nonblank:
        words = text.split()
        if m := _NONE_FOUND.match(text.strip()):
            none_in = m.group(1) or namespace
            continue
        if words[:1] in (["NAME"], ["NAMESPACE"]):
            continue
        ns: str | None
        if every and len(words) >= 3:
            ns, rest = words[0], words[1:]
        elif len(words) >= 2:
            ns, rest = namespace, words
        else:
            res.warn(run, "kubectl_netpol_row_unknown", n, text=text.strip()[:80])
            continue
        policies.append({"name": rest[0], "namespace": ns, "selects_all": rest[1] == "<none>", "selector": rest[1], "types": None,
                         "ingress": None, "egress": None, "line": n})
    if not policies and none_in is None and not any(_NONE_FOUND.match(t.strip()) for _, t in run.nonblank):
        res.warn(run, "kubectl_netpol_nothing")
        return res
    _add(res, run, none_in or namespace, every and none_in is None, policies, "table", first)
    return res


def _add(res: ParseResult, run: CommandRun, namespace: str | None, every: bool, policies: list[dict[str, Any]], form: str, line: int) -> None:
    namespaces = sorted({p["namespace"] for p in policies if p["namespace"]} | ({namespace} if namespace else set()))
    res.add(run, "network_policies", {"namespaces": namespaces, "every_namespace": every, "policies": policies, "form": form}, line)


# ---- judging what the listed policies do to one Pod ---------------------------------------------


def _and(*values: bool | None) -> bool | None:
    return False if False in values else True if all(v is True for v in values) else None


def _or(values: list[bool | None]) -> bool | None:
    return True if True in values else None if None in values else False


def _port_admits(ports: list[Any] | None, protocol: str, port: int | None) -> bool | None:
    if ports is None:
        return True
    out: list[bool | None] = []
    for p in ports:
        if not isinstance(p, dict):
            continue
        if str(p.get("protocol") or "TCP").upper() != protocol.upper():
            out.append(False)
        elif p.get("port") is None:
            out.append(True)
        elif isinstance(p.get("port"), int):
            out.append(None if port is None else p["port"] <= port <= (p.get("endPort") or p["port"]))
        else:
            out.append(None)  # a named port: the Pod's container spec says which number
    return _or(out)


def _labels_among(sel: object, wanted: tuple[dict[str, str], ...]) -> bool | None:
    if _empty_selector(sel):
        return True
    if isinstance(sel, dict) and sel.get("matchLabels") and not sel.get("matchExpressions") and sel["matchLabels"] in wanted:
        return True
    return None  # other labels: a namespace or Pod may carry them, the listing does not say


def _peer_reaches_dns(peer: object, policy_namespace: str | None) -> bool | None:
    if not isinstance(peer, dict):
        return None
    if "ipBlock" in peer:
        return True if (peer.get("ipBlock") or {}).get("cidr") in ("0.0.0.0/0", "::/0") and not (peer.get("ipBlock") or {}).get("except") else None
    if "namespaceSelector" in peer:
        pods = _labels_among(peer["podSelector"], _DNS_POD_LABELS) if "podSelector" in peer else True
        return _and(_labels_among(peer["namespaceSelector"], _DNS_NAMESPACE_LABELS), pods)
    if "podSelector" in peer:  # Pods of the policy's own namespace only
        return None if policy_namespace == "kube-system" else False
    return None


def _rule_allows_dns(rule: dict[str, Any], policy_namespace: str | None) -> bool | None:
    udp = _port_admits(rule["ports"], "UDP", 53)
    peers = True if rule["peers"] is None else _or([_peer_reaches_dns(p, policy_namespace) for p in rule["peers"]])
    return _and(udp, peers)


def _selector_matches(sel: object, labels: dict[str, str] | None) -> bool | None:
    if _empty_selector(sel):
        return True
    if labels is None or not isinstance(sel, dict) or sel.get("matchExpressions"):
        return None
    return all(labels.get(str(k)) == str(v) for k, v in (sel.get("matchLabels") or {}).items())


def _peer_matches(entry: object, policy_namespace: str | None, peer: Peer) -> bool | None:
    """A ``from``/``to`` entry against the other end of the flow: its namespace and that namespace's
    labels when listed; the other end's Pod labels and addresses are not (None where they decide)."""
    if not isinstance(entry, dict) or "ipBlock" in entry:
        return None
    pods = True if _empty_selector(entry.get("podSelector", {})) else None
    if "namespaceSelector" in entry:
        return _and(_selector_matches(entry["namespaceSelector"], peer.labels), pods)
    if peer.namespace is None or policy_namespace is None:
        return None
    return False if peer.namespace != policy_namespace else pods


def _rule_allows_flow(rule: dict[str, Any], port: int | None, protocol: str, policy_namespace: str | None, other: Peer) -> bool | None:
    peers = True if rule["peers"] is None else _or([_peer_matches(p, policy_namespace, other) for p in rule["peers"]])
    return _and(_port_admits(rule["ports"], protocol, port), peers)


def judge(policies: list[dict[str, Any]], direction: Direction, port: int | None, protocol: str = "TCP", other: Peer = Peer()) -> dict[str, Any] | None:
    """The ``network_policy`` fields the listed policies of one namespace give a Pod of it in one
    direction, or None when that is not known (the table form, or only policies whose selectors
    need the Pod's labels). ``allows_flow`` is for ``port``/``protocol`` (any port when None) from
    or to ``other``."""
    if any(p["types"] is None for p in policies):
        return None  # the table: types and rules not shown
    applying = [p for p in policies if direction in p["types"]]
    if not applying:
        return {"policies": []}
    certain = [p for p in applying if p["selects_all"]]
    if not certain:
        return None
    maybe = [p for p in applying if not p["selects_all"]]
    fields: dict[str, Any] = {"policies": [p["name"] for p in certain], "default_deny": any(not p[direction] for p in certain)}
    flow = _or([_rule_allows_flow(r, port, protocol, p["namespace"], other) for p in certain for r in p[direction]])
    if flow is False and any(_rule_allows_flow(r, port, protocol, p["namespace"], other) is not False for p in maybe for r in p[direction]):
        flow = None
    fields["allows_flow"] = flow
    selectors = {tuple(sorted(f"{k}={v}" for k, v in ((e.get("namespaceSelector") or {}).get("matchLabels") or {}).items()))
                 for p in certain for r in p[direction] if _port_admits(r["ports"], protocol, port) is not False
                 for e in r["peers"] or [] if isinstance(e, dict) and "namespaceSelector" in e}
    if len(selectors) == 1 and (only := next(iter(selectors))):
        fields["peer_namespace_selector"] = list(only)
        if other.labels is not None:
            fields["namespace_labels"] = [f"{k}={v}" for k, v in sorted(other.labels.items())]
    if direction == "egress":
        dns = _or([_rule_allows_dns(r, p["namespace"]) for p in certain for r in p["egress"]])
        if dns is False and any(_rule_allows_dns(r, p["namespace"]) is not False for p in maybe for r in p["egress"]):
            dns = None
        fields["allows_dns"] = dns
    return fields


def parse_namespaces(run: CommandRun) -> ParseResult:
    """``kubectl get namespace [NAME...] --show-labels`` (or ``-o yaml``/``-o json``): each
    namespace's labels, which a policy's namespaceSelector is matched against."""
    res = ParseResult()
    data = structured(run, res)
    if data is False:
        return res
    found: list[dict[str, Any]] = []
    if isinstance(data, dict):
        for item in items_of(data):
            meta = item.get("metadata") or {}
            labels = meta.get("labels")
            found.append({"name": meta.get("name"), "labels": {str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {}})
    else:
        header = next((t.split() for _, t in run.nonblank if t.split()[:1] == ["NAME"]), None)
        with_labels = bool(header) and header[-1] == "LABELS"  # type: ignore[index]
        for n, text in run.nonblank:
            words = text.split()
            if words[:1] == ["NAME"] or _NONE_FOUND.match(text.strip()):
                continue
            if len(words) < 3:
                res.warn(run, "kubectl_namespace_row_unknown", n, text=text.strip()[:80])
                continue
            labels = None
            if with_labels and len(words) >= 4:
                pairs = [p.split("=", 1) for p in words[-1].split(",") if "=" in p]
                labels = dict(pairs) if words[-1] != "<none>" else {}
            found.append({"name": words[0], "labels": labels, "line": n})
    named = [f for f in found if f.get("name") and f.get("labels") is not None]
    if not named:
        res.warn(run, "kubectl_namespace_no_labels")
        return res
    res.add(run, "namespace_labels", {"namespaces": {f["name"]: f["labels"] for f in named}}, run.nonblank[0][0])
    return res
