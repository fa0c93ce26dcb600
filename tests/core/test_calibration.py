"""Calibrated confidence: only decisive evidence takes a cause to 0.8 (issue 12).

Each cause's circumstantial rules (not ``decisive: true``) all firing together, plus the path rule
where the cause can be a path suspect, stay below 0.8; every cause has a decisive rule; and a
diagnosis made of circumstantial evidence only never reaches 0.8."""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from podnet.knowledge.calibration import CONFIDENT, calibration, calibration_problems, cf_plus
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
    """The ceiling is the worst case; every smaller combination is below it (weights in (0, 1))."""
    cal = calibration(load_knowledge())[cause]
    weights = [r.spec.then.weight for r in cal.circumstantial] + ([cal.path_weight] if cal.path_weight else [])
    for n in range(1, len(weights) + 1):
        for subset in itertools.combinations(weights, n):
            assert combine(subset) < CONFIDENT, (cause, subset)
