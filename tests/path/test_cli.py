"""``podnet capture-plan``: formats, languages, captures shown, errors located."""

from __future__ import annotations

import argparse
import json

import pytest

from podnet.cli import capture_plan_cmd
from podnet.errors import FactFileError

from .conftest import GUIDE_CAPTURES, GUIDE_CASE


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="podnet")
    capture_plan_cmd.add_parser(parser.add_subparsers())
    args = parser.parse_args(["capture-plan", *argv])
    return args.run(args)


@pytest.fixture
def guide_file(tmp_path):
    path = tmp_path / "guide.json"
    path.write_text(json.dumps(GUIDE_CASE), encoding="utf-8")
    return path


@pytest.fixture
def guide_captured_file(tmp_path):
    path = tmp_path / "guide-captured.json"
    path.write_text(json.dumps({**GUIDE_CASE, "observations": GUIDE_CAPTURES}), encoding="utf-8")
    return path


def test_text_plan_for_the_guide_case(guide_file, capsys):
    assert _run(str(guide_file)) == 0
    out = capsys.readouterr().out
    ends, tunnels, nics = out.index("Step 1:"), out.index("Step 2:"), out.index("Step 3:")
    assert ends < tunnels < nics
    # once as the source end (step 1), then on both nodes (step 2)
    assert out.count("$ tcpdump -nn -i flannel.1 'host 10.233.65.46 and tcp port 5000'") == 3
    src_nic = out.index("$ tcpdump -nn -i enp26s0f0 'udp port 8472 and host 10.61.187.48'")
    dst_nic = out.index("$ tcpdump -nn -i eth0 'udp port 8472 and host 10.61.187.48 and not host")
    assert nics < src_nic < dst_nic
    assert "Captures so far" not in out


def test_chinese_markdown(guide_file, capsys):
    assert _run(str(guide_file), "--lang", "zh", "--format", "markdown") == 0
    out = capsys.readouterr().out
    assert out.startswith("# 抓包计划：案例 guide-clusterip-dual-address")
    assert "## 第 1 步：源端和目的端同时抓包" in out and "```sh" in out


def test_captures_in_the_file_are_read_and_drawn(guide_captured_file, capsys, tmp_path):
    assert _run(str(guide_captured_file)) == 0
    out = capsys.readouterr().out
    assert "Captures so far:" in out
    assert "The request disappears at hop 3: flannel.1 on yq01-aip-aikefu30b61e25." in out
    target = tmp_path / "plan.json"
    assert _run(str(guide_captured_file), "-o", "json", "--out", str(target)) == 0
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["verdict"]["failing_hop"] == {"index": 3, "node": "yq01-aip-aikefu30b61e25", "interface": "flannel.1", "role": "tunnel"}
    assert data["verdict"]["suspects"][0] == "node_dual_address_vxlan"
    assert [c["interface"] for c in data["steps"][2]["captures"]] == ["enp26s0f0", "eth0"]


def test_a_missing_backend_is_a_fill_in(tmp_path, capsys):
    """A value the case lacks does not stop the plan: its commands read it from a named shell variable."""
    data = json.loads(json.dumps(GUIDE_CASE))
    data["endpoints"]["destination"]["backends"] = []
    path = tmp_path / "partial.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert _run(str(path)) == 0
    out = capsys.readouterr().out
    assert '"${BACKEND_IP:?set BACKEND_IP to ' in out and "<backend-ip>" in out
    assert "The case does not give BACKEND_IP (a backend Pod IP address)" in out


def test_no_path_at_all_is_a_located_error(tmp_path):
    """Source and destination the same node: nothing crosses an interface, exit 2 with the place."""
    data = json.loads(json.dumps(GUIDE_CASE))
    node = data["endpoints"]["source"]
    data["endpoints"]["destination"] = {"kind": "node", "node": node["node"], "node_ip": node["node_ip"], "port": 22}
    path = tmp_path / "same.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(FactFileError) as err:
        _run(str(path))
    assert err.value.location == "$.endpoints.destination" and err.value.exit_code == 2
    assert err.value.one_line().startswith("E-PATH-MISSING $.endpoints.destination:")


def test_installed_command(guide_file, podnet_cli):
    """Through ``python -m podnet`` as users run it."""
    done = podnet_cli("capture-plan", str(guide_file), "--format", "json")
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)
    assert plan["profile"] == "flannel-vxlan" and len(plan["steps"]) == 5
    bad = podnet_cli("capture-plan", str(guide_file.parent / "nope.json"))
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "nope.json" in bad.stderr
