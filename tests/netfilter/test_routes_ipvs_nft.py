"""Longest-prefix routing, ipvsadm output, nft -j JSON and iptables -L listings."""

from __future__ import annotations

import json
from pathlib import Path

from podnet.netfilter import ipvs, iptables_list, nft
from podnet.netfilter.routes import RouteEntry, classify, lookup
from podnet.netfilter.trace import Flow, trace

DATA = Path(__file__).parent / "data"

FLANNEL_NODE = [
    RouteEntry("0.0.0.0/0", "192.168.1.1", "eth0"),
    RouteEntry("192.168.1.0/24", None, "eth0"),
    RouteEntry("10.244.0.0/24", None, "cni0"),
    RouteEntry("10.244.2.0/24", "10.244.2.0", "flannel.1"),
    RouteEntry("10.244.9.0/24", None, None, "blackhole"),
]


def test_longest_prefix_then_lowest_metric() -> None:
    routes = [*FLANNEL_NODE, RouteEntry("10.244.2.0/24", "192.168.1.12", "eth0", metric=100)]
    assert lookup(routes, "10.244.2.7").dev == "flannel.1"  # type: ignore[union-attr]  (metric 0 beats 100)
    assert lookup(routes, "8.8.8.8").destination == "0.0.0.0/0"  # type: ignore[union-attr]
    assert lookup([RouteEntry("10.0.0.0/8", None, "eth1")], "192.168.1.1") is None


def test_specific_covering_default_and_none() -> None:
    assert classify(FLANNEL_NODE, "10.244.2.7", "10.244.2.0/24")[0] == "specific"
    assert classify(FLANNEL_NODE, "10.244.2.7", "10.244.0.0/16")[0] == "specific"  # cluster CIDR given
    assert classify(FLANNEL_NODE, "10.244.3.7", "10.244.3.0/24")[0] == "default"
    assert classify(FLANNEL_NODE, "10.244.9.7", "10.244.9.0/24")[0] == "none"  # a blackhole route
    assert classify([RouteEntry("192.168.0.0/16", None, "eth1")], "10.244.2.7", "10.244.2.0/24")[0] == "none"
    # The case: the lab underlay 198.18.0.0/15 covers the remote Pod network 198.19.2.0/24.
    covering = [RouteEntry("198.18.0.0/15", "198.18.0.1", "eth0")]
    assert classify(covering, "198.19.2.10", "198.19.2.0/24")[0] == "covering"
    # Without the Pod CIDR: covering when the route also holds the host's own NIC address, else unknown.
    assert classify(covering, "198.19.2.10", None, ["198.18.0.11/24"])[0] == "covering"
    assert classify(FLANNEL_NODE, "10.244.2.7", None, ["192.168.1.10/24"])[0] is None


def test_ipvsadm_weight_zero_ipv6_and_unknown_lines() -> None:
    text = """IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
TCP  10.96.0.10:53 rr
  -> 10.244.1.4:53                Masq    1      0          0
  -> 10.244.2.5:53                Masq    0      0          3
UDP  [fd00::10]:53 rr
  -> [fd00:244::4]:53             Masq    1      0          0
something else
"""
    table = ipvs.parse(text, first_line=10)
    tcp, udp = table.services
    assert (tcp.protocol, tcp.ip, tcp.port, tcp.backends) == ("tcp", "10.96.0.10", 53, ["10.244.1.4:53"])
    assert [r.weight for r in tcp.real] == [1, 0]
    assert (udp.ip, udp.backends) == ("fd00::10", ["[fd00:244::4]:53"])
    assert table.skipped == [18] and table.header
    assert table.find("10.96.0.10", 53, "tcp") == [tcp]


def test_nft_json_of_a_native_ruleset() -> None:
    rs = nft.parse((DATA / "lab-native.nft.json").read_text())
    assert rs.problems == [] and [(t.family, t.name) for t in rs.tables] == [("inet", "lab")]
    lab = rs.tables[0]
    assert (lab.chains["filt"].hook, lab.chains["filt"].policy, lab.chains["pre"].type) == ("forward", "DROP", "nat")
    # The named map's concatenated key became one rule per element, the numgen vmap a choice.
    (svc,) = lab.chain("pre")
    assert [m.kind for m in svc.matches] == ["family", "dst", "proto", "dport"] and svc.target.goto  # type: ignore[union-attr]
    t = trace(rs, Flow("198.18.0.4", "198.18.0.2", "udp", 8472, path="input"))
    assert (t.verdict, t.rule.text.split("] ")[1]) == ("accept", "udp dport 8472 ip saddr @peers counter accept")  # type: ignore[union-attr]
    # An IPv6 packet never matches an "ip saddr" rule in an inet table.
    assert trace(rs, Flow("fd00::3", "fd00::2", "udp", 8472, path="input")).rule.text.endswith("counter drop")  # type: ignore[union-attr]


