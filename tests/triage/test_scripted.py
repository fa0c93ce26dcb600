"""`podnet triage --answers FILE`: scripted sessions, for every example and for bad input."""

from __future__ import annotations

import json

import pytest
import yaml
from podnet import diagnose, load_facts
from podnet.triage.answers import observed_answers, observed_probes, probe_name
from podnet.triage.questions import knowledge

from tests.conftest import EXAMPLES, run_podnet

from .conftest import run_podnet_seeded

EXPECTED = yaml.safe_load((EXAMPLES / "expected.yaml").read_text()) or {}


def _endpoints_only(path, tmp_path):
    data = json.loads(path.read_text())
    data["observations"] = []
    data.pop("unobservable", None)
    out = tmp_path / "endpoints.json"
    out.write_text(json.dumps(data))
    return out


def test_there_are_examples():
    assert EXPECTED, "examples/expected.yaml lists no example"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_scripted_session_for_every_example(name, tmp_path):
    full = load_facts(EXAMPLES / name)
    probes = observed_probes(full, knowledge().observation_kinds)
    truthful = {k: a for k, (a, _level) in probes.items()}
    script = [{"kind": k, "at": at, "answer": a, "probe": probe_name(knowledge().observation_kinds[k], at, lv)} for (k, at), (a, lv) in probes.items()]
    answers = tmp_path / "answers.yaml"
    answers.write_text(yaml.safe_dump(script))
    saved = tmp_path / "saved.json"
    r = run_podnet_seeded("triage", "--facts", str(_endpoints_only(EXAMPLES / name, tmp_path)), "--answers", str(answers), "--save", str(saved))
    assert r.returncode in (0, 1), r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    got = load_facts(saved)
    kinds = knowledge().observation_kinds
    # the saved observations are the scripted answers, made real for the case (an answer may stand
    # for several observations, e.g. the MTUs of three interfaces)
    saved_answers = observed_answers(got, kinds)
    for key, a in saved_answers.items():
        assert truthful[key] == a, key
    for o in got.observations:
        assert any(k == o.kind and at.partition(">")[0] == o.at for k, at in saved_answers)
        assert f"{o.kind}@{o.at}" in r.stdout
    assert len(saved_answers) <= len(script)
    # the report printed is `podnet diagnose` of the saved file
    report = run_podnet_seeded("diagnose", str(saved)).stdout
    saved_line = f"Fact file written to {saved} ({len(got.observations)} observations): re-run it with `podnet diagnose {saved}`.\n"
    assert r.stdout.endswith(saved_line)
    printed = r.stdout[: -len(saved_line)].split("== Full report ==\n", 1)[1]
    # the same report; evidence lines within a cause may come in another order (engine firing order)
    assert printed.splitlines()[:3] == report.splitlines()[:3]
    assert [l for l in printed.splitlines() if l.startswith("#")] == [l for l in report.splitlines() if l.startswith("#")]
    assert sorted(printed.splitlines()) == sorted(report.splitlines())
    assert r.returncode == (0 if diagnose(got).causes else 1)


def test_scripted_answers_follow_the_questions_asked(case_file, tmp_path):
    from podnet import next_questions

    first = next_questions(load_facts(case_file), n=1)[0]
    answers = tmp_path / "a.json"
    answers.write_text(json.dumps(["unknown", "back", first.answers[0].id]))
    saved = tmp_path / "s.json"
    r = run_podnet("triage", "--facts", str(case_file), "--answers", str(answers), "--save", str(saved), "--lang", "zh")
    assert r.returncode in (0, 1), r.stderr
    got = load_facts(saved)
    assert [(o.kind, o.at) for o in got.observations] == [(first.kind, first.at)]
    assert got.unobservable == []  # the "unknown" was taken back
    assert first.command in r.stdout
    assert "完整报告" in r.stdout and "podnet 诊断报告" in r.stdout


@pytest.mark.parametrize(
    "content, where",
    [
        ('["ok", 3]', "$[1]"),
        ('[{"kind": "ping", "at": "source_pod"}]', "$[0].answer"),
        ('[{"kind": "ping", "at": "source_pod", "answer": "maybe"}]', "$[0]"),
        ('[{"kind": "teleport", "at": "source_pod", "answer": "ok"}]', "$[0]"),
        ('{"not": "a list"}', "$"),
        ("[unclosed", "a.yaml:1"),
    ],
)
def test_bad_answers_file_is_a_located_one_line_error(content, where, case_file, tmp_path):
    bad = tmp_path / "a.yaml"
    bad.write_text(content)
    r = run_podnet("triage", "--facts", str(case_file), "--answers", str(bad))
    assert r.returncode == 2, r.stdout + r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert "E-TRIAGE-ANSWERS" in r.stderr and where in r.stderr


def test_answers_need_facts_and_a_terminal_is_needed_otherwise(tmp_path, case_file):
    a = tmp_path / "a.yaml"
    a.write_text("[]")
    r = run_podnet("triage", "--answers", str(a))
    assert r.returncode == 2 and "--facts" in r.stderr
    r = run_podnet("triage", "--facts", str(case_file), stdin="")
    assert r.returncode == 2 and "--answers" in r.stderr and "Traceback" not in r.stderr
    r = run_podnet("triage", "--facts", str(case_file), "--answers", str(a), "--threshold", "2")
    assert r.returncode == 2 and "threshold" in r.stderr


def test_save_folder_is_checked_before_any_question(case_file, tmp_path):
    a = tmp_path / "a.yaml"
    a.write_text("[]")
    r = run_podnet("triage", "--facts", str(case_file), "--answers", str(a), "--save", str(tmp_path / "missing" / "x.json"))
    assert r.returncode == 2 and "E-USAGE" in r.stderr and "missing" in r.stderr and r.stdout == ""
