"""``kubectl get networkpolicy``: the listing the network_policy question prints, read into the
flow's ``network_policy`` observations (egress of the source Pod, ingress of the destination Pod).

The policies are the forms of the Kubernetes documentation ("Declare Network Policy", the default
policies of "Network Policies"), as ``kubectl get -o yaml`` prints a List of them. What a listing
cannot tell (a podSelector's match without the Pod's labels, the table's missing types and rules,
a named port) stays undecided, with a warning.
"""

from __future__ import annotations

import json
from pathlib import Path

from podnet import diagnose, load_facts
from podnet.inputs.ingest import ingest
from podnet.triage.session import TriageSession

DNS_CTX = {"endpoints": {"source": {"kind": "pod", "name": "client", "namespace": "web"},
                         "destination": {"kind": "external", "dns_name": "example.com"}}}
FLOW_CTX = {"endpoints": {"source": {"kind": "pod", "name": "client", "namespace": "front"},
                          "destination": {"kind": "pod", "name": "api-1", "namespace": "web", "ip": "198.18.5.9", "port": 8080}}}

DENY_EGRESS = """\
- apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata:
    name: default-deny-egress
    namespace: web
  spec:
    podSelector: {}
    policyTypes:
    - Egress
"""
ALLOW_DNS = """\
- apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata:
    name: allow-dns
    namespace: web
  spec:
    podSelector: {}
    policyTypes:
    - Egress
    egress:
    - to:
      - namespaceSelector:
          matchLabels:
            kubernetes.io/metadata.name: kube-system
      ports:
      - protocol: UDP
        port: 53
      - protocol: TCP
        port: 53
"""
LIST_END = 'kind: List\nmetadata:\n  resourceVersion: ""\n'


def _listing(*items: str) -> str:
    return "apiVersion: v1\nitems:\n" + "".join(items) + LIST_END if items else "apiVersion: v1\nitems: []\n" + LIST_END


def _ingest(tmp_path: Path, text: str, ctx: dict) -> tuple[list[dict], list[str]]:
    paste = tmp_path / "paste.txt"
    paste.write_text(text)
    result = ingest(paste, context=json.loads(json.dumps(ctx)))
    obs = [o.model_dump(exclude_none=True, exclude=set(type(o).model_computed_fields)) for o in result.facts.observations if o.kind == "network_policy"]
    return obs, [w.code for w in result.warnings]


def test_no_policy_in_the_source_namespace_clears_egress(tmp_path: Path) -> None:
    for text in ("$ kubectl get networkpolicy -n web\nNo resources found in web namespace.\n",
                 "$ kubectl get networkpolicy -n web -o yaml\n" + _listing()):
        obs, _ = _ingest(tmp_path, text, DNS_CTX)
        assert [(o["direction"], o["namespace"], o["pod"], o["policies"]) for o in obs] == [("egress", "web", "client", [])]


def test_default_deny_egress_without_dns_is_read_and_named(tmp_path: Path) -> None:
    obs, _ = _ingest(tmp_path, "$ kubectl get networkpolicy -n web -o yaml\n" + _listing(DENY_EGRESS), DNS_CTX)
    assert len(obs) == 1 and obs[0]["default_deny"] is True and obs[0]["allows_dns"] is False
    facts = load_facts({**DNS_CTX, "case": {"id": "t", "symptom": "dns_failure"}, "observations": [
        {"kind": "dns_lookup", "at": "source_pod", "name": "example.com", "result": "timeout"}, *obs]})
    d = diagnose(facts)
    assert d.top is not None and d.top.id == "network_policy_denies" and d.top.confidence >= 0.8


