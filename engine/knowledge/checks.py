"""``podnet rules check``: every check of the knowledge, all problems listed, without running a case.

Beyond what the loader refuses on every start (schemas, templates of commands, conditions against
the fact schema, and the cross references of :mod:`.crossref`), this also checks what the loader
leaves to this command because it costs time or lives outside the package:

- the message templates of the bundled rules (``because``) compile;
- the weights are calibrated (:mod:`.calibration`): every cause has a decisive rule, and its
  circumstantial rules together stay below 0.8 (``E-RULE-CALIBRATION``);
- every rule test file (``<rule-id>.test.yaml``) has the test format (:mod:`.rule_tests`), names
  an existing rule, is named after it, expects only known causes, symptoms and findings, and
  each case's facts (laid over ``rules/defaults.test.yaml``) are a valid fact file; every rule has
  a test file with a firing case and a near miss;
- ``examples/expected.yaml`` lists every example, names causes of the catalogue (an
  ``unknown_cause`` ticket names one the catalogue does not have), and every example is a valid
  fact file; ``examples/heldout/expected.yaml`` likewise for the held-out tickets (their confirmed
  causes are labels of the real-world corpus, not necessarily podnet's).

Problems are :class:`~podnet.errors.KnowledgeError` (``E-KB-*``, ``E-RULE-*``, ``E-TEMPLATE``),
each with its place; the command exits 3 when there is any.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import KnowledgeError, PodnetError, RuleError
from .load import Knowledge, load_kb, load_rules, read_yaml
from .rule_tests import case_defaults, expect_problems, overlay, parse_rule_test_file, rule_test_files

EXPECT_WORDS = ("top", "unknown_cause", "undecided")
"""What an example's entry in ``expected.yaml`` may expect (tests/core/test_examples.py)."""


@dataclass
class CheckReport:
    """What was checked, and every problem found."""

    problems: list[str] = field(default_factory=list)
    """One line per problem: ``CODE location: message``."""
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, problems: list[Any]) -> None:
        self.problems.extend(p.one_line() for p in problems)


def default_examples() -> Path | None:
    """``examples/`` of the source checkout podnet runs from, if there is one (it is not packaged)."""
    here = Path(__file__).resolve().parent.parent.parent / "examples"
    return here if (here / "expected.yaml").is_file() else None


def check_knowledge(rule_dirs: tuple[str, ...] = (), examples: Path | None = None) -> CheckReport:
    """Run every check (fresh from the YAML, not from the cache) and collect the problems."""
    report = CheckReport()
    try:
        kb = load_kb()
        kb.rules = load_rules(kb, tuple(rule_dirs))
        from .crossref import rule_problems

        report.add(rule_problems(kb))
    except KnowledgeError as exc:
        report.problems.extend(exc.details or [exc.one_line()])  # the loader lists every cross-reference problem
        return report
    report.counts["rules"] = len(kb.rules)
    report.counts["causes"] = len(kb.causes)
    report.add(_template_problems(kb))
    report.add(_catalogue_problems())
    report.add(_calibration_problems(kb))
    report.add(_mention_problems(kb))
    _check_rule_tests(kb, rule_dirs, report)
    if examples is not None:
        _check_examples(kb, examples, "expected.yaml", report, labels_only=False)
        if (examples / "heldout" / "expected.yaml").is_file():
            _check_examples(kb, examples / "heldout", "expected.yaml", report, labels_only=True)
    return report


def _calibration_problems(kb: Knowledge) -> list[PodnetError]:
    """Causes whose circumstantial rules together reach 0.8, or that no decisive rule confirms
    (:mod:`.calibration`): only decisive evidence may make a claim."""
    from .calibration import calibration_problems

    out: list[PodnetError] = []
    for line in calibration_problems(kb):
        cause, _, message = line.partition(": ")
        out.append(RuleError(message, location=f"kb/causes: {cause}", code="E-RULE-CALIBRATION"))
    return out


def _mention_problems(kb: Knowledge) -> list[PodnetError]:
    """kb/mentions.yaml (what a ticket's sentence names, read by triage): valid, and naming only
    causes and observation kinds that exist."""
    from .mentions import mention_problems

    out: list[PodnetError] = []
    for line in mention_problems(kb.causes, kb.observation_kinds):
        where, _, message = line.partition(": ")
        out.append(KnowledgeError(message, location=where, code="E-KB-MENTIONS"))
    return out


def _catalogue_problems() -> list[PodnetError]:
    """Every area of the text catalogue (kb/messages), read fresh: both languages, same fields."""
    from ..messages import CATALOGUES, _parse

    out: list[PodnetError] = []
    for area in CATALOGUES:
        try:
            _parse(area)
        except KnowledgeError as exc:
            out.append(exc)
    return out


def _template_problems(kb: Knowledge) -> list[PodnetError]:
    from .templates import check_template

    out: list[PodnetError] = []
    for rule in kb.rules:
        for lang in ("en", "zh"):
            try:
                check_template(getattr(rule.spec.because, lang), f"{rule.path}: rule {rule.id}: because.{lang}")
            except KnowledgeError as exc:
                out.append(exc)
    return out


