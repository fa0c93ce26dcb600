"""The capture plan: order (both ends, then bisect), filters per hop, quoting, languages, formats."""

from __future__ import annotations

import json
import shlex
import shutil

import pytest

from podnet.path import CapturePlan, capture_plan, render_plan
from podnet.path.plan import bisect_order

from .conftest import (DST_POD_REMOTE, EXTERNAL, NODE, NODEPORT, SERVICE, SRC_POD, make_case)


def captures(plan):
    return [(step.number, cap) for step in plan.steps for cap in step.captures]


def tcpdump_args(cap):
    """The command split the way a shell splits it (the filter must be one argument)."""
    args = shlex.split(cap.command)
    assert "tcpdump" in args
    return args


def test_guide_case_plan_follows_the_guide(guide):
    plan = capture_plan(guide, "en")
    steps = plan.steps
    # Step 1: both ends at the same time: the curl node's first device and the registry Pod itself.
    ends = steps[0].captures
    assert [(c.node, c.namespace, c.interface) for c in ends] == [
        ("yq01-aip-aikefu12", "host", "flannel.1"), ("yq01-aip-aikefu30b61e25", "pod", "eth0")]
    assert ends[1].command == "nsenter -t \"$PID\" -n tcpdump -nn -i eth0 'host 10.233.65.46 and tcp port 5000'"
    # Then flannel.1 on both nodes, at the same time, filtering on the backend Pod (DNAT already done).
    tunnels = steps[1].captures
    assert [(c.node, c.interface) for c in tunnels] == [("yq01-aip-aikefu12", "flannel.1"), ("yq01-aip-aikefu30b61e25", "flannel.1")]
    assert {c.command for c in tunnels} == {"tcpdump -nn -i flannel.1 'host 10.233.65.46 and tcp port 5000'"}
    assert tunnels[0].same_as_step == 1 and tunnels[1].same_as_step is None
    # Then both host NICs with udp port 8472 (VXLAN), the source NIC from the case (enp26s0f0).
    nics = steps[2].captures
    assert [(c.node, c.interface) for c in nics] == [("yq01-aip-aikefu12", "enp26s0f0"), ("yq01-aip-aikefu30b61e25", "eth0")]
    assert nics[0].command == "tcpdump -nn -i enp26s0f0 'udp port 8472 and host 10.61.187.48'"
    # On the receiving NIC the other, healthy nodes are filtered out (the guide: 注意需要过滤其他正常节点的请求包),
    # but not the sender: its outer source is exactly what must be seen.
    assert nics[1].filter == "udp port 8472 and host 10.61.187.48 and not host 10.153.203.14 and not host 10.61.187.42"
    assert "10.153.204.15" not in nics[1].filter
    assert "10.153.204.15" in nics[0].look_for and "OTV" in nics[0].look_for
    # The remaining devices come after, one role at a time.
    assert [s.captures[0].role for s in steps[3:]] == ["bridge", "veth"]
    assert sum(len(s.captures) for s in steps) == 8


def test_guide_case_plan_in_chinese(guide):
    plan = capture_plan(guide, "zh")
    assert plan.lang == "zh"
    assert "源端和目的端同时抓包" in plan.steps[0].title
    nic = plan.steps[2].captures[1]
    assert "外层源地址" in nic.look_for and "udp port 8472" in nic.command
    assert "在节点 yq01-aip-aikefu30b61e25" in nic.where
    english = capture_plan(guide, "en")
    # Only the language changes, never the commands.
    assert [c.command for _, c in captures(plan)] == [c.command for _, c in captures(english)]


def test_every_end_is_captured_first_then_the_middle_is_bisected():
    assert bisect_order(["veth", "bridge", "tunnel", "host_nic"]) == ["tunnel", "host_nic", "bridge", "veth"]
    assert bisect_order(["veth", "bridge", "host_nic"]) == ["bridge", "host_nic", "veth"]
    assert bisect_order(["veth", "host_nic"]) == ["host_nic", "veth"]
    assert bisect_order([]) == []
    expected = {
        ("flannel", "vxlan"): ["tunnel", "host_nic", "bridge", "veth"],
        ("flannel", "host-gw"): ["bridge", "host_nic", "veth"],
        ("calico", "ipip"): ["tunnel", "host_nic", "veth"],
        ("calico", "bgp"): ["host_nic", "veth"],
        ("bridge", "bridge"): ["bridge", "host_nic", "veth"],
    }
    for (cni, mode), roles in expected.items():
        plan = capture_plan(make_case(cni, mode, SRC_POD, DST_POD_REMOTE))
        assert [(c.node, c.namespace, c.role) for c in plan.steps[0].captures] == [("n1", "pod", "pod"), ("n2", "pod", "pod")]
        assert [s.captures[0].role for s in plan.steps[1:]] == roles, (cni, mode)
        # Every middle role is captured on both nodes at the same time.
        assert all([c.node for c in s.captures] == ["n1", "n2"] for s in plan.steps[1:])