def test_near_miss_dns_allowed_to_kube_system(tmp_path: Path) -> None:
    obs, _ = _ingest(tmp_path, "$ kubectl get networkpolicy -n web -o yaml\n" + _listing(DENY_EGRESS, ALLOW_DNS), DNS_CTX)
    assert obs[0]["policies"] == ["default-deny-egress", "allow-dns"] and obs[0]["allows_dns"] is True
    facts = load_facts({**DNS_CTX, "case": {"id": "t", "symptom": "dns_failure"}, "observations": [
        {"kind": "dns_lookup", "at": "source_pod", "name": "example.com", "result": "timeout"}, *obs]})
    d = diagnose(facts)
    assert not any(c.id == "network_policy_denies" and c.confidence >= 0.5 for c in d.causes)


def test_a_selector_without_the_pods_labels_decides_nothing(tmp_path: Path) -> None:
    by_label = DENY_EGRESS.replace("podSelector: {}", "podSelector:\n      matchLabels:\n        app: client")
    obs, warnings = _ingest(tmp_path, "$ kubectl get networkpolicy -n web -o yaml\n" + _listing(by_label), DNS_CTX)
    assert obs == [] and "netpol_selection_unknown" in warnings


def test_the_table_decides_only_no_policy(tmp_path: Path) -> None:
    text = ("$ kubectl get netpol -A\nNAMESPACE   NAME                   POD-SELECTOR   AGE\n"
            "web         default-deny-ingress   <none>         3d\nweb         allow-frontend         app=api        3d\n")
    obs, warnings = _ingest(tmp_path, text, FLOW_CTX)
    # every namespace listed: the source's namespace "front" has none (egress clear); web's types are not shown
    assert [(o["direction"], o["namespace"], o["policies"]) for o in obs] == [("egress", "front", [])]
    assert "netpol_table_no_rules" in warnings


def test_ingress_rules_against_the_destination_port(tmp_path: Path) -> None:
    def policy(ports: str) -> str:
        return f"""\
- apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {{name: api-allow, namespace: web}}
  spec:
    podSelector: {{}}
    policyTypes: [Ingress]
    ingress:
    - ports: {ports}
"""
    cases = {"[{port: 9090}]": False, "[{port: 8080}]": True, "[{port: http}]": None, "[{protocol: UDP, port: 8080}]": False,
             "[{port: 8000, endPort: 8100}]": True}
    for ports, allows in cases.items():
        obs, _ = _ingest(tmp_path, "$ kubectl get networkpolicy -n web -o yaml\n" + _listing(policy(ports)), FLOW_CTX)
        ingress = [o for o in obs if o["direction"] == "ingress"]
        assert len(ingress) == 1 and ingress[0].get("allows_flow") == allows, (ports, ingress)


