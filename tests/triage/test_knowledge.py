"""The knowledge triage relies on is consistent: signatures name real questions and answers."""

from __future__ import annotations

from podnet.triage.answers import _match_constraints
from podnet.triage.questions import knowledge


def _signatures():
    kb = knowledge()
    for c in kb.causes.values():
        for e in c.signature:
            yield f"kb/causes: {c.id}", e
    for s in kb.symptoms.values():
        for e in s.signature:
            yield f"kb/symptoms.yaml: {s.id}", e


def test_every_signature_entry_names_a_question_and_its_answers():
    kinds = knowledge().observation_kinds
    problems = []
    for owner, e in _signatures():
        kind, _, at = e.observe.partition("@")
        meta = kinds.get(kind)
        if meta is None or not meta.answers or at not in meta.how:
            problems.append(f"{owner}: {e.observe} is not a question (a kind with answers, at one of its vantages)")
            continue
        unknown = set(e.answers) - {a.id for a in meta.answers}
        if unknown:
            problems.append(f"{owner}: {e.observe}: unknown answers {sorted(unknown)}")
        total = sum(e.answers.values())
        if not all(0 <= p <= 1 for p in e.answers.values()) or total > 1.05:
            problems.append(f"{owner}: {e.observe}: probabilities must be in [0, 1] and sum to at most 1 (sum {total:.2f})")
    assert not problems, "\n".join(problems)


def test_answers_are_well_formed():
    for kind, meta in knowledge().observation_kinds.items():
        ids = [a.id for a in meta.answers]
        assert len(ids) == len(set(ids)), f"{kind}: duplicate answer ids"
        if meta.answers:
            assert sum(a.normal for a in meta.answers) <= 1, f"{kind}: more than one normal answer"
        for a in meta.answers:
            for i, alt in enumerate(a.match if isinstance(a.match, list) else [a.match] if a.match else []):
                assert _match_constraints(kind, f"{a.id}.match[{i}]", alt), f"{kind}.{a.id}: empty match"