@pytest.mark.parametrize("cni,mode,nic_filter", [
    ("flannel", "vxlan", "udp port 8472 and host 192.168.0.2"),
    ("calico", "ipip", "ip proto 4 and host 192.168.0.2"),
    ("calico", "bgp", "host 10.244.1.5 and host 10.244.2.7 and tcp port 8080"),
    ("flannel", "host-gw", "host 10.244.1.5 and host 10.244.2.7 and tcp port 8080"),
])
def test_host_nic_filter_matches_what_the_wire_carries(cni, mode, nic_filter):
    plan = capture_plan(make_case(cni, mode, SRC_POD, DST_POD_REMOTE))
    nics = [c for _, c in captures(plan) if c.role == "host_nic"]
    assert nics[0].node == "n1" and nics[0].interface == "ens3"
    assert nics[0].filter == nic_filter
    assert tcpdump_args(nics[0])[-1] == nic_filter


def test_pod_ip_on_veth_and_bridge_node_ip_after_snat():
    """The guide: on veth and cni0 filter on the Pod IP; on the host NIC the Pod IP is already the node IP."""
    plan = capture_plan(make_case("flannel", "vxlan", SRC_POD, NODE))
    by_role = {(c.node, c.role): c for _, c in captures(plan)}
    assert by_role[("n1", "veth")].filter == "host 10.244.1.5 and host 192.168.0.2 and tcp port 22"
    assert by_role[("n1", "bridge")].filter == "host 10.244.1.5 and host 192.168.0.2 and tcp port 22"
    nic = by_role[("n1", "host_nic")]
    assert nic.filter == "host 192.168.0.1 and host 192.168.0.2 and tcp port 22"
    assert "10.244.1.5" not in nic.filter and "masquerade" in nic.look_for


def test_clusterip_filter_before_and_after_dnat():
    plan = capture_plan(make_case("flannel", "vxlan", SRC_POD, SERVICE))
    src_end, dst_end = plan.steps[0].captures
    assert src_end.filter == "host 10.244.1.5 and host 10.96.0.10 and tcp port 80"
    assert dst_end.filter == "host 10.244.1.5 and host 10.244.2.7 and tcp port 8080"
    tunnel_n1 = next(c for _, c in captures(plan) if c.node == "n1" and c.role == "tunnel")
    assert tunnel_n1.filter == "host 10.244.1.5 and host 10.244.2.7 and tcp port 8080"
    assert "DNAT" in tunnel_n1.look_for


def test_nodeport_node_nic_carries_both_legs_in_one_capture():
    plan = capture_plan(make_case("flannel", "vxlan", SRC_POD, NODEPORT))
    n3 = [c for s in plan.steps for c in s.captures if c.node == "n3" and c.role == "host_nic"]
    assert len(n3) == 1 and n3[0].hops == [4, 6]
    assert n3[0].filter == "(host 192.168.0.1 and host 192.168.0.3 and tcp port 30080) or (udp port 8472 and host 192.168.0.2)"


def test_external_end_is_captured_with_the_node_address():
    plan = capture_plan(make_case("calico", "ipip", SRC_POD, EXTERNAL))
    ext = plan.steps[0].captures[1]
    assert ext.namespace == "external" and ext.command == "tcpdump -nn -i any 'host 192.168.0.1 and host 203.0.113.9 and tcp port 443'"


def test_pod_captures_find_the_pid_with_either_runtime():
    """One PID line works on a containerd/CRI-O node (crictl) and on a Docker node (the guide's way)."""
    unnamed = {"kind": "pod", "ip": "10.244.1.7", "port": 8080}
    plan = capture_plan(make_case("flannel", "vxlan", SRC_POD, unnamed))
    src = plan.steps[0].captures[0]
    assert src.command.startswith('nsenter -t "$PID" -n tcpdump -nn -i eth0 ')
    pid = [line for line in src.setup if line.startswith("PID=")]
    assert len(pid) == 1 and not any(line.startswith(("PID=$(docker", "PID=$(crictl")) for line in src.setup)
    line = pid[0]
    assert "crictl pods -q --namespace default --name client" in line and " || docker inspect " in line
    assert "--filter label=io.kubernetes.pod.namespace=default --filter label=io.kubernetes.pod.name=client" in line
    veth = next(c for _, c in captures(plan) if c.role == "veth")
    assert veth.command.startswith('tcpdump -nn -i "$VETH" ')
    assert any("/sys/class/net/eth0/iflink" in line for line in veth.setup)
    # The destination Pod has no name in the case: how to look it up by IP is a comment, its name a fill-in.
    dst = plan.steps[0].captures[1]
    assert "#   kubectl get pods -A -o wide --field-selector status.podIP=10.244.1.7" in dst.setup
    assert '"${DESTINATION_POD:?set DESTINATION_POD to ' in next(x for x in dst.setup if x.startswith("PID="))