def test_json_form_and_a_namespace_of_neither_end(tmp_path: Path) -> None:
    doc = {"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
           "metadata": {"name": "deny-all", "namespace": "front"}, "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}}]}
    obs, _ = _ingest(tmp_path, "$ kubectl get networkpolicy -n front -o json\n" + json.dumps(doc, indent=2) + "\n", FLOW_CTX)
    assert [(o["direction"], o["default_deny"], o["allows_flow"]) for o in obs] == [("egress", True, False)]
    obs, warnings = _ingest(tmp_path, "$ kubectl get networkpolicy -n other\nNo resources found in other namespace.\n", FLOW_CTX)
    assert obs == [] and "netpol_not_the_flows" in warnings


def test_pasted_at_the_triage_question_it_answers_it() -> None:
    s = TriageSession.start("dns_failure", case_id="t", summary="the client Pod cannot resolve example.com")
    for slot, value in {"source_kind": "pod", "destination_kind": "external", "source_pod": "web/client"}.items():
        s.provide(slot, value)
    out = s.paste("$ kubectl get networkpolicy -n web -o yaml\n" + _listing(DENY_EGRESS), question="network_policy@control_plane")
    assert out.answered, out
    (np,) = [o for o in s.facts.observations if o.kind == "network_policy"]
    assert np.direction == "egress" and np.allows_dns is False and np.filtering is True


GRAFANA_POLICY = """\
- apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: allow-grafana, namespace: monitoring}
  spec:
    podSelector: {}
    policyTypes: [Ingress]
    ingress:
    - from:
      - namespaceSelector:
          matchLabels: {role: kube-system}
        podSelector:
          matchLabels: {app: nginx-ingress}
      ports:
      - {protocol: TCP, port: 3000}
"""
INGRESS_CTX = {"endpoints": {"source": {"kind": "pod", "name": "nginx-ingress-controller-5d8f", "namespace": "kube-system"},
                             "destination": {"kind": "pod", "name": "grafana-0", "namespace": "monitoring", "ip": "198.18.7.20", "port": 3000}}}


def test_the_peer_namespaces_labels_decide_a_namespace_selector(tmp_path: Path) -> None:
    """The whole printed check: the policies, then the namespaces with their labels. A rule allowing
    only namespaces labelled role=kube-system misses kube-system, which carries only the label
    Kubernetes sets (kubernetes.io/metadata.name)."""
    def run(labels: str) -> list[dict]:
        text = ("$ kubectl get networkpolicy -n monitoring -o yaml\n" + _listing(GRAFANA_POLICY)
                + "$ kubectl get namespace kube-system monitoring --show-labels\nNAME          STATUS   AGE    LABELS\n"
                + f"kube-system   Active   412d   {labels}\nmonitoring    Active   98d    kubernetes.io/metadata.name=monitoring\n")
        return [o for o in _ingest(tmp_path, text, INGRESS_CTX)[0] if o["direction"] == "ingress"]

    (miss,) = run("kubernetes.io/metadata.name=kube-system")
    assert miss["allows_flow"] is False and miss["peer_namespace_selector"] == ["role=kube-system"]
    assert miss["namespace_labels"] == ["kubernetes.io/metadata.name=kube-system"]
    facts = load_facts({**INGRESS_CTX, "case": {"id": "t"}, "observations": [
        {"kind": "tcp_connect", "at": "source_pod", "target": "198.18.7.20", "port": 3000, "result": "timeout"}, miss]})
    d = diagnose(facts)
    assert d.top is not None and d.top.id == "network_policy_denies" and d.top.confidence >= 0.8
    # near miss: the namespace carries the label; the rule's podSelector still needs the Pod's labels
    (labelled,) = run("kubernetes.io/metadata.name=kube-system,role=kube-system")
    assert labelled.get("allows_flow") is None
    assert not any(c.id == "network_policy_denies" and c.confidence >= 0.8 for c in diagnose(load_facts(
        {**INGRESS_CTX, "case": {"id": "t"}, "observations": [labelled]})).causes)


def test_the_printed_check_names_only_the_namespaces_concerned_and_its_bare_output_is_read() -> None:
    """A lookup of an outside name concerns the source's egress only: one command, no placeholder for
    a destination namespace that does not exist, and its output pasted without the command line is
    read as that command's (the customer copies what kubectl printed)."""
    s = TriageSession.start("dns_failure", case_id="t", summary="the client Pod cannot resolve example.com")
    for slot, value in {"source_kind": "pod", "destination_kind": "external", "source_pod": "web/client"}.items():
        s.provide(slot, value)
    assert s.observation_prompt("network_policy@control_plane").command == "kubectl get networkpolicy -n web -o yaml"
    out = s.paste(_listing(DENY_EGRESS), question="network_policy@control_plane")
    assert out.answered, out
    # two namespaces: the policies of both and their labels (a namespaceSelector needs them)
    cross = TriageSession.start("port_unreachable", case_id="t", summary="front/client cannot reach web/api")
    for slot, value in {"source_kind": "pod", "destination_kind": "service", "source_pod": "front/client", "destination_name": "web/api"}.items():
        cross.provide(slot, value)
    assert cross.observation_prompt("network_policy@control_plane").command == (
        "kubectl get networkpolicy -n web -o yaml; kubectl get networkpolicy -n front -o yaml; kubectl get namespace front web --show-labels")
