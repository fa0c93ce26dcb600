"""Every rule ships its own test cases; run them all (firing cases and near misses)."""

from __future__ import annotations

import pytest

from podnet.ruletest import run_rule_tests

RESULTS = run_rule_tests()


@pytest.mark.parametrize("result", RESULTS, ids=[f"{r.rule_id}:{r.name}" for r in RESULTS])
def test_rule_case(result):
    assert result.ok, f"{result.rule_id}: {result.name}: {result.message}"


def test_every_rule_has_firing_case_and_near_miss():
    from podnet.knowledge.load import load_knowledge

    names = {(r.rule_id, r.name) for r in RESULTS}
    for rule in load_knowledge().rules:
        assert (rule.id, "has a firing case") not in names, f"{rule.id} has no firing case"
        assert (rule.id, "has a near miss") not in names, f"{rule.id} has no near miss"
        assert any(r.rule_id == rule.id for r in RESULTS), f"{rule.id} has no test file"
