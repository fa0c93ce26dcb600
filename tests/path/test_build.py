"""The packet path of each CNI mode and destination kind, against paths worked out by hand."""

from __future__ import annotations

import networkx as nx
import pytest

from podnet.errors import FactFileError
from podnet.path import build_path, hops

from .conftest import (DST_POD_LOCAL, DST_POD_REMOTE, EXTERNAL, NODE, NODEPORT, SERVICE, SRC_NODE, SRC_POD,
                       make_case)


def chain(facts):
    """(node, interface, role) of every request hop, in order."""
    return [(h.node, h.interface, h.role) for h in hops(build_path(facts))]


POD_N1 = [("n1", "eth0", "pod"), ("n1", "veth*", "veth"), ("n1", "cni0", "bridge")]
POD_N2 = [("n2", "cni0", "bridge"), ("n2", "veth*", "veth"), ("n2", "eth0", "pod")]

HAND_WORKED = {
    ("flannel", "vxlan"): POD_N1 + [("n1", "flannel.1", "tunnel"), ("n1", "ens3", "host_nic"),
                                    ("n2", "eth0", "host_nic"), ("n2", "flannel.1", "tunnel")] + POD_N2,
    ("flannel", "host-gw"): POD_N1 + [("n1", "ens3", "host_nic"), ("n2", "eth0", "host_nic")] + POD_N2,
    ("calico", "ipip"): [("n1", "eth0", "pod"), ("n1", "cali*", "veth"), ("n1", "tunl0", "tunnel"), ("n1", "ens3", "host_nic"),
                         ("n2", "eth0", "host_nic"), ("n2", "tunl0", "tunnel"), ("n2", "cali*", "veth"), ("n2", "eth0", "pod")],
    ("calico", "bgp"): [("n1", "eth0", "pod"), ("n1", "cali*", "veth"), ("n1", "ens3", "host_nic"),
                        ("n2", "eth0", "host_nic"), ("n2", "cali*", "veth"), ("n2", "eth0", "pod")],
    ("bridge", "bridge"): POD_N1 + [("n1", "ens3", "host_nic"), ("n2", "eth0", "host_nic")] + POD_N2,
}


@pytest.mark.parametrize("cni,mode", sorted(HAND_WORKED))
def test_pod_to_pod_across_nodes(cni, mode):
    facts = make_case(cni, mode, SRC_POD, DST_POD_REMOTE)
    assert chain(facts) == HAND_WORKED[(cni, mode)]
    path = hops(build_path(facts))
    assert path[0].end == "source" and path[-1].end == "destination"
    assert path[0].namespace == path[-1].namespace == "pod"
    # Pod IPs are carried unchanged end to end: no NAT between two Pods.
    assert {(h.src.ip, h.dst.ip, h.dst.port) for h in path} == {("10.244.1.5", "10.244.2.7", 8080)}
    encapsulated = [h for h in path if h.encapsulation]
    if mode in ("vxlan", "ipip"):
        assert [(h.node, h.encapsulation) for h in encapsulated] == [("n1", mode), ("n2", mode)]
        assert all((h.outer_src.ip, h.outer_dst.ip) == ("192.168.0.1", "192.168.0.2") for h in encapsulated)
    else:
        assert encapsulated == []


def test_same_node_pods_stay_on_the_bridge():
    facts = make_case("flannel", "vxlan", SRC_POD, DST_POD_LOCAL)
    assert chain(facts) == [("n1", "eth0", "pod"), ("n1", "veth*", "veth"), ("n1", "cni0", "bridge"),
                            ("n1", "veth*", "veth"), ("n1", "eth0", "pod")]
    path = hops(build_path(facts))
    assert [h.pod_ip for h in path if h.role in ("pod", "veth")] == ["10.244.1.5", "10.244.1.5", "10.244.1.7", "10.244.1.7"]


def test_same_node_calico_goes_veth_to_veth():
    facts = make_case("calico", "bgp", SRC_POD, DST_POD_LOCAL)
    assert chain(facts) == [("n1", "eth0", "pod"), ("n1", "cali*", "veth"), ("n1", "cali*", "veth"), ("n1", "eth0", "pod")]


def test_clusterip_is_dnatted_after_the_source_bridge():
    path = hops(build_path(make_case("flannel", "vxlan", SRC_POD, SERVICE)))
    before = [h for h in path if h.dst.ip == "10.96.0.10"]
    assert [(h.interface, h.dst.port) for h in before] == [("eth0", 80), ("veth*", 80), ("cni0", 80)]
    first_after = path[len(before)]
    assert first_after.interface == "flannel.1"
    assert [(s.kind, s.by, s.before.ip, s.after.ip, s.after.port) for s in first_after.steps] == [
        ("dnat", "kube-proxy iptables", "10.96.0.10", "10.244.2.7", 8080)]
    assert all(h.dst.ip == "10.244.2.7" and h.src.ip == "10.244.1.5" for h in path[len(before):])


