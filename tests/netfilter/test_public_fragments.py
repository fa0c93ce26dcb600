"""iptables-save fragments pasted in public issue threads (``data/*.txt``, the source URL beside each
in ``*.source``), read by the netfilter model. The expected readings were written from the
threads before the code ran on them: what the rules do to the flow the reporter cared about, and
what the reporter or the maintainers concluded."""

from __future__ import annotations

from pathlib import Path

import pytest

from podnet.inputs.ingest import ingest
from podnet.netfilter import iptables_save
from podnet.netfilter.services import kube_services, service_rules
from podnet.netfilter.trace import Flow, dnat_from, trace

DATA = Path(__file__).parent / "data"
FRAGMENTS = ["k8s-72370-debian-filter", "kube-arm-62-forward-drop", "weave-3392-no-endpoints", "k8s-website-12275-statistic",
             "subctl-1205-counters"]


def lines(name: str, skip: int = 0) -> str:
    return "\n".join((DATA / f"{name}.txt").read_text().splitlines()[skip:]) + "\n"


@pytest.mark.parametrize("name", FRAGMENTS)
def test_every_fragment_names_its_source(name: str) -> None:
    source = (DATA / f"{name}.source").read_text()
    assert source.startswith("https://github.com/") and (DATA / f"{name}.txt").stat().st_size > 0


def test_debian_node_with_docker_forward_drop_drops_pod_traffic() -> None:
    """kubernetes#72370: Docker set FORWARD to DROP and nothing accepts the Pod network."""
    rs = iptables_save.parse(lines("k8s-72370-debian-filter", skip=1), first_line=2)
    assert [p.code for p in rs.problems] == ["table_not_committed"]  # the stored excerpt stops before COMMIT
    pod = Flow("10.244.1.5", "10.244.2.7", "tcp", 80, in_iface="cni0", out_iface="flannel.1")
    t = trace(rs, pod)
    assert (t.verdict, t.rule.text, t.rule.line) == ("drop", ":FORWARD DROP", 5)  # type: ignore[union-attr]
    # Traffic to the node itself goes through KUBE-FIREWALL, the chain the excerpt stops in: whether a
    # later line of it drops the flow is not in the dump, so the verdict is undecided, not accept.
    to_node = trace(rs, Flow("10.244.1.5", "192.168.1.10", "tcp", 6443, in_iface="cni0", path="input"))
    assert to_node.verdict == "undecided" and "cut off: filter KUBE-FIREWALL" in to_node.reason
    # The marked-packet DROPs printed so far do not take it (its mark is 0), so with the rest of the
    # table (COMMIT added) INPUT's ACCEPT policy decides.
    whole = iptables_save.parse(lines("k8s-72370-debian-filter", skip=1) + "COMMIT\n")
    assert trace(whole, Flow("10.244.1.5", "192.168.1.10", "tcp", 6443, in_iface="cni0", path="input")).rule.text == ":INPUT ACCEPT"  # type: ignore[union-attr]
    # Docker's own containers are let through by its rules.
    docker = trace(rs, Flow("172.17.0.2", "10.244.2.7", "tcp", 80, in_iface="docker0", out_iface="eth0"))
    assert (docker.verdict, docker.rule.text) == ("accept", "-A FORWARD -i docker0 ! -o docker0 -j ACCEPT")  # type: ignore[union-attr]


def test_kube_arm_forward_drop_and_the_reporters_fix() -> None:
    """kube-arm#62: FORWARD DROP, no rule for cni0; the reporter's fix accepts cni0."""
    text = lines("kube-arm-62-forward-drop", skip=1)
    rs = iptables_save.parse(text, first_line=2)
    assert [(p.code, p.line) for p in rs.problems] == [("line_unknown", 2), ("line_unknown", 20)]  # the "..." lines
    pod = Flow("10.244.1.5", "8.8.8.8", "udp", 53, in_iface="cni0", out_iface="eth0")
    t = trace(rs, pod)
    assert (t.verdict, t.rule.text) == ("drop", ":FORWARD DROP")  # type: ignore[union-attr]
    fixed = iptables_save.parse(text + "-A FORWARD -i cni0 -j ACCEPT\n-A FORWARD -o cni0 -j ACCEPT\n")
    assert trace(fixed, pod).verdict == "accept"
    # INPUT's policy is in the part the reporter cut ("..."): a flow to the node is not decided by guessing it.
    to_node = trace(rs, Flow("10.244.1.5", "192.168.1.10", "tcp", 10250, in_iface="cni0", path="input"))
    assert to_node.verdict == "undecided" and "policy of filter INPUT" in to_node.reason


