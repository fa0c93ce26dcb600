"""Knowledge checked where it loads: cross references between kb/ files, rule test files, examples.

The loader refuses a broken cross reference with a located E-KB-*/E-RULE-* error; ``podnet rules
check`` (run by ``make test`` before pytest) lists every problem, including rule test files and
``examples/expected.yaml``."""

from __future__ import annotations

import shutil

import pytest

from podnet.errors import KnowledgeError
from podnet.knowledge import load as kb_load
from podnet.knowledge.checks import check_knowledge
from podnet.knowledge.crossref import localize_problems, rule_problems
from tests.conftest import EXAMPLES, ROOT, run_podnet


def test_the_bundled_knowledge_passes_every_check():
    r = run_podnet("rules", "check")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("ok: ") and "0 problem(s)" in r.stdout and "examples" in r.stdout


def _site(tmp_path, test_text, rule="site-x"):
    d = tmp_path / "site" / "network_unreachable"
    d.mkdir(parents=True)
    text = (ROOT / "rules" / "network_unreachable" / "nu-ping-lost.yaml").read_text().replace("id: nu-ping-lost", f"id: {rule}")
    (d / f"{rule}.yaml").write_text(text)
    if test_text is not None:
        (d / f"{rule}.test.yaml").write_text(test_text)
    return str(tmp_path / "site")


LOST = "{observations: [{kind: ping, at: source_pod, target: 198.18.2.20, result: lost}]}"
OK = "{observations: [{kind: ping, at: source_pod, target: 198.18.2.20, result: ok}]}"


def test_a_misspelt_expect_key_is_a_located_error_in_check_and_test(tmp_path):
    site = _site(tmp_path, f"rule: site-x\ncases:\n  - {{name: a, fires: true, facts: {LOST}, expect: {{top_casue: route_missing}}}}\n  - {{name: b, fires: false, facts: {OK}}}\n")
    for command in ("check", "test"):
        r = run_podnet("rules", command, "--rules", site)
        assert r.returncode == 3, (command, r.stdout, r.stderr)
        line = next(x for x in r.stderr.splitlines() if "top_casue" in x)
        assert line.startswith(("E-RULE-TEST ", "podnet: E-RULE-TEST "))
        assert "site-x.test.yaml: cases[0].expect.top_casue" in line and "did you mean 'top_cause'?" in line
        assert "Traceback" not in r.stderr


@pytest.mark.parametrize(
    "text,message,where",
    [
        (f"rule: site-x\ncases:\n  - {{name: a, facts: {LOST}}}\n", "Field required", "cases[0].fires"),
        (f"rule: site-x\ncase:\n  - {{name: a, fires: true, facts: {LOST}}}\n", "unknown key 'case'; did you mean 'cases'?", "site-x.test.yaml: case"),
        (f"rule: site-x\ncases:\n  - {{name: a, fires: true, facts: {LOST}, expect: {{cause: route_mising}}}}\n  - {{name: b, fires: false, facts: {OK}}}\n",
         "unknown cause 'route_mising'; did you mean 'route_missing'?", "cases[0].expect.cause"),
        (f"rule: site-y\ncases:\n  - {{name: a, fires: true, facts: {LOST}}}\n", "unknown rule 'site-y'", "site-x.test.yaml: rule"),
        (f"rule: site-x\ncases:\n  - {{name: a, fires: true, facts: {LOST}}}\n", "no a near miss", "site-x.test.yaml"),
        (None, "rule has no test file", "site-x.yaml: rule site-x"),
        (f"rule: site-x\ncases:\n  - {{name: a, fires: true, facts: {LOST}}}\n  - {{name: b, fires: false, facts: {{observations: [{{kind: ping, at: source_pod, target: 198.18.2.20, result: lots}}]}}}}\n",
         "unknown value 'lots'; did you mean 'lost'?", "cases[1].facts: $.observations[0].result"),
    ],
    ids=["no fires", "misspelt cases", "unknown expected cause", "unknown rule", "no near miss", "no test file", "bad facts"],
)
def test_rule_test_file_problems_are_located(tmp_path, text, message, where):
    report = check_knowledge((_site(tmp_path, text),), None)
    hits = [p for p in report.problems if message in p]
    assert hits, report.problems
    assert hits[0].startswith("E-RULE-TEST ") and where in hits[0]


