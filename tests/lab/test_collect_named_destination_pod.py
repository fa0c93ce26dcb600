"""collect compares the Service's DNAT targets with the Pod told to be the destination, on a real lab.

Both nodes' kube-proxy rules send the web Service to 198.19.2.77, an address no Pod holds, while
the web Pod (198.19.2.10) runs and listens. Told that the web Pod is the destination (``--as
destination_pod``), collect records its address and the diagnosis gives service_endpoints_stale
some weight, well below decisive; with every namespace given and no roles, nobody named that Pod
and the rule stays silent. Needs root (tests/lab/conftest.py).
"""

from __future__ import annotations

from . import scenarios as sc
from . import topology as t

GONE = "198.19.2.77"
"""In node2's PodCIDR; no Pod of the lab holds it."""

NAMED = ((t.CLIENT, "source_pod"), (t.NODE1, "source_node"), (t.WEB, "destination_pod"), (t.NODE2, "destination_node"))


def _stale_target(_state: t.LabState) -> None:
    nat = t.kube_proxy_nat().replace(f"{t.WEB_POD.ip}:", f"{GONE}:").replace(f"-s {t.WEB_POD.ip}/32", f"-s {GONE}/32")
    assert f"--to-destination {GONE}:80" in nat
    for ns in (t.NODE1, t.NODE2):
        t.ns_exec(ns, ["iptables-restore"], stdin=nat + t.node_filter())


def test_dnat_to_an_address_no_pod_holds_beside_the_named_pod(lab) -> None:
    scenario = sc.Scenario("stale-target-named-pod", "service_endpoints_stale",
                           "kube-proxy DNATs the web Service to an address no Pod holds", _stale_target, NAMED)
    sc.set_up(scenario)
    outcome = sc.collect_and_diagnose(scenario, hinted=True)
    dst = outcome.facts["endpoints"]["destination"]
    assert dst["kind"] == "service" and dst["pod_ip"] == t.WEB_POD.ip, dst
    assert [b["ip"] for b in dst["backends"]] == [GONE], dst
    causes = dict(outcome.causes)
    assert "service_endpoints_stale" in causes, outcome.causes
    assert causes["service_endpoints_stale"] < 0.8, outcome.causes


def test_without_a_named_pod_the_targets_are_not_judged(lab) -> None:
    scenario = sc.Scenario("stale-target-no-roles", None, "the same fault, every namespace, no roles", _stale_target)
    sc.set_up(scenario)
    outcome = sc.collect_and_diagnose(scenario)
    assert "pod_ip" not in outcome.facts["endpoints"]["destination"], outcome.facts["endpoints"]
    assert "service_endpoints_stale" not in dict(outcome.causes), outcome.causes
