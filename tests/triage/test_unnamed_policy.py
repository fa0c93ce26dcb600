"""Issue #14: the triage answer "a policy selects the Pod and no rule allows this flow" records
that statement (``selected_stated``), never a policy name the customer did not give."""

from __future__ import annotations

import json

from podnet.facts.load import facts_from_data
from podnet.reasoning.diagnose import diagnose_facts
from podnet.triage.session import TriageSession

from .conftest import case_data


def _policy_entries(path) -> list[dict]:
    return [o for o in json.loads(path.read_text())["observations"] if o["kind"] == "network_policy"]


def _session_with(answer_id: str, lang: str = "en") -> TriageSession:
    s = TriageSession(facts_from_data(case_data()), lang=lang)
    s.answer("tcp_connect", "source_pod", "timeout")
    s.answer("network_policy", "control_plane", answer_id)
    return s


def test_denies_answer_saves_no_invented_name_and_still_concludes_the_policy(tmp_path):
    s = _session_with("denies")
    path = tmp_path / "case.json"
    assert s.save(str(path)) == "facts"
    saved = path.read_text()
    [np] = _policy_entries(path)
    assert "policies" not in np and "default-deny" not in saved  # no name the customer did not give
    assert np["selected_stated"] is True and np["allows_flow"] is False

    # the diagnosis concludes the policy cause as it does when the customer names the policy
    named = case_data()
    named["observations"] = [o for o in json.loads(saved)["observations"] if o["kind"] != "network_policy"]
    named["observations"].append({**{k: v for k, v in np.items() if k != "selected_stated"}, "policies": ["deny-all-ingress"]})
    want = diagnose_facts(facts_from_data(named)).causes[0]
    got = s.diagnosis().causes[0]
    assert (got.id, got.confidence) == (want.id, want.confidence) == ("network_policy_denies", want.confidence)
    assert any(e.rule == "nu-network-policy-denies-flow" for e in got.evidence)

    # resumed from the saved file (podnet triage --facts): the same conclusion, still no name
    again = TriageSession.load(str(path))
    assert again.diagnosis().causes[0].id == "network_policy_denies"
    assert "policies" not in _policy_entries(path)[0]


def test_unnamed_policy_is_worded_without_a_placeholder():
    for lang, fallback in (("en", "A policy selects"), ("zh", "某个策略")):
        msgs = [e.message for c in _session_with("denies", lang).diagnosis().causes for e in c.evidence]
        assert any(fallback in m for m in msgs), msgs
        assert not any("<network_policy" in m or "None" in m for m in msgs), msgs


def test_near_miss_no_policy_selects_the_pod():
    causes = [c.id for c in _session_with("none").diagnosis().causes]
    assert "network_policy_denies" not in causes
