"""One definition per concept (issue 11): the interface role names of live collection are the fact
model's (``host_nic``, not a second name ``nic``), and the condition operator ``contains`` means the
same for the rules and for triage's answers (podnet.knowledge.conditions.contains)."""

from __future__ import annotations

import typing

import pytest
from podnet.collect.local import Link, LocalView
from podnet.facts.base import HopRole
from podnet.knowledge.conditions import contains
from podnet.reasoning.compile import _predicate
from podnet.triage.answers import _holds


def _link(index: int, name: str, kind: str | None, addresses: list[str] = ()) -> Link:  # type: ignore[assignment]
    return Link(index=index, name=name, kind=kind, mtu=1500, operstate="UP", carrier=True, up=True, addresses=list(addresses))


def test_collected_links_take_the_fact_models_role_names() -> None:
    links = [
        _link(1, "lo", None, ["127.0.0.1/8"]),
        _link(2, "ens192", None, ["198.18.0.1/24"]),
        _link(3, "cni0", "bridge", ["198.18.64.1/24"]),
        _link(4, "flannel.1", "vxlan"),
        _link(5, "veth1234", "veth"),
    ]
    roles = [l.role for l in links]
    assert roles == ["loopback", "host_nic", "bridge", "tunnel", "veth"]
    assert set(roles) <= set(typing.get_args(HopRole))
    view = LocalView(links=links, routes=[])
    assert view.underlay() is links[1]
    assert view.underlay_addresses() == ["198.18.0.1/24"]


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
