"""Calibrated confidence: only decisive evidence takes a cause to 0.8 (issue 12).

Each cause's circumstantial rules (not ``decisive: true``) all firing together, plus the path rule
where the cause can be a path suspect, stay below 0.8; every cause has a decisive rule; and a
diagnosis made of circumstantial evidence only never reaches 0.8."""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from podnet.knowledge.calibration import CONFIDENT, calibration, calibration_problems, cf_plus, exclusive_groups
from podnet.knowledge.load import load_knowledge
from podnet.reasoning.confidence import combine

SITE_RULE = """id: site-circumstantial
title: {en: t, zh: t}
when:
  all:
    - fact: ping
      result: lost
then: {cause: link_failure, weight: 0.7}
because: {en: m, zh: m}
"""


def test_bundled_knowledge_is_calibrated():
    assert calibration_problems(load_knowledge()) == []


def test_cf_plus_is_the_engine_combination_of_supporting_weights():
    for ws in ([0.3], [0.3, 0.4], [0.5, 0.5, 0.2]):
        assert cf_plus(ws) == pytest.approx(combine(ws))


def test_an_overweight_circumstantial_rule_is_reported(tmp_path):
    site = tmp_path / "site" / "network_unreachable"
    site.mkdir(parents=True)
    (site / "site-circumstantial.yaml").write_text(SITE_RULE)
    problems = calibration_problems(load_knowledge((str(tmp_path / "site"),)))
    assert len(problems) == 1 and problems[0].startswith("link_failure: circumstantial rules reach")
    assert "site-circumstantial +0.70" in problems[0] and "nu-node-ping-lost" in problems[0]
    # marked decisive, the same rule is no longer circumstantial
    marked = tmp_path / "marked" / "network_unreachable"
    marked.mkdir(parents=True)
    (marked / "site-circumstantial.yaml").write_text(SITE_RULE.replace("because:", "decisive: true\nbecause:"))
    assert calibration_problems(load_knowledge((str(tmp_path / "marked"),))) == []


def test_a_cause_without_decisive_rule_is_reported():
    kb = load_knowledge()
    assert {r.id for r in calibration(kb)["link_failure"].decisive_for} == {"nu-link-down"}
    without = dataclasses.replace(kb, rules=[r for r in kb.rules if r.id != "nu-link-down"])
    assert calibration_problems(without) == ["link_failure: no decisive rule confirms it (mark the rule that reads its confirming observation decisive: true)"]


@pytest.mark.parametrize("cause", sorted(load_knowledge().causes))
def test_every_subset_of_circumstantial_rules_stays_below_confident(cause):
    """The ceiling is the worst case; every smaller combination is below it (weights in (0, 1)).
    Rules that exclude each other (``exclusive_with``) never fire together: the strongest stands for them."""
    cal = calibration(load_knowledge())[cause]
    groups = exclusive_groups(cal.circumstantial)
    weights = [max(r.spec.then.weight for r in g) for g in groups] + ([cal.path_weight] if cal.path_weight else [])
    for n in range(1, len(weights) + 1):
        for subset in itertools.combinations(weights, n):
            assert combine(subset) < CONFIDENT, (cause, subset)


def test_exclusive_rules_count_once_only_when_every_pair_is_declared(tmp_path):
    kb = load_knowledge()
    cal = calibration(kb)["iptables_blocks_traffic"]
    [group] = [g for g in exclusive_groups(cal.circumstantial) if len(g) > 1]
    assert {r.id for r in group} == {"nu-ufw-routed-deny", "nu-ufw-active-routed-unknown", "nu-firewalld-running-no-route"}
    # near miss: a pair left undeclared (A-B and B-C, not A-C) is reported, not merged silently
    loose = [dataclasses.replace(r, spec=r.spec.model_copy(update={"exclusive_with": ["nu-firewalld-running-no-route"]}))
             if r.id == "nu-ufw-active-routed-unknown" else r for r in kb.rules]
    loose = [dataclasses.replace(r, spec=r.spec.model_copy(update={"exclusive_with": ["nu-firewalld-running-no-route"]}))
             if r.id == "nu-ufw-routed-deny" else r for r in loose]
    problems = calibration_problems(dataclasses.replace(kb, rules=loose))
    assert any("not every pair is declared" in p and "nu-ufw-active-routed-unknown/nu-ufw-routed-deny" in p for p in problems), problems


def test_exclusive_with_must_name_a_rule_of_the_same_cause(tmp_path):
    from podnet.knowledge.crossref import rule_problems

    kb = load_knowledge()
    bad = [dataclasses.replace(r, spec=r.spec.model_copy(update={"exclusive_with": ["nu-no-such-rule", "nu-conntrack-full-logged"]}))
           if r.id == "nu-ufw-routed-deny" else r for r in kb.rules]
    messages = [str(e) for e in rule_problems(dataclasses.replace(kb, rules=bad))]
    assert any("unknown rule 'nu-no-such-rule'" in m for m in messages), messages
    assert any("'nu-conntrack-full-logged', a rule for another cause" in m for m in messages), messages