def test_ipvs_mode_is_named_on_the_dnat():
    path = hops(build_path(make_case("calico", "ipip", SRC_POD, SERVICE, proxy="ipvs")))
    dnat = [s for h in path for s in h.steps if s.kind == "dnat"]
    assert [s.by for s in dnat] == ["kube-proxy ipvs"]


def test_node_to_clusterip_is_dnatted_and_masqueraded_before_the_first_device(guide):
    """The guide's case: curl on the node; the first device is flannel.1, already carrying the Pod IP."""
    path = hops(build_path(guide))
    assert [(h.node, h.interface) for h in path] == [
        ("yq01-aip-aikefu12", "flannel.1"), ("yq01-aip-aikefu12", "enp26s0f0"),
        ("yq01-aip-aikefu30b61e25", "eth0"), ("yq01-aip-aikefu30b61e25", "flannel.1"),
        ("yq01-aip-aikefu30b61e25", "cni0"), ("yq01-aip-aikefu30b61e25", "veth*"), ("yq01-aip-aikefu30b61e25", "eth0")]
    assert [s.kind for s in path[0].steps] == ["dnat", "snat"]
    assert path[0].dst.ip == "10.233.65.46" and path[0].dst.port == 5000
    # flannel.1's address is not in the case (no PodCIDR): it is described, not invented.
    assert path[0].src.ip is None and path[0].src.kind == "tunnel"
    assert (path[1].outer_src.ip, path[1].outer_dst.ip, path[1].encapsulation) == ("10.153.204.15", "10.61.187.48", "vxlan")


def test_tunnel_address_comes_from_the_podcidr():
    path = hops(build_path(make_case("flannel", "vxlan", SRC_NODE, DST_POD_REMOTE)))
    assert path[0].interface == "flannel.1" and path[0].src.ip == "10.244.1.0"
    local = hops(build_path(make_case("flannel", "vxlan", SRC_NODE, DST_POD_LOCAL)))
    assert [(h.interface, h.src.ip) for h in local] == [("cni0", "10.244.1.1"), ("veth*", "10.244.1.1"), ("eth0", "10.244.1.1")]
    hostgw = hops(build_path(make_case("flannel", "host-gw", SRC_NODE, DST_POD_REMOTE)))
    assert hostgw[0].interface == "ens3" and hostgw[0].src.ip == "192.168.0.1"


def test_pod_to_node_is_masqueraded_on_the_host_nic():
    path = hops(build_path(make_case("flannel", "vxlan", SRC_POD, NODE)))
    assert chain(make_case("flannel", "vxlan", SRC_POD, NODE)) == POD_N1 + [("n1", "ens3", "host_nic"), ("n2", "eth0", "host_nic")]
    nic = path[3]
    assert [(s.kind, s.by, s.before.ip, s.after.ip) for s in nic.steps] == [("snat", "masquerade", "10.244.1.5", "192.168.0.1")]
    assert nic.encapsulation is None and (nic.src.ip, nic.dst.ip) == ("192.168.0.1", "192.168.0.2")
    assert path[-1].end == "destination"


def test_nodeport_crosses_three_nodes():
    path = hops(build_path(make_case("flannel", "vxlan", SRC_POD, NODEPORT)))
    assert [(h.node, h.interface) for h in path] == [
        ("n1", "eth0"), ("n1", "veth*"), ("n1", "cni0"), ("n1", "ens3"),
        ("n3", "eth0"), ("n3", "flannel.1"), ("n3", "eth0"),
        ("n2", "eth0"), ("n2", "flannel.1"), ("n2", "cni0"), ("n2", "veth*"), ("n2", "eth0")]
    at_n3_tunnel = path[5]
    assert [(s.kind, s.after.ip) for s in at_n3_tunnel.steps] == [("dnat", "10.244.2.7"), ("snat", "10.244.3.0")]
    assert (path[6].outer_src.ip, path[6].outer_dst.ip) == ("192.168.0.3", "192.168.0.2")
    assert (path[4].src.ip, path[4].dst.ip, path[4].dst.port) == ("192.168.0.1", "192.168.0.3", 30080)


