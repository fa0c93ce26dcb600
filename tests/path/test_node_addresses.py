"""One definition of a case's registered node addresses (podnet.facts.nodes), read the same way by
the enrichment (a capture's ``outer_src_registered``) and by the packet path's localisation."""

from __future__ import annotations

import copy

from podnet.facts.nodes import registered_node_ips
from podnet.path import localize
from podnet.reasoning.enrich import enrich

from .conftest import GUIDE_CAPTURES, SRC_NODE_NAME, guide_facts

SECOND = "10.153.204.228"
"""The outer source of the guide's VXLAN packets: the source node's second, unregistered address."""


def _published(address: str) -> dict:
    """The source node's NIC, with flannel's public-ip annotation set to ``address``."""
    return {"kind": "node_addresses", "at": "source_node", "host": SRC_NODE_NAME, "interface": "enp26s0f0",
            "addresses": ["10.153.204.15/24", f"{SECOND}/24"], "registered_ip": "10.153.204.15",
            "flannel_public_ip": address}


def _outer_src_registered(facts) -> set:
    enriched = enrich(copy.deepcopy(facts), lambda name, at: "other")
    return {o.outer_src_registered for o in enriched.observations if o.kind == "capture" and o.outer_src}


def test_the_registered_addresses_are_internal_ips_endpoint_node_ips_and_annotations():
    facts = guide_facts([*GUIDE_CAPTURES, _published(SECOND)])
    assert registered_node_ips(facts) == {"10.153.204.15", "10.153.203.14", "10.61.187.42", "10.61.187.48", SECOND}


def test_a_flannel_public_ip_is_registered_for_the_path_as_for_the_enrichment():
    """flannel publishes the second address: the outer source is a known node address, so neither
    the enrichment nor the localisation blames the dual address (they used to disagree here)."""
    facts = guide_facts([*GUIDE_CAPTURES, _published(SECOND)])
    assert _outer_src_registered(facts) == {True}
    assert "node_dual_address_vxlan" not in localize(facts).suspects


def test_without_the_annotation_both_call_the_outer_source_unregistered():
    facts = guide_facts([*GUIDE_CAPTURES, _published("10.153.204.15")])
    assert _outer_src_registered(facts) == {False}
    assert localize(facts).suspects[0] == "node_dual_address_vxlan"
