"""Run the test cases that ship beside each rule (``<rule-id>.test.yaml``), like ``promtool test rules``.

A test file names its rule and lists cases; each case lays ``facts`` over
``rules/defaults.test.yaml`` (observations replace), runs the engine, and checks that the rule
fires (``fires: true``) or does not (``fires: false``). ``expect`` may also name the cause,
symptom or finding that must then appear in the diagnosis. Every rule needs at least one firing
case and one near miss. The file format is checked first (:mod:`podnet.knowledge.rule_tests`).
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import PodnetError, RuleError
from .knowledge.load import read_yaml
from .knowledge.rule_tests import case_defaults, expect_problems, overlay, parse_rule_test_file, rule_test_files


@dataclass
class RuleTestResult:
    rule_id: str
    name: str
    ok: bool
    message: str = ""


def run_rule_tests(rule_dirs: tuple[str, ...] = (), select: str | None = None) -> list[RuleTestResult]:
    """Run every rule test; also report rules without a firing case or without a near miss."""
    from .facts.load import facts_from_data
    from .reasoning.diagnose import analyse, diagnose_facts, get_reasoner

    reasoner = get_reasoner(rule_dirs)
    defaults = case_defaults()
    tested: dict[str, set[bool]] = {}
    results: list[RuleTestResult] = []
    rule_ids = {r.id for r in reasoner.knowledge.rules}
    for origin, item in rule_test_files(rule_dirs):
        spec = parse_rule_test_file(read_yaml(item, origin), origin)
        rule_id = spec.rule
        if rule_id not in rule_ids:
            raise RuleError(f"test file names unknown rule {rule_id!r}", location=f"{origin}: rule", code="E-RULE-TEST")
        if item.name != f"{rule_id}.test.yaml":
            raise RuleError(f"test file must be named {rule_id}.test.yaml", location=origin, code="E-RULE-TEST")
        problems = expect_problems(spec, reasoner.knowledge, origin)
        if problems:
            raise problems[0]
        if select and select not in rule_id:
            continue
        for i, case in enumerate(spec.cases):
            name, want = case.name, case.fires
            tested.setdefault(rule_id, set()).add(want)
            try:
                facts = facts_from_data(overlay(defaults, case.facts), f"{origin}: cases[{i}].facts")
                fired = [f for f in analyse(facts, rule_dirs=rule_dirs).result.firings if f.rule.id == rule_id]
                ok = bool(fired) == want
                message = "" if ok else ("did not fire" if want else "fired on a near miss")
                expect = case.expect.model_dump(exclude_none=True) if case.expect else {}
                if ok and expect:
                    d = diagnose_facts(facts, rule_dirs=rule_dirs)
                    for key, got in (
                        ("cause", [c.id for c in d.causes]),
                        ("top_cause", [c.id for c in d.causes[:1]]),
                        ("symptom", [s.id for s in d.symptoms]),
                        ("finding", [s.id for s in d.findings]),
                    ):
                        if key in expect and expect[key] not in got:
                            ok, message = False, f"expected {key} {expect[key]!r}, got {got}"
                    if expect.get("no_cause") and d.causes:
                        ok, message = False, f"expected no cause, got {[c.id for c in d.causes]}"
            except PodnetError as exc:
                ok, message = False, exc.one_line()
            results.append(RuleTestResult(rule_id, name, ok, message))
    if not select:
        for rid in sorted(rule_ids):
            seen = tested.get(rid, set())
            if True not in seen:
                results.append(RuleTestResult(rid, "has a firing case", False, "no case with fires: true"))
            if False not in seen:
                results.append(RuleTestResult(rid, "has a near miss", False, "no case with fires: false"))
    return results
