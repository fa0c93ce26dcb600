"""Every rule ships its own test cases; run them all (firing cases and near misses)."""

from __future__ import annotations

import pytest

from podnet.knowledge.load import load_knowledge
from podnet.knowledge.rule_tests import rule_test_files
from podnet.ruletest import run_rule_tests

RESULTS = run_rule_tests()
MISSING = ("has a firing case", "has a near miss")
"""Names of the results run_rule_tests adds, failed, for a rule without such a case."""


@pytest.mark.parametrize("result", RESULTS, ids=[f"{r.rule_id}:{r.name}" for r in RESULTS])
def test_rule_case(result):
    assert result.ok, f"{result.rule_id}: {result.name}: {result.message}"


def test_every_rule_has_a_test_file_named_after_it():
    rules = {rule.id for rule in load_knowledge().rules}
    files = {item.name.removesuffix(".test.yaml") for _origin, item in rule_test_files(())}
    assert rules - files == set(), "rules without a test file"
    assert files - rules == set(), "test files of no rule"


def test_every_rule_has_firing_case_and_near_miss():
    rules = load_knowledge().rules
    missing = sorted(f"{r.rule_id}: {r.message}" for r in RESULTS if r.name in MISSING)
    assert missing == []
    cases = [r for r in RESULTS if r.name not in MISSING]
    assert len(cases) >= 2 * len(rules), "fewer cases than a firing case and a near miss per rule"
    assert {r.rule_id for r in cases} == {rule.id for rule in rules}