def _kb_copy(tmp_path, monkeypatch):
    root = tmp_path / "kb"
    shutil.copytree(kb_load._kb_root(), root, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(kb_load, "_kb_root", lambda: root)
    return root


def test_a_path_suspect_that_is_no_cause_fails_where_it_is_written(tmp_path, monkeypatch):
    root = _kb_copy(tmp_path, monkeypatch)
    path = root / "paths" / "localize.yaml"
    path.write_text(path.read_text().replace("suspects: [iptables_blocks_traffic, selinux_blocks_traffic, route_missing,", "suspects: [iptables_blocks_trafic, selinux_blocks_traffic, route_missing,", 1))
    with pytest.raises(KnowledgeError) as err:
        kb_load.load_kb()
    assert err.value.code == "E-KB-REFERENCE" and err.value.exit_code == 3
    assert err.value.location == "kb/paths/localize.yaml: segments.source_end.suspects[0]"
    assert "did you mean 'iptables_blocks_traffic'?" in err.value.message


def test_a_signature_answer_the_question_does_not_have_fails_where_it_is_written(tmp_path, monkeypatch):
    root = _kb_copy(tmp_path, monkeypatch)
    path = root / "causes" / "cni_failure.yaml"
    text = path.read_text()
    assert "answers: {dhcp_and_static: 0.85, one_registered: 0.15}" in text
    path.write_text(text.replace("answers: {dhcp_and_static: 0.85, one_registered: 0.15}", "answers: {dhcp_and_statik: 0.85, one_registered: 0.15}", 1))
    with pytest.raises(KnowledgeError) as err:
        kb_load.load_kb()
    assert err.value.code == "E-KB-REFERENCE"
    assert err.value.location == "kb/causes/cni_failure.yaml: causes[0].signature[0].answers.dhcp_and_statik"
    assert "did you mean 'dhcp_and_static'?" in err.value.message


def test_an_observation_kind_without_its_entry_is_refused(tmp_path, monkeypatch):
    root = _kb_copy(tmp_path, monkeypatch)
    path = root / "observations.yaml"
    text = path.read_text()
    assert "  - kind: link_status\n" in text
    path.write_text(text.replace("  - kind: link_status\n", "  - kind: link_statuss\n", 1))
    with pytest.raises(KnowledgeError) as err:
        kb_load.load_kb()
    assert err.value.code == "E-KB-REFERENCE" and "'link_statuss' is not an observation kind" in err.value.message
    assert "did you mean 'link_status'?" in err.value.message
    assert any("E-KB-MISSING" in d and "'link_status' has no entry" in d for d in err.value.details)


def test_a_cause_without_a_supporting_rule_is_refused():
    kb = kb_load.load_kb()
    kb.rules = [r for r in kb_load.load_rules(kb) if r.spec.then.cause != "link_failure"]
    problems = rule_problems(kb)
    assert [p.code for p in problems] == ["E-RULE-REFERENCE"] and "'link_failure'" in problems[0].message


def test_localize_problems_accept_the_bundled_suspects_and_name_others():
    kb = kb_load.load_kb()
    doc = kb_load.read_yaml(kb_load._kb_root() / "paths" / "localize.yaml", "kb/paths/localize.yaml")
    assert localize_problems(doc, kb.causes) == []
    bad = {"segments": {"underlay": {"suspects": ["link_failure", "nope"]}}, "evidence": {}}
    assert [p.location for p in localize_problems(bad, kb.causes)] == ["kb/paths/localize.yaml: segments.underlay.suspects[1]"]


def _examples(tmp_path, expected):
    d = tmp_path / "examples"
    d.mkdir()
    shutil.copy(EXAMPLES / "nu-link-down.json", d / "a.json")
    shutil.copy(EXAMPLES / "nu-link-down.json", d / "b.json")
    (d / "expected.yaml").write_text(expected)
    return d


@pytest.mark.parametrize(
    "expected,code,message",
    [
        ("a.json: link_failre\nb.json: link_failure\n", "E-KB-REFERENCE", "unknown cause 'link_failre'; did you mean 'link_failure'?"),
        ("a.json: link_failure\n", "E-KB-EXAMPLE", "example b.json is not listed"),
        ("a.json: link_failure\nb.json: link_failure\nc.json: link_failure\n", "E-KB-EXAMPLE", "no such example file"),
        ("a.json: link_failure\nb.json: {expect: unknown_cause, confirmed_cause: link_failure, source: x}\n", "E-KB-EXAMPLE", "the catalogue now has 'link_failure'"),
        ("a.json: link_failure\nb.json: {expect: maybe, confirmed_cause: link_failure}\n", "E-KB-EXAMPLE", "expect must be one of"),
    ],
    ids=["unknown cause", "unlisted", "missing file", "unknown_cause now known", "bad expect"],
)
def test_examples_are_checked_against_the_catalogue(tmp_path, expected, code, message):
    report = check_knowledge((), _examples(tmp_path, expected))
    hits = [p for p in report.problems if message in p]
    assert hits and hits[0].startswith(code + " ") and "expected.yaml" in hits[0], report.problems


def test_rules_check_names_a_bad_examples_folder(tmp_path):
    r = run_podnet("rules", "check", "--examples", str(tmp_path))
    assert r.returncode == 2 and "E-USAGE" in r.stderr and "Traceback" not in r.stderr


def test_a_circumstantial_rule_that_could_make_a_claim_is_refused(tmp_path):
    """Only decisive evidence may take a cause to 0.8: a site rule that lifts a cause's
    circumstantial rules together over it is an E-RULE-CALIBRATION problem."""
    d = tmp_path / "site" / "network_unreachable"
    d.mkdir(parents=True)
    (d / "site-x.yaml").write_text(
        "id: site-x\ntitle: {en: t, zh: t}\nwhen:\n  all:\n    - {fact: ping, result: lost}\n"
        "then: {cause: link_failure, weight: 0.79}\nbecause: {en: m, zh: m}\n"
    )
    (d / "site-x.test.yaml").write_text(f"rule: site-x\ncases:\n  - {{name: a, fires: true, facts: {LOST}}}\n  - {{name: b, fires: false, facts: {OK}}}\n")
    report = check_knowledge((str(tmp_path / "site"),), None)
    hits = [p for p in report.problems if p.startswith("E-RULE-CALIBRATION kb/causes: link_failure:")]
    assert hits and "site-x +0.79" in hits[0], report.problems


def test_a_held_out_ticket_may_name_no_known_cause_an_example_may_not():
    """``confirmed_cause: null`` in examples/heldout/expected.yaml: the knowledge has no such cause
    (the right answer is no confident cause); in examples/expected.yaml it stays an error."""
    from podnet.knowledge.checks import _entry_problems
    from podnet.knowledge.load import load_knowledge

    kb = load_knowledge()
    assert _entry_problems(kb, {"confirmed_cause": None, "source": "x"}, "heldout/expected.yaml: a.json", labels_only=True) == []
    [problem] = _entry_problems(kb, {"confirmed_cause": None}, "examples/expected.yaml: a.json", labels_only=False)
    assert "confirmed_cause" in str(problem)
    assert _entry_problems(kb, {"source": "x"}, "heldout/expected.yaml: b.json", labels_only=True)  # no label at all: refused
