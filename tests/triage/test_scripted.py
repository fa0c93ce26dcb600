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


def _recordable(item, facts) -> bool:
    from podnet.triage.answers import NotAskable, build_observations

    try:
        build_observations(knowledge().observation_kinds[item["kind"]], item["at"], item["answer"], facts, probe=item["probe"])
    except NotAskable:
        return False
    return True


def test_there_are_examples():
    assert EXPECTED, "examples/expected.yaml lists no example"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_scripted_session_for_every_example(name, tmp_path):
    full = load_facts(EXAMPLES / name)
    probes = observed_probes(full, knowledge().observation_kinds)
    truthful = {k: a for k, (a, _level) in probes.items()}
    script = [{"kind": k, "at": at, "answer": a, "probe": probe_name(knowledge().observation_kinds[k], at, lv)} for (k, at), (a, lv) in probes.items()]
    # an answer the case cannot record without a value it lacks (e.g. "another nameserver than the
    # cluster DNS" without the cluster DNS address) is not scripted: triage would ask that value first
    start = load_facts(_endpoints_only(EXAMPLES / name, tmp_path))
    script = [item for item in script if _recordable(item, start)]
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
    report = run_podnet_seeded("diagnose", str(saved), "--verbose").stdout
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
    # what fails: "don't know", taken back, then "something else"; then the first observation question
    answers.write_text(json.dumps(["unknown", "back", "other", first.answers[0].id]))
    saved = tmp_path / "s.json"
    r = run_podnet("triage", "--facts", str(case_file), "--answers", str(answers), "--save", str(saved), "--lang", "zh")
    assert r.returncode in (0, 1), r.stderr
    got = load_facts(saved)
    assert [(o.kind, o.at) for o in got.observations] == [(first.kind, first.at)]
    assert got.unobservable == [] and got.case.symptom is None  # the "unknown" was taken back; "other" names no class
    assert first.command in r.stdout
    assert "完整报告" in r.stdout and "podnet 诊断报告" in r.stdout and "小结" in r.stdout


def test_a_script_starts_from_the_symptom_without_a_fact_file(tmp_path):
    """No --facts: the script answers what fails, where the traffic starts and what it reaches, and
    gives values of the case (asked or not) and pasted output."""
    answers = tmp_path / "a.yaml"
    answers.write_text(
        yaml.safe_dump(
            [
                "dns_failure",
                "pod",
                "service",
                {"context": "dns_name", "value": "web.shop.svc.cluster.local"},
                {"paste": "$ nslookup web.shop.svc.cluster.local\n;; connection timed out; no servers could be reached\n"},
            ]
        )
    )
    saved = tmp_path / "s.json"
    r = run_podnet("triage", "--answers", str(answers), "--save", str(saved), "--case-id", "T-DNS", "--summary", "names do not resolve")
    assert r.returncode in (0, 1), r.stderr
    got = load_facts(saved)
    assert got.case.id == "T-DNS" and got.case.summary == "names do not resolve" and got.case.symptom == "dns_failure"
    assert (got.endpoints.source.kind, got.endpoints.destination.kind) == ("pod", "service")
    assert got.endpoints.destination.dns_name == "web.shop.svc.cluster.local"
    lookups = [o for o in got.observations if o.kind == "dns_lookup"]
    assert len(lookups) == 1 and lookups[0].result == "timeout" and lookups[0].source_line.startswith("paste-")
    assert "Taken from the paste" in r.stdout
    # only what was said or pasted: no cluster context was given, none is in the file
    assert got.cluster.cni == "unknown" and got.cluster.dns_service_ip is None and got.cluster.nodes == []


@pytest.mark.parametrize(
    "content, where",
    [
        ('["network_unreachable", [1, 2]]', "$[1]"),
        ('["maybe"]', "$[0]"),
        ('["network_unreachable", "submarine"]', "$[1]"),
        ('[{"kind": "ping", "at": "source_pod"}]', "$[0].answer"),
        ('[{"kind": "ping", "at": "source_pod", "answer": "maybe"}]', "$[0]"),
        ('[{"kind": "teleport", "at": "source_pod", "answer": "ok"}]', "$[0]"),
        ('[{"context": "backends", "value": "not-an-address"}]', "$[0]"),
        ('[{"context": "warp_drive", "value": "1"}]', "$[0]"),
        ('[{"paste": "this is not command output"}]', "$[0]"),
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


def test_a_terminal_is_needed_without_answers(tmp_path, case_file):
    a = tmp_path / "a.yaml"
    a.write_text("[]")
    r = run_podnet("triage", "--facts", str(case_file), stdin="")
    assert r.returncode == 2 and "--answers" in r.stderr and "Traceback" not in r.stderr
    r = run_podnet("triage", "--facts", str(case_file), "--answers", str(a), "--threshold", "2")
    assert r.returncode == 2 and "threshold" in r.stderr
    # an empty script stops at the first question and says which it is
    r = run_podnet("triage", "--answers", str(a))
    assert r.returncode == 1 and "the next question would be symptom" in r.stdout and "Traceback" not in r.stderr


def test_save_folder_is_checked_before_any_question(case_file, tmp_path):
    a = tmp_path / "a.yaml"
    a.write_text("[]")
    r = run_podnet("triage", "--facts", str(case_file), "--answers", str(a), "--save", str(tmp_path / "missing" / "x.json"))
    assert r.returncode == 2 and "E-USAGE" in r.stderr and "missing" in r.stderr and r.stdout == ""
