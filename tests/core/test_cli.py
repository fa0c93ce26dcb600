"""The CLI as users and scripts call it: exit codes, formats, languages, located one-line errors."""

from __future__ import annotations

import json

import pytest

from tests.conftest import EXAMPLES, run_podnet

CASE = str(EXAMPLES / "clusterip-dual-address.json")


def test_diagnose_text_names_the_case_cause_and_its_fix():
    r = run_podnet("diagnose", CASE)
    assert r.returncode == 0, r.stderr
    assert "node_dual_address_vxlan" in r.stdout.splitlines()[0]  # the compact report: top cause first
    assert "$ ip -4 addr show dev enp26s0f0" in r.stdout  # the command to run now
    assert r.stderr == ""
    full = run_podnet("diagnose", CASE, "--verbose")
    assert full.returncode == 0, full.stderr
    assert "[node_dual_address_vxlan]" in full.stdout.split("#2")[0]
    assert 'BOOTPROTO="none"' in full.stdout
    assert "ip -4 addr show dev enp26s0f0" in full.stdout
    assert "udp port 8472" in full.stdout


def test_diagnose_json_contract():
    r = run_podnet("diagnose", CASE, "--format", "json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert {"symptoms", "causes", "next_checks", "warnings"} <= set(d)
    top = d["causes"][0]
    assert top["id"] == "node_dual_address_vxlan"
    assert {"id", "title", "confidence", "evidence", "remediation"} <= set(top)
    assert 0 < top["confidence"] <= 1
    assert all(ev["observations"] for ev in top["evidence"])


def test_diagnose_markdown_and_chinese():
    r = run_podnet("diagnose", CASE, "--format", "markdown", "--lang", "zh")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("# podnet 诊断报告")
    assert "处理步骤" in r.stdout and "BOOTPROTO" in r.stdout


def test_diagnose_reads_stdin():
    r = run_podnet("diagnose", "-", "--format", "json", stdin=(EXAMPLES / "clusterip-dual-address.json").read_text())
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["causes"][0]["id"] == "node_dual_address_vxlan"


def test_no_cause_has_its_own_exit_code():
    facts = {
        "case": {"id": "healthy"},
        "endpoints": {"source": {"kind": "pod", "name": "a", "ip": "198.18.1.2"}, "destination": {"kind": "pod", "ip": "198.18.2.2", "port": 80}},
        "observations": [{"kind": "tcp_connect", "at": "source_pod", "target": "198.18.2.2", "port": 80, "result": "connected"}],
    }
    r = run_podnet("diagnose", "-", stdin=json.dumps(facts))
    assert r.returncode == 1, r.stdout + r.stderr
    assert "No cause named" in r.stdout


def test_schema_commands_print_json_schema():
    facts = json.loads(run_podnet("schema").stdout)
    assert "observations" in facts["properties"]
    diag = json.loads(run_podnet("schema", "--diagnosis").stdout)
    assert {"causes", "next_checks", "symptoms", "warnings"} <= set(diag["properties"])


def test_rules_list_and_explain():
    r = run_podnet("rules", "list")
    assert r.returncode == 0 and "case-vxlan-outer-src-unregistered" in r.stdout
    r = run_podnet("explain", "node_dual_address_vxlan", "--lang", "zh")
    assert r.returncode == 0 and "BOOTPROTO" in r.stdout
    r = run_podnet("explain", "node_dual_adress_vxlan")
    assert r.returncode == 2 and "did you mean 'node_dual_address_vxlan'" in r.stderr


def test_rules_test_command_reports_counts():
    r = run_podnet("rules", "test")
    assert r.returncode == 0, r.stdout[-2000:]
    assert r.stdout.strip().splitlines()[-1].endswith(" 0 failed")


@pytest.mark.parametrize("args", [["diagnose"], ["diagnose", CASE, "-o", "xml"], ["nosuch"]])
def test_usage_errors_exit_2_one_line(args):
    r = run_podnet(*args)
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1 and "E-USAGE" in r.stderr
    assert "Traceback" not in r.stderr


def test_tools_show_the_guides_recipes_filled_and_quoted():
    r = run_podnet("tools", "tcpdump", "--facts", CASE, "--iface", "flannel.1")
    assert r.returncode == 0, r.stderr
    assert "apt-get install -y tcpdump" in r.stdout and "apk add tcpdump --no-cache" in r.stdout
    assert "tcpdump -i enp26s0f0 -nn udp port 8472 and host 10.61.187.48" in r.stdout
    assert "tcpdump -i flannel.1 -nn host 10.233.0.100" in r.stdout
    r = run_podnet("tools", "nsenter", "--pid", "30858; reboot", "--lang", "zh")
    assert r.returncode == 2 and "--pid" in r.stderr and "reboot" not in r.stdout
    r = run_podnet("tools", "nsenter", "--pid", "30858", "--lang", "zh")
    assert r.returncode == 0 and "nsenter -t 30858 -n ip addr" in r.stdout
    assert "docker inspect --format '{{ .State.Pid }}'" in r.stdout
    r = run_podnet("tools", "tcpdum")
    assert r.returncode == 2 and "did you mean 'tcpdump'" in r.stderr


def test_fact_files_from_several_vantage_points_merge_into_one_case(tmp_path):
    data = json.loads((EXAMPLES / "clusterip-dual-address.json").read_text())
    node = dict(data, observations=[o for o in data["observations"] if o["at"] != "destination_node"])
    peer = {
        "case": data["case"],
        "endpoints": {"source": {"kind": "node"}, "destination": {"kind": "service"}},
        "observations": [o for o in data["observations"] if o["at"] == "destination_node"],
    }
    (tmp_path / "node.json").write_text(json.dumps(node))
    (tmp_path / "peer.json").write_text(json.dumps(peer))
    alone = json.loads(run_podnet("diagnose", str(tmp_path / "node.json"), "--format", "json").stdout)
    r = run_podnet("diagnose", str(tmp_path / "node.json"), str(tmp_path / "peer.json"), "--format", "json")
    assert r.returncode == 0, r.stderr
    merged = json.loads(r.stdout)
    assert merged["causes"][0]["id"] == "node_dual_address_vxlan"
    assert merged["causes"][0]["confidence"] > alone["causes"][0]["confidence"]
    rules = {e["rule"] for e in merged["causes"][0]["evidence"]}
    assert "case-vxlan-outer-src-unregistered" in rules
    peer["case"] = {"id": "another-ticket"}
    (tmp_path / "peer.json").write_text(json.dumps(peer))
    r = run_podnet("diagnose", str(tmp_path / "node.json"), str(tmp_path / "peer.json"))
    assert r.returncode == 2 and "E-FACTS-MERGE" in r.stderr and "peer.json: $.case.id" in r.stderr
