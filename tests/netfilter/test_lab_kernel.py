"""The netfilter model against the kernel: rulesets restored into a lab namespace, printed back by
the real tools (the stored dumps in ``data/`` must be what they print), and flows sent through
them. For each flow the traced verdict must match what the probe saw, and the rule the tracer
names must be the one whose counter moved. Needs root: a lab that cannot run fails as root (CI) and is skipped otherwise (tests/labpolicy.py).
"""

from __future__ import annotations

import pytest

from podnet.netfilter import iptables_save, nft
from podnet.netfilter.routes import RouteEntry
from podnet.netfilter.trace import Flow, Trace, trace

from ..labpolicy import lab_unavailable
from .lab import DATA, SERVICE_CIDR, Lab, LabError, counters, nft_counters, normalised, preflight

NODE_ADDRESSES = {"198.18.10.1", "198.19.20.1", "198.18.0.2"}
NODE_ROUTES = [RouteEntry("198.18.10.0/24", None, "c1"), RouteEntry("198.19.20.0/24", None, "s1"), RouteEntry("198.18.0.0/24", None, "p1"),
               RouteEntry(SERVICE_CIDR, "198.19.20.7", "s1")]

# (name, flow, how to probe it, what the probe must see, the verdict the tracer must give)
FLOWS = [
    ("web port open", Flow("198.18.10.5", "198.19.20.7", "tcp", 8080), ("connect", "client"), "connected", "accept"),
    ("ping to web host dropped", Flow("198.18.10.5", "198.19.20.7", "icmp"), ("ping", "client"), False, "drop"),
    ("port 81 rejected", Flow("198.18.10.5", "198.19.20.8", "tcp", 81), ("connect", "client"), "unreachable", "reject"),
    ("ClusterIP to either backend", Flow("198.18.10.5", "198.19.96.20", "tcp", 80), ("connect", "client"), "connected", "accept"),
    ("Service without endpoints", Flow("198.18.10.5", "198.19.96.30", "tcp", 80), ("connect", "client"), "refused", "reject"),
    ("listed VXLAN peer", Flow("198.18.0.3", "198.18.0.2", "udp", 8472, path="input"), ("udp", "peer"), None, "accept"),
    ("unlisted VXLAN peer", Flow("198.18.0.9", "198.18.0.2", "udp", 8472, path="input"), ("udp", "peer"), None, "drop"),
    ("non-Pod source hits FORWARD policy", Flow("198.18.0.3", "198.19.20.8", "tcp", 8080), ("connect", "peer"), "timeout", "drop"),
]


@pytest.fixture(scope="module")
def lab():
    try:
        preflight()
    except LabError as exc:
        lab_unavailable(f"netfilter lab: {exc}")
    lab = Lab()
    try:
        lab.build()
        yield lab
    finally:
        lab.teardown()


def probe(lab: Lab, how: tuple[str, str], flow: Flow) -> object:
    kind, role = how
    if kind == "connect":
        return lab.connect(role, flow.dst, flow.dport)  # type: ignore[arg-type]
    if kind == "ping":
        return lab.ping(role, flow.dst)
    lab.udp(role, flow.src, flow.dst, flow.dport)  # type: ignore[arg-type]
    return None


def traced(ruleset: object, flow: Flow) -> Trace:
    return trace(ruleset, flow, local=NODE_ADDRESSES, routes=NODE_ROUTES, service_cidr=SERVICE_CIDR)  # type: ignore[arg-type]


def test_iptables_rulesets_trace_as_the_kernel_acts(lab: Lab) -> None:
    lab.load_iptables((DATA / "lab-node.rules").read_text())
    stored = (DATA / "lab-node.iptables-save").read_text()
    assert normalised(lab.iptables_save()) == normalised(stored), "the stored dump is no longer what iptables-save prints"
    ruleset = iptables_save.parse(stored)
    assert ruleset.problems == []
    invalid_line = next(r.line for r in ruleset.rules if "--ctstate INVALID" in r.text)
    for name, flow, how, seen, verdict in FLOWS:
        lab.zero()
        got = probe(lab, how, flow)
        t = traced(ruleset, flow)
        hits = counters(lab.iptables_save(counters=True))
        assert (name, t.verdict) == (name, verdict), t.reason
        if seen is not None:
            assert (name, got) == (name, seen)
        deciding = {w.rule.line for w in t.ways if w.rule is not None and w.verdict == verdict}
        assert any(hits.get(line, 0) > 0 for line in deciding), f"{name}: no counter moved on {deciding} ({t.reason})"
        assert hits[invalid_line] == 0  # kube-proxy's INVALID drop never takes these new connections
    t = traced(ruleset, FLOWS[3][1])
    assert (t.dnat, t.service) == (["198.19.20.7:8080", "198.19.20.8:8080"], "dnat")
    assert traced(ruleset, FLOWS[4][1]).service == "no_rule"


