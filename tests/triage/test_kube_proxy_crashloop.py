"""A crashlooping kube-proxy in triage (issue #14): the answer's own undeclared share (a kube-proxy
that keeps crashing leaves the rules unmaintained, so other causes all but never show it), and the
answer that carries the log's error without quoting it (minikube#11418: after a host kernel update
kube-proxy crashloops on 'open /proc/sys/net/netfilter/nf_conntrack_max: permission denied')."""

from __future__ import annotations

import pytest
from podnet.errors import FactFileError
from podnet.facts.load import facts_from_data, validate_observation
from podnet.reasoning.diagnose import diagnose_facts
from podnet.triage.answers import build_observations, observed_answers
from podnet.triage.posterior import FLOOR, UNDECLARED_SPREAD, build_model
from podnet.triage.questions import knowledge
from podnet.triage.session import TriageSession

from .conftest import case_data

KP = ("kube_proxy", "control_plane")
LINE = "open /proc/sys/net/netfilter/nf_conntrack_max: permission denied"


def _facts(*observations: dict):
    data = case_data()
    data["observations"] = list(observations)
    return facts_from_data(data)


def _proxy(**fields) -> dict:
    return {"kind": "kube_proxy", "at": "control_plane", "node": "node-a", **fields}


def test_a_crashloop_is_at_the_floor_under_causes_that_do_not_declare_it():
    model = build_model(knowledge())
    table = model.likelihood[KP]
    for other in ("app_not_listening", "route_missing", "iptables_blocks_traffic", "dns_service_down"):
        assert table[other]["crashloop_log_error"] == pytest.approx(FLOOR)
        assert table[other]["crashloop"] == pytest.approx(FLOOR)
        # "missing" keeps the undeclared spread: kube-proxy-free clusters have no kube-proxy Pod
        assert table[other]["missing"] > UNDECLARED_SPREAD / 4 * 0.9
    own = table["kube_proxy_no_rules"]
    assert own["crashloop_log_error"] + own["crashloop"] == pytest.approx(0.30)
    assert "crashloop_log_error" not in model.specific.get(KP, frozenset())


def test_the_customers_file_gives_the_answer_that_carries_the_log_error():
    kinds = knowledge().observation_kinds
    assert observed_answers(_facts(_proxy(pod_status="crashloop", log_errors=[LINE])), kinds)[KP] == "crashloop_log_error"
    # near misses: the log not read; a clean log while running
    assert observed_answers(_facts(_proxy(pod_status="crashloop")), kinds)[KP] == "crashloop"
    assert observed_answers(_facts(_proxy(pod_status="running", log_errors=[])), kinds)[KP] == "running"


def test_the_answer_records_that_the_log_has_an_error_not_a_line_and_the_rules_read_it():
    kb = knowledge()
    facts = _facts()
    [obs] = build_observations(kb.observation_kinds["kube_proxy"], "control_plane", "crashloop_log_error", facts)
    assert obs.pod_status == "crashloop" and obs.log_errors is None and obs.has_log_errors is True
    d = diagnose_facts(facts.model_copy(update={"observations": [obs]}))
    assert d.top is not None and d.top.id == "kube_proxy_no_rules" and d.top.confidence == pytest.approx(0.65)
    fired = {e.rule: e for e in d.top.evidence}
    assert "kube-proxy-log-errors" in fired and "kube-proxy-not-running" in fired
    # near miss: the log not read, only the crashloop rule
    [bare] = build_observations(kb.observation_kinds["kube_proxy"], "control_plane", "crashloop", facts)
    d2 = diagnose_facts(facts.model_copy(update={"observations": [bare]}))
    assert d2.top is not None and d2.top.confidence == pytest.approx(0.5)
    assert "kube-proxy-log-errors" not in {e.rule for e in d2.top.evidence}


def test_a_stated_log_state_that_contradicts_the_lines_is_refused():
    with pytest.raises(FactFileError, match=r"\$\.observations\[0\]: .*log_errors_stated contradicts log_errors"):
        validate_observation(_proxy(pod_status="crashloop", log_errors=[LINE], log_errors_stated=False), 0, "t")
    assert validate_observation(_proxy(pod_status="crashloop", log_errors=[LINE], log_errors_stated=True), 0, "t").has_log_errors


def test_triage_concludes_on_a_crashloop_with_a_logged_error_and_not_on_less():
    def after(answer: str):
        s = TriageSession(_facts())
        s.record("kube_proxy", "control_plane", answer)
        return s.ranking()

    confident = after("crashloop_log_error")
    assert confident.confident and confident.beliefs[0].id == "kube_proxy_no_rules" == confident.rules[0].id
    # the crashloop without the log: the cause leads, but one finding with one rule is not enough
    bare = after("crashloop")
    assert not bare.confident and bare.beliefs[0].id == "kube_proxy_no_rules" and bare.beliefs[0].posterior < 0.5
    running = after("running")
    assert "kube_proxy_no_rules" not in [b.id for b in running.beliefs[:3]]