@pytest.mark.parametrize("runtime", ["crictl", "docker"])
def test_the_pid_line_runs_on_either_runtime(tmp_path, runtime):
    """Run the PID line with only one runtime's stub on PATH: PID is that runtime's answer."""
    import subprocess

    plan = capture_plan(make_case("flannel", "vxlan", SRC_POD, DST_POD_REMOTE))
    line = next(x for x in plan.steps[0].captures[0].setup if x.startswith("PID="))
    stubs = tmp_path / "bin"
    stubs.mkdir()
    answers = {"crictl": 'case "$1" in pods) echo sandbox1;; inspectp) echo 4242;; esac',
               "docker": 'case "$1" in ps) echo c0ffee;; inspect) echo 4343;; esac'}
    (stubs / runtime).write_text("#!/bin/bash\n" + answers[runtime] + "\n")
    (stubs / runtime).chmod(0o755)
    for tool in ("head", "bash"):
        (stubs / tool).symlink_to(shutil.which(tool))
    out = subprocess.run(["bash", "-c", line + '; echo "$PID"'], capture_output=True, text=True, env={"PATH": str(stubs)}, timeout=30)
    assert out.stdout.strip() == {"crictl": "4242", "docker": "4343"}[runtime], out


def test_hostile_names_are_refused_by_the_schema():
    from podnet.errors import FactFileError

    nodes = [{"name": "n1", "internal_ip": "192.168.0.1", "pod_cidr": "10.244.1.0/24", "nic": "eth0;touch /tmp/pwned"}]
    with pytest.raises(FactFileError, match=r"\$\.cluster\.nodes\[0\]\.nic") as err:
        make_case("flannel", "vxlan", SRC_POD, DST_POD_REMOTE, nodes=nodes)
    assert err.value.code == "E-FACTS-SCHEMA" and "pwned" not in str(err.value)


def test_values_from_the_case_are_shell_quoted():
    """Defence in depth: a library caller that sets values without validation still gets one word per value."""
    nodes = [{"name": "n1", "internal_ip": "192.168.0.1", "pod_cidr": "10.244.1.0/24", "nic": "eth0"},
             {"name": "n2", "internal_ip": "192.168.0.2", "pod_cidr": "10.244.2.0/24"}]
    facts = make_case("flannel", "vxlan", SRC_POD, DST_POD_REMOTE, nodes=nodes)
    facts.cluster.nodes[0].nic = "eth0;touch /tmp/pwned"  # no validate_assignment: bypasses the schema
    src = facts.endpoints.source
    src.name, src.namespace = "cli'ent$(id)", "de fault"
    plan = capture_plan(facts)
    nic = next(c for _, c in captures(plan) if c.node == "n1" and c.role == "host_nic")
    assert shlex.split(nic.command) == ["tcpdump", "-nn", "-i", "eth0;touch /tmp/pwned", "udp port 8472 and host 192.168.0.2"]
    pod = plan.steps[0].captures[0]
    pid = next(line for line in pod.setup if line.startswith("PID="))
    assert f"--namespace {shlex.quote('de fault')} --name {shlex.quote(src.name)}" in pid
    assert f"label=io.kubernetes.pod.name={shlex.quote(src.name)}" in pid
    for _, cap in captures(plan):
        assert tcpdump_args(cap)[-1] == cap.filter


def test_text_markdown_and_json_views(guide):
    plan = capture_plan(guide, "en")
    text = render_plan(plan, "text")
    assert text.index("Step 1:") < text.index("Step 2:") < text.index("Step 3:")
    assert "$ tcpdump -nn -i enp26s0f0 'udp port 8472 and host 10.61.187.48'" in text
    md = render_plan(plan, "markdown")
    assert md.startswith("# Capture plan for case guide-clusterip-dual-address")
    assert "```sh\ntcpdump -nn -i enp26s0f0 'udp port 8472 and host 10.61.187.48'\n```" in md
    again = CapturePlan.model_validate(json.loads(render_plan(plan, "json")))
    assert again == plan


def test_ping_without_port_filters_on_hosts_only():
    dst = {"kind": "pod", "ip": "10.244.2.7", "node": "n2"}
    plan = capture_plan(make_case("flannel", "host-gw", SRC_POD, dst))
    assert {c.filter for _, c in captures(plan)} == {"host 10.244.1.5 and host 10.244.2.7"}


def test_assumptions_are_stated_in_the_notes():
    svc = dict(SERVICE, backends=SERVICE["backends"] + [{"ip": "10.244.3.4", "port": 8080}])
    plan = capture_plan(make_case("flannel", "unknown", SRC_POD, svc, proxy="unknown"))
    text = " ".join(plan.notes)
    assert "default mode (vxlan)" in text and "iptables is assumed" in text and "several backends" in text
    zh = capture_plan(make_case("flannel", "unknown", SRC_POD, svc, proxy="unknown"), "zh")
    assert any("默认模式" in n for n in zh.notes)
