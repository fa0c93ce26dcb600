"""A rule's evidence sentence never shows a placeholder for a value the case does not give.

A missing field reads as false in a template test (``{% if sn.egress_ip %}``, ``sn.gateway or
'egress NAT'``), so the sentence leaves it out instead of printing ``'<snat_ports-egress-ip>'``
(seen on five examples before the fix). Checked on every bundled example, in both languages.
"""

from __future__ import annotations

import re

import pytest
from podnet import diagnose
from podnet.facts.load import load_facts
from podnet.knowledge.templates import Missing, obs_namespace, render

from tests.conftest import EXAMPLES

PLACEHOLDER = re.compile(r"<[a-z_]+-[a-z0-9-]+>")


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.json")), ids=lambda p: p.stem)
def test_no_placeholder_in_evidence(path) -> None:
    facts = load_facts(path)
    for lang in ("en", "zh"):
        d = diagnose(facts, lang=lang)
        for cause in [*d.causes, *d.ruled_out]:
            for ev in cause.evidence:
                assert not PLACEHOLDER.search(ev.message), (lang, cause.id, ev.rule, ev.message)


def test_a_missing_field_is_false_in_a_test_and_printed_as_its_placeholder() -> None:
    missing = Missing("<snat_ports-egress-ip>")
    assert not missing and str(missing) == "<snat_ports-egress-ip>"
    ctx = {"sn": obs_namespace({"kind": "snat_ports", "connections_dropped": True}, "snat_ports")}
    assert render("{{ sn.gateway or 'egress NAT' }}{% if sn.egress_ip %} ({{ sn.egress_ip }}){% endif %}", ctx, "t") == "'egress NAT'"
    assert render("to {{ sn.egress_ip }}", ctx, "t") == "to '<snat_ports-egress-ip>'"  # printed where a template prints it
