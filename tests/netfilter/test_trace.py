"""Tracing flows through rulesets: verdicts, deciding rules, DNAT, and the near misses that a
"any DROP rule blocks" reading gets wrong (kube-proxy's INVALID drop, an allow-list's last DROP,
a DROP after an ACCEPT, a match the model cannot evaluate)."""

from __future__ import annotations

from podnet.netfilter import iptables_save
from podnet.netfilter.routes import RouteEntry
from podnet.netfilter.trace import Flow, dnat_from, trace


def rules(filter_rules: str, nat: str = "", policy: str = "DROP") -> object:
    text = f"*filter\n:INPUT {policy} [0:0]\n:FORWARD {policy} [0:0]\n:OUTPUT ACCEPT [0:0]\n{filter_rules}COMMIT\n"
    if nat:
        text = f"*nat\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n{nat}COMMIT\n" + text
    return iptables_save.parse(text)


POD = Flow("10.244.1.5", "10.244.2.7", "tcp", 8080, in_iface="cni0", out_iface="flannel.1")

KUBE_FORWARD = """:KUBE-FORWARD - [0:0]
-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD
-A FORWARD -s 10.244.0.0/16 -j ACCEPT
-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT
"""


def test_kube_proxy_invalid_drop_does_not_block_a_new_connection() -> None:
    t = trace(rules(KUBE_FORWARD), POD)  # type: ignore[arg-type]
    assert (t.verdict, t.rule.chain, t.rule.text) == ("accept", "FORWARD", "-A FORWARD -s 10.244.0.0/16 -j ACCEPT")  # type: ignore[union-attr]
    # ... but it does drop a packet conntrack marks INVALID.
    bad = trace(rules(KUBE_FORWARD), Flow("10.244.1.5", "10.244.2.7", "tcp", 8080, ctstate="INVALID"))  # type: ignore[arg-type]
    assert (bad.verdict, bad.rule.text, bad.rule.line) == ("drop", "-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP", 8)  # type: ignore[union-attr]


ALLOW_LIST = """:VXLAN-PEERS - [0:0]
-A INPUT -p udp -m udp --dport 8472 -j VXLAN-PEERS
-A INPUT -j ACCEPT
-A VXLAN-PEERS -s 192.168.1.11/32 -j ACCEPT
-A VXLAN-PEERS -s 192.168.1.12/32 -j ACCEPT
-A VXLAN-PEERS -m comment --comment "end of the allow-list" -j DROP
"""


def test_allow_list_ending_in_drop_accepts_a_listed_peer_and_drops_another() -> None:
    rs = rules(ALLOW_LIST)
    ok = trace(rs, Flow("192.168.1.12", "192.168.1.10", "udp", 8472, path="input"))  # type: ignore[arg-type]
    assert (ok.verdict, ok.rule.text) == ("accept", "-A VXLAN-PEERS -s 192.168.1.12/32 -j ACCEPT")  # type: ignore[union-attr]
    other = trace(rs, Flow("192.168.1.99", "192.168.1.10", "udp", 8472, path="input"))  # type: ignore[arg-type]
    assert (other.verdict, other.rule.chain) == ("drop", "VXLAN-PEERS")  # type: ignore[union-attr]
    web = trace(rs, Flow("192.168.1.99", "192.168.1.10", "tcp", 443, path="input"))  # type: ignore[arg-type]
    assert web.verdict == "accept"  # the allow-list chain is only entered for UDP 8472


def test_drop_shadowed_by_an_earlier_accept() -> None:
    rs = rules("-A FORWARD -d 10.244.2.7/32 -p tcp -m tcp --dport 8080 -j ACCEPT\n-A FORWARD -d 10.244.2.7/32 -j DROP\n", policy="ACCEPT")
    assert trace(rs, POD).verdict == "accept"  # type: ignore[arg-type]
    ping = trace(rs, Flow("10.244.1.5", "10.244.2.7", "icmp"))  # type: ignore[arg-type]
    assert (ping.verdict, ping.rule.line) == ("drop", 6)  # type: ignore[union-attr]