def test_nft_json_of_the_same_iptables_rules_is_never_wrong_only_less_sure(lab: Lab) -> None:
    """iptables-nft's rules appear in ``nft -j`` with ``xt`` matches nft cannot show: those are
    undecided, so the JSON may say less than iptables-save, but never the opposite verdict."""
    lab.load_iptables((DATA / "lab-node.rules").read_text())
    live = nft.parse(lab.nft_json())
    stored = nft.parse((DATA / "lab-node.nft.json").read_text())
    assert [(t.family, t.name, sorted(t.chains)) for t in live.tables] == [(t.family, t.name, sorted(t.chains)) for t in stored.tables]
    decided = 0
    for name, flow, _how, _seen, verdict in FLOWS:
        got = traced(stored, flow).verdict
        assert got in (verdict, "undecided"), name
        decided += got == verdict
    assert decided >= 2  # the VXLAN allow-list flows: plain address and port matches, no xt match on the way


NATIVE = [
    ("web port in the allowed set", Flow("198.18.10.5", "198.19.20.7", "tcp", 8080), ("connect", "client"), "connected", "accept"),
    ("port 81 rejected", Flow("198.18.10.5", "198.19.20.8", "tcp", 81), ("connect", "client"), "unreachable", "reject"),
    ("outside source marked and dropped", Flow("198.18.0.3", "198.19.20.8", "tcp", 8080), ("connect", "peer"), "timeout", "drop"),
    ("listed VXLAN peer (named set)", Flow("198.18.0.3", "198.18.0.2", "udp", 8472, path="input"), ("udp", "peer"), None, "accept"),
    ("unlisted VXLAN peer", Flow("198.18.0.9", "198.18.0.2", "udp", 8472, path="input"), ("udp", "peer"), None, "drop"),
]


def test_native_nftables_ruleset_traces_as_the_kernel_acts(lab: Lab) -> None:
    lab.load_nft((DATA / "lab-native.nft").read_text())
    stored_text = (DATA / "lab-native.nft.json").read_text()
    stored = nft.parse(stored_text)
    assert stored.problems == []
    assert nft_counters(lab.nft_json()).keys() == nft_counters(stored_text).keys()  # same rules, same handles
    for name, flow, how, seen, verdict in NATIVE:
        lab.zero()
        got = probe(lab, how, flow)
        t = traced(stored, flow)
        hits = nft_counters(lab.nft_json())
        assert (name, t.verdict) == (name, verdict), t.reason
        if seen is not None:
            assert (name, got) == (name, seen)
        handle = int(t.rule.text.split("]")[0].split()[-1])  # type: ignore[union-attr]  "[handle N] ..."
        assert hits[handle] > 0, f"{name}: the counter of handle {handle} did not move"
    dns = traced(stored, Flow("198.18.10.5", "198.19.96.10", "udp", 53))
    assert (dns.verdict, dns.dnat) == ("drop", ["198.19.20.7:53", "198.19.20.8:53"])  # numgen vmap: both endpoints


COLLECT = ("import json; from podnet.collect import iptables, netlink; from podnet.collect.base import Context; "
           "from podnet.collect.netns import Vantage; from podnet.collect.targets import Plan; from podnet.inputs.model import Host; "
           "c = Context(Vantage('current'), Plan(targets=[]), Host(name='node')); [t], _ = iptables.iptables_save(c, 10); "
           "a, r = netlink.read(c); "
           "print(json.dumps([t.data['format'], t.data['text'] == '', sorted(x.split('/')[0] for i in a.data['interfaces'] for x in i['addresses']), "
           "sorted(x['destination'] for x in r.data['routes'])]))")


def test_collect_reads_the_dump_addresses_and_routes_inside_the_namespace(lab: Lab) -> None:
    import json
    import sys

    lab.load_iptables((DATA / "lab-node.rules").read_text())
    fmt, empty, local, routes = json.loads(lab.run("node", [sys.executable, "-c", COLLECT]))
    assert (fmt, empty) == ("iptables-save", False)
    assert set(local) == {"127.0.0.1", *NODE_ADDRESSES}
    assert routes == sorted(["198.18.10.0/24", "198.19.20.0/24", "198.18.0.0/24", SERVICE_CIDR])
    # A host whose rules are all native nftables (kube-proxy's nftables mode): iptables-save prints
    # nothing, so the collector reads nft -j list ruleset instead.
    lab.load_nft((DATA / "lab-native.nft").read_text())
    fmt, empty, _, _ = json.loads(lab.run("node", [sys.executable, "-c", COLLECT]))
    assert (fmt, empty) == ("nft-json", False)
