"""kube-proxy read on the node (kubernetes/kubernetes#92033: a kubeadm master whose kube-proxy logs
'Failed to add IPVS service ...: no such file or directory'): the question at ``source_node``, the
answer that carries that message, and the one for a running kube-proxy whose log shows sync errors."""

from __future__ import annotations

import pytest
from podnet.reasoning.diagnose import diagnose_facts
from podnet.facts.load import facts_from_data
from podnet.triage.answers import build_observations, observed_answers
from podnet.triage.posterior import FLOOR, build_model
from podnet.triage.questions import knowledge

from .conftest import case_data

NODE = ("kube_proxy", "source_node")
IPVS = 'proxier.go:1909] Failed to add IPVS service "default/kubernetes:https": no such file or directory'
RESTORE = "proxier.go:1435] Failed to execute iptables-restore: exit status 1 (iptables-restore: line 7 failed)"


def _facts(*observations: dict):
    data = case_data()
    data["observations"] = list(observations)
    return facts_from_data(data)


def test_the_node_side_question_exists_with_a_command_run_on_the_node():
    meta = knowledge().observation_kinds["kube_proxy"]
    assert meta.how["source_node"].run_in == "node"
    assert "crictl" in meta.how["source_node"].command and "journalctl -u kube-proxy" in meta.how["source_node"].command


def test_a_node_log_with_the_ipvs_message_gives_its_answer_and_other_errors_the_generic_one():
    kinds = knowledge().observation_kinds
    assert observed_answers(_facts({"kind": "kube_proxy", "at": "source_node", "log_errors": [IPVS]}), kinds)[NODE] == "ipvs_service_not_added"
    assert observed_answers(_facts({"kind": "kube_proxy", "at": "source_node", "log_errors": [RESTORE]}), kinds)[NODE] == "running_log_error"
    # near misses: a crashing kube-proxy with errors keeps its own answer; a clean log is not an error answer
    crash = {"kind": "kube_proxy", "at": "control_plane", "node": "node-a", "pod_status": "crashloop", "log_errors": [RESTORE]}
    assert observed_answers(_facts(crash), kinds)[("kube_proxy", "control_plane")] == "crashloop_log_error"
    clean = observed_answers(_facts({"kind": "kube_proxy", "at": "source_node", "log_errors": []}), kinds).get(NODE)
    assert clean not in ("running_log_error", "ipvs_service_not_added")


def test_the_ipvs_answer_records_what_was_said_and_the_rule_engine_reads_it():
    kb = knowledge()
    facts = _facts()
    facts.cluster.kube_proxy_mode = "ipvs"
    obs = build_observations(kb.observation_kinds["kube_proxy"], "source_node", "ipvs_service_not_added", facts)
    dumped = [o.model_dump(exclude_none=True) for o in obs]
    # only what the person said: no invented log line, no Pod status
    assert all("log_errors" not in d and "pod_status" not in d for d in dumped), dumped
    facts.observations.extend(obs)
    d = diagnose_facts(facts)
    assert d.causes and d.causes[0].id == "kube_proxy_no_rules" and d.causes[0].confidence >= 0.8
    # near miss: the generic "sync errors" answer is weak evidence, not the decisive message
    weak = _facts()
    weak.observations.extend(build_observations(kb.observation_kinds["kube_proxy"], "source_node", "running_log_error", weak))
    d = diagnose_facts(weak)
    assert not d.causes or d.causes[0].confidence < 0.8


def test_the_ipvs_message_is_a_finding_of_its_cause_only():
    table = build_model(knowledge()).likelihood[NODE]
    for other in ("app_not_listening", "route_missing", "iptables_blocks_traffic"):
        assert table[other]["ipvs_service_not_added"] == pytest.approx(FLOOR)
        assert table[other]["ipvs_service_not_added"] < table["kube_proxy_no_rules"]["ipvs_service_not_added"] / 4
