"""One definition per concept (issue 11): the interface role names of live collection are the fact
model's (``host_nic``, not a second name ``nic``), given in one place (kb/interfaces.yaml) for
collected and pasted ``ip addr`` alike, and the condition operator ``contains`` means the
same for the rules and for triage's answers (podnet.knowledge.conditions.contains)."""

from __future__ import annotations

import typing

import pytest
from podnet.facts.base import HopRole
from podnet.knowledge.conditions import contains
from podnet.reasoning.compile import _predicate
from podnet.triage.answers import _holds


def test_collected_links_take_the_fact_models_role_names() -> None:
    from podnet.inputs.inventory import interface_role

    # live collection's `ip addr` record (collect.netlink) is placed by the assembly pasted output goes through
    roles = [interface_role(name, "source_node") for name in ("lo", "ens192", "cni0", "flannel.1", "veth1234")]
    assert roles == ["loopback", "host_nic", "bridge", "tunnel", "veth"]
    assert set(roles) <= set(typing.get_args(HopRole))


CASES = [
    (["pod cidr not assigned yet"], "Pod CIDR not assigned", True),  # a log line contains the words, any case
    (["all good"], "pod cidr", False),
    (["a", "b"], "b", True),
    ([80, 443], 443, True),
    ([80, 443], 8080, False),
    ([True], True, True),
    ([], "x", False),
    ("pod cidr not assigned", "cidr", False),  # not a list
    (None, "x", False),
]


@pytest.mark.parametrize("items,value,expected", CASES)
def test_contains_means_the_same_for_rules_and_triage_answers(items, value, expected) -> None:
    assert contains(items, value) is expected
    assert _holds("contains", items, value) is expected
    as_fact = tuple(items) if isinstance(items, list) else items  # facts hold lists as tuples
    assert bool(_predicate("contains", value).match(as_fact)) is expected