def _check_rule_tests(kb: Knowledge, rule_dirs: tuple[str, ...], report: CheckReport) -> None:
    from ..facts.load import facts_from_data

    defaults = case_defaults()
    rules = {r.id: r for r in kb.rules}
    tested: dict[str, set[bool]] = {}
    files = cases = 0
    for origin, item in rule_test_files(rule_dirs):
        files += 1
        try:
            spec = parse_rule_test_file(read_yaml(item, origin), origin)
        except KnowledgeError as exc:
            report.add([exc])
            tested.setdefault(item.name[: -len(".test.yaml")], {True, False})  # reported above, not as "no test file"
            continue
        if spec.rule not in rules:
            report.add([RuleError(f"test file names unknown rule {spec.rule!r}", location=f"{origin}: rule", code="E-RULE-TEST")])
            continue
        if item.name != f"{spec.rule}.test.yaml":
            report.add([RuleError(f"test file must be named {spec.rule}.test.yaml", location=origin, code="E-RULE-TEST")])
        report.add(expect_problems(spec, kb, origin))
        for i, case in enumerate(spec.cases):
            cases += 1
            tested.setdefault(spec.rule, set()).add(case.fires)
            try:
                facts_from_data(overlay(defaults, case.facts), f"{origin}: cases[{i}].facts")
            except PodnetError as exc:
                report.add([RuleError(exc.message, location=exc.location, code="E-RULE-TEST")])
    for rid, rule in rules.items():
        seen = tested.get(rid, set())
        if not seen:
            report.add([RuleError(f"rule has no test file ({rid}.test.yaml beside it)", location=f"{rule.path}: rule {rid}", code="E-RULE-TEST")])
        elif True not in seen or False not in seen:
            missing = "a firing case (fires: true)" if True not in seen else "a near miss (fires: false)"
            report.add([RuleError(f"the rule's tests have no {missing}", location=f"{rule.path[: -len('.yaml')]}.test.yaml", code="E-RULE-TEST")])
    report.counts["test files"] = files
    report.counts["test cases"] = cases


def _check_examples(kb: Knowledge, folder: Path, name: str, report: CheckReport, *, labels_only: bool) -> None:
    """An examples folder's ``expected.yaml`` against its files and the catalogue."""
    from ..facts.load import facts_from_data

    origin = f"{folder.name}/{name}" if labels_only else f"examples/{name}"
    try:
        doc = read_yaml(folder / name, origin) or {}
    except KnowledgeError as exc:
        report.add([exc])
        return
    if not isinstance(doc, dict):
        report.add([KnowledgeError("expected a mapping of example file -> expected cause", location=origin, code="E-KB-EXAMPLE")])
        return
    files = {p.name for p in folder.glob("*.json")}
    for missing in sorted(files - set(doc)):
        report.add([KnowledgeError(f"example {missing} is not listed", location=origin, code="E-KB-EXAMPLE")])
    for fname, entry in doc.items():
        where = f"{origin}: {fname}"
        if fname not in files:
            report.add([KnowledgeError("no such example file", location=where, code="E-KB-EXAMPLE")])
        else:
            try:
                facts_from_data(json.loads((folder / fname).read_text(encoding="utf-8")), f"{folder.name}/{fname}")
            except (PodnetError, ValueError) as exc:
                report.add([KnowledgeError(f"not a valid fact file: {getattr(exc, 'message', exc)}", location=getattr(exc, "location", None) or where, code="E-KB-EXAMPLE")])
        report.add(_entry_problems(kb, entry, where, labels_only))
    report.counts["held-out tickets" if labels_only else "examples"] = len(doc)


def _entry_problems(kb: Knowledge, entry: Any, where: str, labels_only: bool) -> list[PodnetError]:
    import difflib

    if isinstance(entry, str):
        entry = {"expect": "top", "confirmed_cause": entry}
    if labels_only and isinstance(entry, dict) and "confirmed_cause" in entry and entry["confirmed_cause"] is None:
        return []  # a held-out ticket whose confirmed cause the knowledge does not have: right is no confident cause
    if not isinstance(entry, dict) or not isinstance(entry.get("confirmed_cause"), str):
        return [KnowledgeError("an entry is a cause id or a mapping with confirmed_cause", location=where, code="E-KB-EXAMPLE")]
    cause = entry["confirmed_cause"]
    if labels_only:
        return []
    expect = entry.get("expect")
    if expect not in EXPECT_WORDS:
        return [KnowledgeError(f"expect must be one of {', '.join(EXPECT_WORDS)}", location=f"{where}.expect", code="E-KB-EXAMPLE")]
    if expect == "unknown_cause":
        if cause in kb.causes:
            return [KnowledgeError(f"the catalogue now has {cause!r}: expect top (or undecided)", location=f"{where}.expect", code="E-KB-EXAMPLE")]
        return []
    if cause not in kb.causes:
        close = difflib.get_close_matches(cause, list(kb.causes), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return [KnowledgeError(f"unknown cause {cause!r}{hint}", location=f"{where}.confirmed_cause", code="E-KB-REFERENCE")]
    return []