def test_nft_text_form_and_broken_json_are_located_problems() -> None:
    rs = nft.parse("table inet filter {\n}\n", first_line=7)
    assert [(p.code, p.line) for p in rs.problems] == [("nft_text_not_supported", 7)] and not rs.complete
    rs = nft.parse('{"nftables": [', first_line=3)
    assert [p.code for p in rs.problems] == ["nft_json_not_understood"]
    doc = {"nftables": [{"table": {"family": "bridge", "name": "x"}}, {"chain": {"family": "inet", "table": "t", "name": "c",
                                                                               "hook": "ingress", "type": "filter", "prio": 0}}]}
    rs = nft.parse(json.dumps(doc))
    assert sorted(p.code for p in rs.problems) == ["nft_families_not_modelled", "nft_hook_not_modelled"]


LISTING = """Chain INPUT (policy ACCEPT 0 packets, 0 bytes)
 pkts bytes target     prot opt in     out     source               destination
    0     0 KUBE-FIREWALL  all  --  *      *       0.0.0.0/0            0.0.0.0/0

Chain FORWARD (policy DROP 2947 packets, 248K bytes)
 pkts bytes target     prot opt in     out     source               destination
 9704  815K KUBE-FORWARD  all  --  *      *       0.0.0.0/0            0.0.0.0/0            /* kubernetes forwarding rules */
    0     0 ACCEPT     all  --  cni0   *       0.0.0.0/0            0.0.0.0/0
    0     0 ACCEPT     tcp  --  *      *       0.0.0.0/0            10.244.2.7           tcp dpt:8080

Chain KUBE-FIREWALL (1 references)
 pkts bytes target     prot opt in     out     source               destination
    0     0 DROP       all  --  *      *       0.0.0.0/0            0.0.0.0/0            /* kubernetes firewall for dropping marked packets */ mark match 0x8000/0x8000

Chain KUBE-FORWARD (1 references)
 pkts bytes target     prot opt in     out     source               destination
    0     0 DROP       all  --  *      *       0.0.0.0/0            0.0.0.0/0            ctstate INVALID
    0     0 ACCEPT     all  --  *      *       0.0.0.0/0            0.0.0.0/0            /* kubernetes forwarding rules */ mark match 0x4000/0x4000
"""


def test_iptables_L_listing_is_traced_too() -> None:
    rs = iptables_list.parse(LISTING)
    assert trace(rs, Flow("10.244.1.5", "10.244.2.7", "tcp", 8080, in_iface="eth0", out_iface="flannel.1")).verdict == "accept"
    assert trace(rs, Flow("10.244.1.5", "10.244.2.7", "tcp", 80, in_iface="cni0")).verdict == "accept"
    t = trace(rs, Flow("10.244.1.5", "10.244.2.7", "tcp", 80, in_iface="flannel.1"))
    assert (t.verdict, t.rule.text) == ("drop", ":FORWARD DROP")  # type: ignore[union-attr]
    assert trace(rs, Flow("10.244.1.5", "10.244.2.7", "tcp", 8080, ctstate="INVALID")).verdict == "drop"


def test_ingest_tells_a_covering_route_from_a_route_to_the_pod_network(tmp_path: Path) -> None:
    from podnet.inputs.ingest import ingest

    context = {"case": {"id": "covering"}, "cluster": {"pod_cidr": "198.19.0.0/16", "nodes": [
        {"name": "node-a", "internal_ip": "198.18.0.11", "pod_cidr": "198.19.1.0/24"},
        {"name": "node-b", "internal_ip": "198.18.0.12", "pod_cidr": "198.19.2.0/24"}]}, "endpoints": {
        "source": {"kind": "pod", "ip": "198.19.1.10", "node": "node-a", "node_ip": "198.18.0.11"},
        "destination": {"kind": "pod", "ip": "198.19.2.10", "port": 80, "node": "node-b", "node_ip": "198.18.0.12"}}}
    head = "[root@node-a ~]# ip route\n198.18.0.0/15 via 198.18.0.1 dev eth0\n198.19.1.0/24 dev cni0 proto kernel scope link src 198.19.1.1\n"
    (tmp_path / "t.txt").write_text(head)
    (route,) = [o for o in ingest(tmp_path / "t.txt", context).facts.observations if o.kind == "route"]
    assert (route.present, route.route_to_pod_cidr, route.destination, route.via) == (False, "covering", "198.19.2.10/32", "198.18.0.1")
    (tmp_path / "t.txt").write_text(head + "198.19.2.0/24 via 198.19.2.0 dev flannel.1 onlink\n")
    (route,) = [o for o in ingest(tmp_path / "t.txt", context).facts.observations if o.kind == "route"]
    assert (route.present, route.route_to_pod_cidr, route.destination, route.dev) == (True, "specific", "198.19.2.0/24", "flannel.1")