def test_kube_arm_paste_through_ingest_warns_about_the_cut_lines(tmp_path: Path) -> None:
    context = {"case": {"id": "kube-arm-62"}, "endpoints": {
        "source": {"kind": "pod", "ip": "10.244.1.5", "node": "worker-1", "node_ip": "192.168.1.10"},
        "destination": {"kind": "external", "ip": "8.8.8.8", "port": 53, "protocol": "udp"}}}
    paste = "[root@worker-1 ~]# " + (DATA / "kube-arm-62-forward-drop.txt").read_text()
    (tmp_path / "node.txt").write_text(paste)
    result = ingest(tmp_path / "node.txt", context)
    assert any(w.location.endswith("node.txt:2") and "not understood as iptables rules" in w.message for w in result.warnings)
    (fw,) = [o for o in result.facts.observations if o.kind == "firewall"]
    # Which interface the Pod's packets come in on is not in the paste: Docker's -i docker0 ACCEPT
    # might take them, so the verdict is undecided (not drop) and names such a rule.
    assert (fw.at, fw.verdict) == ("source_node", "undecided")
    # No rule list: "which rules match" is not known, which is not "none match" (rules: [], what a
    # triage answer would read as "no matching DROP/REJECT rule"; session 12)
    assert fw.verdicts[0].rule.startswith("-A FORWARD -i docker0 ") and fw.rules is None  # type: ignore[index,union-attr]
    # With the node's routes (written here for the test; the thread has none) the packets come in
    # on cni0 and leave on eth0: Docker's rules do not take them and the DROP policy does.
    routes = "[root@worker-1 ~]# ip route\ndefault via 192.168.1.1 dev eth0\n10.244.1.0/24 dev cni0 proto kernel scope link src 10.244.1.1\n"
    (tmp_path / "node.txt").write_text(paste + routes)
    (fw,) = [o for o in ingest(tmp_path / "node.txt", context).facts.observations if o.kind == "firewall"]
    assert (fw.verdict, fw.rules[0].chain, fw.rules[0].text) == ("drop", "FORWARD", ":FORWARD DROP")  # type: ignore[index]


def test_weave_services_without_endpoints_are_rejected_by_kube_proxy() -> None:
    """weave#3392: kube-proxy REJECTs the ClusterIPs of Services that have no endpoints."""
    rs = iptables_save.parse(lines("weave-3392-no-endpoints"))
    assert kube_services(rs)["10.109.72.150"] == ("default/hazel-management-service", 8080)
    assert len(kube_services(rs)) == 6
    svc = service_rules(rs, "10.109.72.150", 8080)
    assert svc is None  # a fragment of the filter table: no nat table, nothing to say about DNAT
    # The REJECT itself, traced from KUBE-SERVICES as kube-proxy's INPUT/FORWARD jumps do.
    hooks = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n" \
            "-A FORWARD -m conntrack --ctstate NEW -j KUBE-SERVICES\n" + lines("weave-3392-no-endpoints") + "COMMIT\n"
    t = trace(iptables_save.parse(hooks), Flow("10.32.0.5", "10.109.72.150", "tcp", 8080))
    assert (t.verdict, t.reject_with) == ("reject", "icmp-port-unreachable") and "has no endpoints" in t.rule.text  # type: ignore[union-attr]
    assert trace(iptables_save.parse(hooks), Flow("10.32.0.5", "10.109.72.150", "tcp", 80)).verdict == "accept"


def test_debug_services_page_statistic_reaches_all_three_backends() -> None:
    """kubernetes/website#12275: the "Debug Services" example, one KUBE-SEP per endpoint."""
    rs = iptables_save.parse(lines("k8s-website-12275-statistic"), table="nat")
    backends = dnat_from(rs, "nat", "KUBE-SERVICES", Flow("10.244.0.9", "10.0.1.175", "tcp", 80))
    assert backends == ["10.244.1.7:9376", "10.244.2.3:9376", "10.244.3.6:9376"]
    svc = service_rules(rs, "10.0.1.175", 80)
    assert svc is not None and (svc.svc_chain, svc.svc_chain_present, svc.backends) == ("KUBE-SVC-NWV5X2332I4OT4T3", True, backends)
    assert dnat_from(rs, "nat", "KUBE-SERVICES", Flow("10.244.0.9", "10.0.1.175", "udp", 80)) == []


def test_counters_of_iptables_save_c_are_read_past() -> None:
    """subctl#1205: ``iptables-save -c`` puts [packets:bytes] before each rule."""
    rs = iptables_save.parse(lines("subctl-1205-counters"), table="nat")
    assert rs.problems == [] and len(rs.rules) == 9
    dnat = [r.target.option("--to-destination") for r in rs.rules if r.target and r.target.name == "DNAT"]  # type: ignore[union-attr]
    assert dnat == ["10.131.0.2:53", "10.131.0.4:53", "10.131.1.3:8383", "10.131.1.4:8080", "10.131.0.4:53"]
