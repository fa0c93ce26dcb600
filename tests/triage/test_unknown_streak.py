"""Issue #14: a customer who answers "don't know" to everything is not asked ~50 questions; after
UNKNOWN_STREAK in a row (none answered before) triage stops and says what is known, what to check
next and how to resume. A customer who answered earlier is asked on (tests/triage/test_dont_know_learning.py)."""

from __future__ import annotations

import pytest
from podnet import UsageError
from podnet.facts.load import facts_from_data
from podnet.triage.conversation import stop_text, summary_text
from podnet.triage.messages import MESSAGES
from podnet.triage.session import UNKNOWN_STREAK, TriageSession
from podnet.web.triage import WebTriage, stop_message

from .conftest import case_data


def _ticket(lang: str = "en", **kw) -> TriageSession:
    data = case_data()
    data["case"]["symptom"] = "network_unreachable"
    return TriageSession(facts_from_data(data), lang=lang, **kw)


def _all_unknown(s: TriageSession, limit: int = 100) -> int:
    n = 0
    while s.current_question() is not None and n < limit:
        s.answer("unknown")
        n += 1
    return n


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_stops_after_a_streak_of_dont_know_and_says_what_next(lang):
    s = _ticket(lang)
    assert _all_unknown(s) == UNKNOWN_STREAK
    assert s.stop_reason() == "unknowns" and s.done and s.unknown_streak() == UNKNOWN_STREAK
    text = stop_text(s)
    assert text == MESSAGES[lang]["stop_unknowns"].format(n=UNKNOWN_STREAK) and "podnet triage --facts" in text
    assert str(UNKNOWN_STREAK) in text and text != MESSAGES["zh" if lang == "en" else "en"]["stop_unknowns"].format(n=UNKNOWN_STREAK)
    assert stop_message("unknowns", None, lang, s.unknown_streak()) == text  # the web page says the same
    assert str(UNKNOWN_STREAK + 7) in stop_message("unknowns", None, lang, UNKNOWN_STREAK + 7)  # the run it was given, not a constant
    summary = s.summary("case.json")
    assert summary.stop_reason == "unknowns" and summary.ranking.stop_reason == "unknowns"
    assert len(summary.unknown) == UNKNOWN_STREAK  # each "don't know" is listed
    assert summary.next_checks and all(n.command for n in summary.next_checks)  # what to run next
    assert summary.resume == MESSAGES[lang]["resume"].format(path="case.json")
    assert summary.resume in summary_text(summary, lang)


def test_an_answer_resets_the_streak_and_undo_reopens_the_question():
    s = _ticket()
    for _ in range(UNKNOWN_STREAK - 1):
        s.answer("unknown")
    p = s.current_question()
    assert p is not None and p.type == "observation" and s.unknown_streak() == UNKNOWN_STREAK - 1
    s.answer(p.options[0].id)  # something learnt: the count starts again
    assert s.unknown_streak() == 0 and s.answer_record() == (1, UNKNOWN_STREAK - 1)
    # a customer who answered once is more likely to answer again: asked on past the streak
    more = _all_unknown(s)
    assert more > UNKNOWN_STREAK and s.stop_reason() in ("unknowns", "no_gain")
    assert s.back() and s.current_question() is not None and s.unknown_streak() == more - 1


def test_a_resumed_session_is_asked_again_and_the_limit_can_be_changed(tmp_path):
    s = _ticket()
    _all_unknown(s)
    view = TriageSession.from_state(s.state())  # the same session (the web's other-language view)
    assert view.current_question() is None and view.stop_reason() == "unknowns"
    again = WebTriage.resume(s.state())  # resumed: earlier "don't know"s do not count
    assert again.session.current_question() is not None and again.session.unknown_streak() == 0
    # a fact file resumed with --facts starts afresh too
    path = tmp_path / "case.json"
    assert s.save(str(path)) == "facts"
    assert TriageSession.load(str(path)).current_question() is not None
    # None: never stop for this reason (the old behaviour, ~50 prompts on this ticket)
    assert _all_unknown(_ticket(unknown_limit=None)) > 3 * UNKNOWN_STREAK
    assert _all_unknown(_ticket(unknown_limit=3)) == 3
    with pytest.raises(UsageError):
        _ticket(unknown_limit=0)


def test_near_miss_a_confident_diagnosis_is_still_called_confident():
    s = TriageSession(facts_from_data(case_data()), threshold=0.5)
    s.answer("ping", "source_pod", "ok")
    s.answer("tcp_connect", "source_pod", "refused")
    s.answer("listening_sockets", "destination_pod", "not_listening")
    _all_unknown(s)
    assert s.stop_reason() == "confident"
