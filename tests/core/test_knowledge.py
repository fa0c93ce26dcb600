"""The knowledge base is complete, bilingual, consistent, and bad knowledge fails with its place."""

from __future__ import annotations

import shutil

import pytest

from podnet import RuleError
from podnet.knowledge.graph import dangling
from podnet.knowledge.load import load_knowledge
from tests.conftest import ROOT, run_podnet

GUIDE_CAUSES = {
    "network_unreachable": {"iptables_blocks_traffic", "selinux_blocks_traffic", "route_missing", "system_overload", "conntrack_table_full", "nic_queue_overflow", "link_failure"},
    "port_unreachable": {"port_firewall_blocks", "port_exhaustion", "app_not_listening", "app_bound_loopback"},
    "dns_failure": {"pod_dns_config_wrong", "dns_service_down", "pod_cannot_reach_dns"},
    "large_packet_loss": {"mtu_docker_bridge", "mtu_cni_device", "mtu_host_nic"},
    "cni_failure": {"kube_proxy_no_rules", "pod_cidr_unassigned", "cni_plugin_fault", "node_dual_address_vxlan"},
}


def test_every_cause_of_the_guide_is_in_the_catalogue():
    kb = load_knowledge()
    for symptom, causes in GUIDE_CAUSES.items():
        assert symptom in kb.symptoms
        missing = causes - set(kb.causes)
        assert not missing, f"{symptom}: missing causes {missing}"


def test_every_cause_has_support_and_every_finding_is_concluded():
    assert dangling(load_knowledge()) == []


def test_every_observation_kind_knows_how_it_is_observed():
    from podnet.facts.observations import OBSERVATION_MODELS

    kb = load_knowledge()
    assert set(OBSERVATION_MODELS) == set(kb.observation_kinds)


def _bad_rules(tmp_path, text, name="bad-rule"):
    d = tmp_path / "site" / "network_unreachable"
    d.mkdir(parents=True)
    (d / f"{name}.yaml").write_text(text)
    return str(tmp_path / "site")


RULE = """id: bad-rule
title: {{en: t, zh: t}}
when:
  all:
    - fact: {fact}
      {field}: {value}
then: {{cause: node_dual_address_vxlan, weight: 0.5}}
because: {{en: m, zh: m}}
"""

BAD = [
    ("unknown kind", RULE.format(fact="pingg", field="result", value="lost"), "unknown fact kind 'pingg'; did you mean 'ping'?", "when.all[0].fact"),
    ("unknown field", RULE.format(fact="ping", field="reslt", value="lost"), "has no field 'reslt'; did you mean 'result'?", "when.all[0].reslt"),
    ("bad enum", RULE.format(fact="ping", field="result", value="lose"), "'lose' is not a value of ping.result; did you mean 'lost'?", "when.all[0].result"),
    ("bad operator", RULE.format(fact="ping", field="size", value="{greater: 3}"), "unknown operator 'greater'", "when.all[0].size.greater"),
    ("numeric op on enum", RULE.format(fact="ping", field="result", value="{gt: 3}"), "gt compares numbers", "when.all[0].result.gt"),
]


@pytest.mark.parametrize("name,text,message,where", BAD, ids=[b[0] for b in BAD])
def test_bad_rule_fails_with_file_rule_and_field(tmp_path, name, text, message, where):
    site = _bad_rules(tmp_path, text)
    with pytest.raises(RuleError) as info:
        load_knowledge((site,))
    line = info.value.one_line()
    assert message in line and where in line and "rule bad-rule" in line and "bad-rule.yaml" in line
    r = run_podnet("diagnose", str(ROOT / "examples" / "clusterip-dual-address.json"), "--rules", site)
    assert r.returncode == 3 and len(r.stderr.strip().splitlines()) == 1 and message in r.stderr


def test_yaml_syntax_error_names_the_line(tmp_path):
    site = _bad_rules(tmp_path, "id: bad-rule\nwhen: [unclosed\n")
    r = run_podnet("rules", "list", "--rules", site)
    assert r.returncode == 3 and "bad-rule.yaml:3" in r.stderr and "E-KB-YAML" in r.stderr


def test_rule_unknown_cause_and_wrong_file_name(tmp_path):
    text = RULE.format(fact="ping", field="result", value="lost").replace("node_dual_address_vxlan", "node_dual_adress_vxlan")
    with pytest.raises(RuleError, match="did you mean .node_dual_address_vxlan."):
        load_knowledge((_bad_rules(tmp_path / "a", text),))
    with pytest.raises(RuleError, match="file name must be the rule id"):
        load_knowledge((_bad_rules(tmp_path / "b", RULE.format(fact="ping", field="result", value="lost"), name="other"),))


def test_site_rule_folder_adds_a_rule(tmp_path):
    site = tmp_path / "site" / "network_unreachable"
    site.mkdir(parents=True)
    shutil.copy(ROOT / "rules" / "cni_failure" / "case-single-address.yaml", site / "site-copy.yaml")
    text = (site / "site-copy.yaml").read_text().replace("id: case-single-address", "id: site-copy")
    (site / "site-copy.yaml").write_text(text)
    kb = load_knowledge((str(tmp_path / "site"),))
    assert "site-copy" in {r.id for r in kb.rules}