def test_external_destination_leaves_by_the_host_nic():
    path = hops(build_path(make_case("calico", "ipip", SRC_POD, EXTERNAL)))
    assert [(h.node, h.interface, h.namespace) for h in path] == [
        ("n1", "eth0", "pod"), ("n1", "cali*", "host"), ("n1", "ens3", "host"), (None, "any", "external")]
    assert path[2].src.ip == "192.168.0.1" and path[2].encapsulation is None


def test_reply_path_is_the_request_backwards_with_nat_undone():
    graph = build_path(make_case("flannel", "vxlan", SRC_POD, SERVICE))
    request, reply = hops(graph, "request"), hops(graph, "reply")
    assert [h.index for h in reply] == list(reversed([h.index for h in request]))
    for r in reply:
        q = request[r.index]
        assert (r.src, r.dst, r.interface, r.node) == (q.dst, q.src, q.interface, q.node)
    # The reply leaves flannel.1 on n1 as 10.244.2.7 and reaches cni0 as the ClusterIP again.
    un_dnat = [s for h in reply for s in h.steps if s.kind == "un_dnat"]
    assert [(s.before.ip, s.after.ip) for s in un_dnat] == [("10.244.2.7", "10.96.0.10")]
    assert nx.is_directed_acyclic_graph(graph.to_networkx())
    assert graph.graph["profile"] == "flannel-vxlan"


def test_device_names_come_from_the_case():
    obs = [{"kind": "interface_mtu", "at": "destination_node", "host": "n2", "interface": "docker0", "mtu": 1450},
           {"kind": "node_addresses", "at": "destination_node", "host": "n2", "interface": "bond0", "addresses": ["192.168.0.2/24"]}]
    path = hops(build_path(make_case("flannel", "vxlan", SRC_POD, DST_POD_REMOTE, observations=obs)))
    assert [h.interface for h in path if h.node == "n2" and h.role in ("bridge", "host_nic")] == ["bond0", "docker0"]
    assert [h.interface for h in path if h.node == "n1" and h.role == "bridge"] == ["cni0"]


def test_nodes_are_found_from_the_podcidr():
    dst = {"kind": "pod", "ip": "10.244.3.9", "port": 80}
    path = hops(build_path(make_case("flannel", "host-gw", SRC_POD, dst)))
    assert path[-1].node == "n3" and path[-1].node_ip == "192.168.0.3"


def test_unknown_mode_assumes_the_cni_default():
    graph = build_path(make_case("flannel", "unknown", SRC_POD, DST_POD_REMOTE))
    assert graph.graph["profile"] == "flannel-vxlan" and graph.graph["notes"] == ["mode:vxlan"]


@pytest.mark.parametrize("change,location", [
    (lambda d: d["endpoints"]["destination"].update(backends=[]), "$.endpoints.destination.backends"),
    (lambda d: d["endpoints"]["destination"]["backends"][0].pop("node") and
     d["endpoints"]["destination"]["backends"][0].pop("node_ip"), "$.endpoints.destination.backends[0].node"),
    (lambda d: d["cluster"].update(cni="kube-router"), "$.cluster.cni"),  # a CNI without a path profile
    (lambda d: d["cluster"].update(mode="udp"), "$.cluster.mode"),
])
def test_missing_facts_are_located_errors(change, location):
    import copy

    from podnet.facts.load import facts_from_data

    from .conftest import GUIDE_CASE

    data = copy.deepcopy(GUIDE_CASE)
    change(data)
    with pytest.raises(FactFileError) as err:
        build_path(facts_from_data(data, "<t>"))
    assert err.value.location == location
    assert err.value.exit_code == 2


def test_import_podnet_does_not_load_networkx():
    import subprocess
    import sys

    code = ("import argparse, sys, podnet, podnet.cli.capture_plan_cmd as c; "
            "c.add_parser(argparse.ArgumentParser().add_subparsers()); print('networkx' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"



def test_the_chain_is_the_graph_networkx_sees():
    """The diagnosis walks the path in plain Python (no networkx import); as a networkx graph it has
    the same nodes, edges and attributes, and the hops follow networkx's own shortest path."""
    graph = build_path(make_case("flannel", "vxlan", SRC_POD, SERVICE))
    g = graph.to_networkx()
    assert list(g.nodes) == list(graph.nodes) and list(g.edges) == graph.edges
    assert g.graph == graph.graph
    assert all(g.nodes[k] == graph.nodes[k] for k in graph.nodes)
    assert all(g.get_edge_data(a, b) == graph.get_edge_data(a, b) for a, b in graph.edges)
    start, end = ("request", 0), ("reply", 0)
    assert graph.shortest_path(start, end) == nx.shortest_path(g, start, end)
    with pytest.raises(ValueError):
        graph.shortest_path(end, start)