def test_a_match_that_cannot_be_evaluated_makes_the_verdict_undecided_never_drop() -> None:
    rs = rules("-A FORWARD -m set --match-set ALLOWED src -j ACCEPT\n")
    t = trace(rs, POD)  # type: ignore[arg-type]
    assert t.verdict == "undecided" and t.rule.text == "-A FORWARD -m set --match-set ALLOWED src -j ACCEPT"  # type: ignore[union-attr]
    assert "not evaluated" in t.reason
    # The unknown match sits on a DROP rule: still undecided, naming that rule.
    rs = rules("-A FORWARD -m physdev --physdev-is-bridged -j DROP\n", policy="ACCEPT")
    t = trace(rs, POD)  # type: ignore[arg-type]
    assert (t.verdict, t.rule.text) == ("undecided", "-A FORWARD -m physdev --physdev-is-bridged -j DROP")  # type: ignore[union-attr]
    # On a rule that cannot change the verdict (LOG), an unknown match changes nothing.
    rs = rules("-A FORWARD -m limit --limit 5/min -j LOG\n-A FORWARD -j ACCEPT\n")
    assert trace(rs, POD).verdict == "accept"  # type: ignore[arg-type]


def test_policy_reject_and_interfaces() -> None:
    rs = rules('-A FORWARD -i docker0 ! -o docker0 -j ACCEPT\n-A FORWARD -p tcp --dport 81 -j REJECT --reject-with icmp-host-prohibited\n')
    t = trace(rs, POD)  # type: ignore[arg-type]
    assert (t.verdict, t.rule.text, t.rule.policy, t.reason) == ("drop", ":FORWARD DROP", True, "policy DROP of filter FORWARD")  # type: ignore[union-attr]
    r = trace(rs, Flow("10.244.1.5", "10.244.2.7", "tcp", 81, in_iface="cni0"))  # type: ignore[arg-type]
    assert (r.verdict, r.reject_with) == ("reject", "icmp-host-prohibited")
    d = trace(rs, Flow("172.17.0.2", "10.244.2.7", "tcp", 8080, in_iface="docker0", out_iface="eth0"))  # type: ignore[arg-type]
    assert d.verdict == "accept"
    plus = rules("-A FORWARD -i cali+ -j ACCEPT\n")
    assert trace(plus, Flow("10.244.1.5", "10.244.2.7", "tcp", 80, in_iface="cali12ab")).verdict == "accept"  # type: ignore[arg-type]
    assert trace(plus, Flow("10.244.1.5", "10.244.2.7", "tcp", 80, in_iface="eth0")).verdict == "drop"  # type: ignore[arg-type]


def test_interfaces_from_routes_and_lo_for_a_remote_source() -> None:
    rs = rules("-A INPUT -i lo -j ACCEPT\n-A INPUT -j REJECT\n")
    # The source is another host: the packet cannot come in on lo, so the REJECT decides.
    t = trace(rs, Flow("192.168.1.20", "192.168.1.10", "tcp", 22, path="input"), local={"192.168.1.10"})  # type: ignore[arg-type]
    assert (t.verdict, t.reject_with) == ("reject", "icmp-port-unreachable")
    routes = [RouteEntry("10.244.2.0/24", "10.244.2.0", "flannel.1"), RouteEntry("10.244.1.0/24", None, "cni0"),
              RouteEntry("0.0.0.0/0", "192.168.1.1", "eth0")]
    fwd = rules("-A FORWARD -i cni0 -o flannel.1 -j ACCEPT\n")
    flow = Flow("10.244.1.5", "10.244.2.7", "tcp", 8080)
    assert trace(fwd, flow).verdict == "undecided"  # type: ignore[arg-type]
    assert trace(fwd, flow, routes=routes).verdict == "accept"  # type: ignore[arg-type]


NAT = """:KUBE-SERVICES - [0:0]
:KUBE-SVC-WEB - [0:0]
:KUBE-SEP-A - [0:0]
:KUBE-SEP-B - [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-NODEPORTS - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000
-A KUBE-SERVICES ! -s 10.244.0.0/16 -d 10.96.0.20/32 -p tcp -m tcp --dport 80 -j KUBE-MARK-MASQ
-A KUBE-SERVICES -d 10.96.0.20/32 -p tcp -m comment --comment "demo/web:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-WEB
-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
-A KUBE-SVC-WEB -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-A
-A KUBE-SVC-WEB -j KUBE-SEP-B
-A KUBE-SEP-A -p tcp -m tcp -j DNAT --to-destination 10.244.2.7:8080
-A KUBE-SEP-B -p tcp -m tcp -j DNAT --to-destination 10.244.3.9:8080
"""


