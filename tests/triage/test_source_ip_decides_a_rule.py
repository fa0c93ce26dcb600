"""A firewall rule that matches on the source (``-s 198.19.129.0/24 ... -j REJECT``) is decided only
once the source Pod's address is known: triage asks for it when, and only when, that address would
change the rule engine's certainty, and the flows are traced again once it is given.

The paste is real: the destination Pod's ``iptables-save`` from the blind lab's pod-port-reject fault
(bench/blind_lab, a namespace lab built by another session; bench/lab_pastes/records.jsonl), where
the verdict stayed undecided because triage never asked the client's address."""

from __future__ import annotations

import json
from pathlib import Path

from podnet import diagnose
from podnet.triage.answers import observed_probes
from podnet.triage.questions import knowledge
from podnet.triage.session import TriageSession

RECORDS = Path(__file__).resolve().parents[2] / "bench" / "lab_pastes" / "records.jsonl"
VALUES = {
    "source_kind": "pod", "destination_kind": "service", "destination": "198.19.224.50:80",
    "backends": "198.19.130.10:8080", "destination_name": "default/web", "source_pod": "default/client",
    "source_node": "node-a", "destination_node": "node-b", "cni": "flannel", "kube_proxy_mode": "iptables",
}
"""The lab's values as a customer gives them; neither the source node's PodCIDR nor the cluster's: the
address a trial tries comes from the rule the verdict is undecided on."""


LAB = {"listening_sockets@destination_pod": "all_addresses", "tcp_connect@source_pod": "refused", "ping@source_pod": "ok"}


def _paste(mode: str) -> str:
    for line in RECORDS.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        if (r["fault"], r["mode"], r["key"]) == ("pod-port-reject", mode, "firewall@destination_pod"):
            return str(r["paste"])
    raise AssertionError(mode)


def _session(values: dict[str, str]) -> TriageSession:
    s = TriageSession.start("port_unreachable", case_id="lab", summary="the client Pod cannot reach web.default.svc.cluster.local")
    for slot, value in values.items():
        s.provide(slot, value)
    s.paste(_paste("strict"), question="firewall@destination_pod")
    return s


def _verdicts(s: TriageSession) -> set[str]:
    [fw] = [o for o in s.facts.observations if o.kind == "firewall"]
    return {v.verdict for v in fw.verdicts or [] if v.role == "backend"}  # inside the Pod: the backend's address and port


def test_the_source_address_is_asked_and_decides_the_reject():
    s = _session(VALUES)
    assert _verdicts(s) == {"undecided"}
    [fw] = [o for o in s.facts.observations if o.kind == "firewall"]
    assert fw.rules is None  # not "no rule matches": whether the REJECT matches is not known yet
    assert ("firewall", "destination_pod") not in observed_probes(s.facts, knowledge().observation_kinds)  # nor answered "none"
    asked: list[str] = []
    while (p := s.current_question()) is not None and len(asked) < 40:
        asked.append(p.key)
        if p.key == "context:source_ip":
            s.answer("198.19.129.7")
            break
        # what the lab showed: the web server listens on every address, the client's connection is
        # refused, ping passes; nothing else is known
        s.answer(LAB.get(p.key, "unknown"))
    assert "context:source_ip" in asked, asked
    assert _verdicts(s) == {"reject"}
    top = diagnose(s.facts).top
    assert top is not None and top.id in ("port_firewall_blocks", "iptables_blocks_traffic") and top.confidence >= 0.5


def test_near_miss_a_source_outside_the_rule_is_accepted():
    s = _session(VALUES)
    s.provide("source_ip", "198.19.130.7")  # a Pod of node-b: the rule does not match it
    assert _verdicts(s) == {"accept"}
    assert all(c.id not in ("port_firewall_blocks", "iptables_blocks_traffic") or c.confidence < 0.5 for c in diagnose(s.facts).causes)


def test_near_miss_without_a_firewall_that_reads_the_source_the_address_is_not_asked():
    s = TriageSession.start("port_unreachable", case_id="lab", summary="the client Pod cannot reach web.default.svc.cluster.local")
    for slot, value in VALUES.items():
        s.provide(slot, value)
    asked = []
    for _ in range(12):
        p = s.current_question()
        if p is None:
            break
        asked.append(p.key)
        s.answer("unknown")
    assert "context:source_ip" not in asked


def test_an_undecided_paste_needs_the_address_whatever_the_posterior():
    """The blind lab's run: other answers had pushed the firewall causes below the posterior at which
    a value is asked for a rule (0.04 < 0.05), so the paste in hand never counted. A value that
    decides a reading the customer already gave is asked for that reading's sake."""
    from podnet.triage.needs import rule_need
    from podnet.triage.questions import rule_certainty

    s = _session(VALUES)
    open_ids = tuple(s._open_slots())
    assert "source_ip" in open_ids
    d = diagnose(s.facts)
    low = {c: 0.001 for c in ("port_firewall_blocks", "iptables_blocks_traffic", "app_not_listening")}
    assert rule_need(s.facts, s.head, ("source_ip",), rule_certainty(d), low, "en", ()) == "source_ip"
    # near miss: the same case without the undecided paste: nothing pending, no contender -> not asked
    bare = TriageSession.start("port_unreachable", case_id="lab", summary="the client Pod cannot reach web")
    for slot, value in VALUES.items():
        bare.provide(slot, value)
    assert rule_need(bare.facts, bare.head, ("source_ip",), rule_certainty(diagnose(bare.facts)), low, "en", ()) is None
