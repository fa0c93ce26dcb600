"""A paste at a question on the source's node, from a host the case does not know, comes from that
node (the blind lab's triage: "root@node-a:~#" output landed at other_node and answered nothing,
so the session asked again and later flagged a false contradiction)."""

from __future__ import annotations

from podnet.triage.session import TriageSession

LINKS = """root@{host}:~# ip -o link show
1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
3: flannel.1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UNKNOWN mode DEFAULT group default \\    link/ether aa:bb:cc:00:00:02 brd ff:ff:ff:ff:ff:ff
4: cni0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UP mode DEFAULT group default qlen 1000\\    link/ether aa:bb:cc:00:00:03 brd ff:ff:ff:ff:ff:ff
"""


def _at_the_source_nodes_mtu_question() -> TriageSession:
    s = TriageSession.start(case_id="T-NODE", summary="the client Pod cannot reach web.default.svc.cluster.local")
    s.answer("large_packet_loss")
    for _ in range(40):
        p = s.current_question()
        assert p is not None, "the session stopped before asking the source node's MTUs"
        if p.key == "interface_mtu@source_node":
            return s
        s.answer("flannel" if p.key == "context:cni" else "unknown")
    raise AssertionError("interface_mtu@source_node was never asked")


def test_a_paste_from_one_unknown_host_at_a_source_node_question_names_the_source_node():
    s = _at_the_source_nodes_mtu_question()
    out = s.answer(paste=LINKS.format(host="node-a"))
    assert s.head["endpoints"]["source"]["node"] == "node-a"
    assert out.answered and out.recorded[0] == "Taken from the paste: Source node = node-a"
    assert {o.at for o in s.facts.observations} == {"source_node"}


def test_near_miss_a_paste_from_two_hosts_names_no_node():
    s = _at_the_source_nodes_mtu_question()
    out = s.answer(paste=LINKS.format(host="node-a") + LINKS.format(host="node-b"))
    assert "node" not in s.head["endpoints"]["source"]
    assert not out.answered and {o.at for o in s.facts.observations} == {"other_node"}
