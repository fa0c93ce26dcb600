"""A cause weakened by one-sided evidence stays among the possible causes: ``ip_forward = 1`` read on
the destination node says nothing of the source node (nu-ip-forward-on, -0.5, not decisive), while
the reading on both nodes rules the cause out (nu-ip-forward-on-both-ends, decisive)."""

from __future__ import annotations

import json

from podnet import diagnose
from podnet.facts.load import facts_from_data

from tests.conftest import EXAMPLES


def _case(*sysctls: tuple[str, str]) -> dict:
    data = json.loads((EXAMPLES / "nu-ip-forward-off.json").read_text())
    data["observations"] = [o for o in data["observations"] if o["kind"] != "sysctl"]
    data["observations"] += [{"kind": "sysctl", "at": at, "name": "net.ipv4.ip_forward", "value": v} for at, v in sysctls]
    return data


def _where(d, cause: str) -> str:
    if any(c.id == cause for c in d.causes):
        return "ranked"
    if any(c.id == cause for c in d.ruled_out):
        return "ruled_out"
    return "possible" if any(p.id == cause for p in d.possible) else "gone"


def test_one_node_read_leaves_the_cause_possible_ranked_below_its_prior():
    d = diagnose(facts_from_data(_case(("destination_node", "1"))))
    assert _where(d, "ip_forward_disabled") == "possible"
    untouched = [p.id for p in diagnose(facts_from_data(_case())).possible]
    weakened = [p.id for p in d.possible]
    # not hidden, but listed after the causes of the same prior it was listed with before
    assert weakened.index("ip_forward_disabled") > untouched.index("ip_forward_disabled")
    assert weakened.index("ip_forward_disabled") > weakened.index("system_overload")


def test_both_nodes_read_rule_the_cause_out():
    d = diagnose(facts_from_data(_case(("destination_node", "1"), ("source_node", "1"))))
    assert _where(d, "ip_forward_disabled") == "gone"


def test_the_reading_that_shows_it_ranks_it():
    d = diagnose(facts_from_data(_case(("destination_node", "1"), ("source_node", "0"))))
    assert d.causes[0].id == "ip_forward_disabled"
