"""What the ticket's sentence names (kb/mentions.yaml): checked first, a capped prior, never a fact."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from podnet.knowledge.mentions import MAX_RATIO, asked_first, mention_ratios, mentions, named
from podnet.triage.questions import knowledge
from podnet.triage.session import MENTION_QUESTIONS, TriageSession

ROOT = Path(__file__).resolve().parents[2]


def _summary(name: str) -> str:
    return json.loads((ROOT / "examples" / name).read_text())["case"]["summary"]


def test_the_vocabulary_names_causes_and_checks_that_exist():
    kb = knowledge()
    for m in mentions():
        assert set(m.causes) <= set(kb.causes), m.id
        assert set(m.ask) <= set(kb.observation_kinds), m.id


# Sentences of public tickets (the case summaries quote the reporters) and what they name.
REAL = [
    ("ticket-weave-debian-buster.json", "iptables_backend"),
    ("ticket-blackbox-dns-after-upgrade.json", "ndots"),
    ("nu-softirq-cpu0-receive-processing.json", "softirq"),
    ("heldout/minikube-kube-proxy-conntrack-permission.json", "kube_proxy"),
    ("heldout/express-app-localhost-pod-ip-refused.json", "loopback_bind"),
    ("ticket-default-deny-egress-dns.json", "network_policy"),
    ("mtu-docker0-default.json", "docker_bridge"),
    ("cni-wrong-iface-vagrant-nat-address.json", "node_interface"),
    # calico-node's log: "Using autodetected IPv4 address on interface br-...", "... is already using the IPv4 address"
    ("heldout/calico-autodetect-docker-bridge-address.json", "node_interface"),
]


@pytest.mark.parametrize("name, mention", REAL)
def test_a_real_ticket_sentence_names_its_component(name: str, mention: str):
    assert mention in [m.id for m in named(_summary(name))]


@pytest.mark.parametrize(
    "sentence",
    [
        "The Service times out from every Pod since this morning.",
        "Our blockbuster release broke: connections were interrupted during the deploy.",
        "Search works in the app but the checkout page returns 502.",
        "Pods restarted after the upgrade to 1.15 and the dashboard is slow.",
        "web    ClusterIP   198.19.0.80   <none>        80/TCP    5d",  # <none> of an EXTERNAL-IP column
        "The autodetected locale of the dashboard is wrong after the upgrade.",
    ],
)
def test_near_misses_name_nothing(sentence: str):
    assert named(sentence) == [] and mention_ratios(sentence) == {}


def test_ratios_of_one_cause_are_capped():
    s = "CoreDNS logs [FATAL] plugin/loop: Loop (127.0.0.1:53 -> :53) detected; systemd-resolved on 127.0.0.53"
    ratios = mention_ratios(s)
    assert ratios["coredns_forward_loop"] == MAX_RATIO  # 3 x 2 x 1.5, capped
    assert all(1 < r <= MAX_RATIO for r in ratios.values())


def _opening(summary: str) -> TriageSession:
    s = TriageSession.start(case_id="T-m", summary=summary)
    s.answer("other")
    for _ in range(6):  # the ends' kinds: a Pod reaching a Service
        p = s.current_question()
        if p is None or p.type != "context" or p.key not in ("context:source_kind", "context:destination_kind"):
            break
        s.answer("pod" if p.key.endswith("source_kind") else "service")
    return s


def test_the_check_the_ticket_names_is_asked_first():
    s = _opening("After a kernel update the kube-proxy Pod is in CrashLoopBackOff.")
    p = s.current_question()
    assert p.key == "kube_proxy@control_plane" and p.named_in_ticket == "kube-proxy"
    from podnet.triage.conversation import prompt_text

    assert 'the ticket says "kube-proxy"' in prompt_text(p, 3, "en") and "工单中提到“kube-proxy”" in prompt_text(p, 3, "zh")
    plain = _opening("After a kernel update nothing works any more.")
    assert plain.current_question().key != "kube_proxy@control_plane"


def test_at_most_a_few_checks_come_from_the_sentence():
    summary = "kube-proxy, CoreDNS, firewalld, conntrack, MTU and a NetworkPolicy are all involved"
    named_kinds = set(asked_first(summary))
    s = _opening(summary)
    checks = []
    while len(checks) < MENTION_QUESTIONS:
        p = s.current_question()
        assert p is not None
        if p.type == "observation":
            checks.append(p.key.partition("@")[0])
        s.answer("unknown")
    assert set(checks) <= named_kinds
    assert s._named_first(s._evaluate(), s._finder()) is None  # then expected gain decides again


def test_a_sentence_orders_questions_and_is_no_evidence():
    from podnet.triage.questions import current_posterior

    loop = "CoreDNS is in CrashLoopBackOff: [FATAL] plugin/loop: Loop (127.0.0.1:53 -> :53) detected"
    s = _opening(loop)
    for _ in range(60):
        if s.current_question() is None:
            break
        s.answer("unknown")
    assert s.facts.observations == [] and s.fact_data()["case"]["summary"] == loop
    kb = knowledge()
    shown = dict((b.id, b.posterior) for b in s.ranking().beliefs)
    evidence = current_posterior(kb, s.facts, s.diagnosis())
    ordering = current_posterior(kb, s.facts, s.diagnosis(), sentence=True)
    assert abs(shown["coredns_forward_loop"] - evidence["coredns_forward_loop"]) < 1e-3  # what is shown ignores the sentence
    assert evidence["coredns_forward_loop"] < ordering["coredns_forward_loop"] <= MAX_RATIO * evidence["coredns_forward_loop"]
    assert not s.ranking().confident


def test_rules_check_names_an_unknown_cause_or_check_in_the_vocabulary():
    from podnet.knowledge.mentions import mention_problems

    kb = knowledge()
    assert mention_problems(kb.causes, kb.observation_kinds) == []
    causes = set(kb.causes) - {"kube_proxy_no_rules"}
    kinds = set(kb.observation_kinds) - {"kube_proxy"}
    problems = mention_problems(causes, kinds)
    assert "kb/mentions.yaml: mentions[0] (kube_proxy).causes: unknown cause 'kube_proxy_no_rules'" in problems
    assert "kb/mentions.yaml: mentions[0] (kube_proxy).ask: unknown observation kind 'kube_proxy'" in problems