def test_dnat_through_kube_proxy_chains_to_every_backend() -> None:
    rs = rules("-A FORWARD -d 10.244.2.7/32 -j ACCEPT\n-A FORWARD -d 10.244.3.9/32 -j ACCEPT\n", NAT)
    t = trace(rs, Flow("10.244.1.5", "10.96.0.20", "tcp", 80), service_cidr="10.96.0.0/12")  # type: ignore[arg-type]
    assert (t.verdict, t.dnat, t.service) == ("accept", ["10.244.2.7:8080", "10.244.3.9:8080"], "dnat")
    # One backend's traffic is dropped: which one the statistic picks decides, so undecided.
    rs = rules("-A FORWARD -d 10.244.2.7/32 -j ACCEPT\n", NAT)
    t = trace(rs, Flow("10.244.1.5", "10.96.0.20", "tcp", 80))  # type: ignore[arg-type]
    assert t.verdict == "undecided" and "statistic" in t.reason and sorted(w.verdict for w in t.ways) == ["accept", "drop"]
    # A ClusterIP with no rule at all.
    none = trace(rs, Flow("10.244.1.5", "10.96.0.99", "tcp", 80), service_cidr="10.96.0.0/12")  # type: ignore[arg-type]
    assert (none.service, none.dnat) == ("no_rule", [])
    assert dnat_from(rs, "nat", "KUBE-SERVICES", Flow(None, "10.96.0.20", "tcp", 80)) == ["10.244.2.7:8080", "10.244.3.9:8080"]  # type: ignore[arg-type]
    assert dnat_from(rs, "nat", "KUBE-SERVICES", Flow(None, "10.96.0.20", "tcp", 443)) == []  # type: ignore[arg-type]


def test_marks_set_in_one_chain_are_seen_later() -> None:
    text = """*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:KUBE-MARK-DROP - [0:0]
:KUBE-FIREWALL - [0:0]
-A FORWARD -d 10.244.2.7/32 -j KUBE-MARK-DROP
-A FORWARD -j KUBE-FIREWALL
-A KUBE-MARK-DROP -j MARK --set-xmark 0x8000/0x8000
-A KUBE-FIREWALL -m mark --mark 0x8000/0x8000 -j DROP
COMMIT
"""
    rs = iptables_save.parse(text)
    assert trace(rs, POD).verdict == "drop"
    assert trace(rs, Flow("10.244.1.5", "10.244.9.9", "tcp", 80)).verdict == "accept"


def test_goto_return_loops_and_missing_chains() -> None:
    text = """*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:A - [0:0]
:B - [0:0]
:LOOP - [0:0]
-A FORWARD -j A
-A FORWARD -j ACCEPT
-A A -g B
-A A -j DROP
-A B -p udp -j RETURN
-A B -p icmp -j LOOP
-A LOOP -j LOOP
COMMIT
"""
    rs = iptables_save.parse(text)
    # tcp: B falls through; after a goto that returns to FORWARD, A's DROP is skipped.
    assert trace(rs, POD).verdict == "accept"
    assert trace(rs, Flow("10.244.1.5", "10.244.2.7", "udp", 53)).verdict == "accept"
    loop = trace(rs, Flow("10.244.1.5", "10.244.2.7", "icmp"))
    assert loop.verdict == "undecided" and "loop" in loop.reason
    missing = iptables_save.parse("*filter\n:FORWARD ACCEPT [0:0]\n-A FORWARD -j CALICO-NOT-DUMPED\nCOMMIT\n")
    t = trace(missing, POD)
    assert t.verdict == "undecided" and "CALICO-NOT-DUMPED" in t.reason


def test_addrtype_local_needs_the_host_addresses() -> None:
    rs = rules("-A INPUT -m addrtype --dst-type LOCAL -p tcp --dport 10250 -j ACCEPT\n")
    flow = Flow("192.168.1.20", "192.168.1.10", "tcp", 10250, path="input")
    assert trace(rs, flow).verdict == "accept"  # type: ignore[arg-type]  (an input flow's destination is local)
    fwd = rules("-A FORWARD -m addrtype --dst-type LOCAL -j DROP\n", policy="ACCEPT")
    assert trace(fwd, POD).verdict == "undecided"  # type: ignore[arg-type]
    assert trace(fwd, POD, local={"192.168.1.10", "10.244.1.1"}).verdict == "accept"  # type: ignore[arg-type]


def test_notrack_in_raw_makes_the_flow_untracked() -> None:
    text = """*raw
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A PREROUTING -p udp -m udp --dport 8472 -j NOTRACK
COMMIT
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -m conntrack --ctstate UNTRACKED -j ACCEPT
COMMIT
"""
    rs = iptables_save.parse(text)
    assert trace(rs, Flow("192.168.1.11", "192.168.1.10", "udp", 8472, path="input")).verdict == "accept"
    assert trace(rs, Flow("192.168.1.11", "192.168.1.10", "udp", 53, path="input")).verdict == "drop"
