"""The knowledge triage relies on is consistent: answers match what they claim.

That signatures name real questions and answers, and answers are distinct, is checked by the loader itself
(podnet.knowledge.crossref; its located errors are tested in tests/core/test_rules_check.py)."""

from __future__ import annotations

from podnet.triage.answers import _match_constraints
from podnet.triage.questions import knowledge


def test_answers_are_well_formed():
    """Distinct answer ids and at most one normal answer are the loader's checks; here every match
    constrains something."""
    for kind, meta in knowledge().observation_kinds.items():
        for a in meta.answers:
            for i, alt in enumerate(a.match if isinstance(a.match, list) else [a.match] if a.match else []):
                assert _match_constraints(kind, f"{a.id}.match[{i}]", alt), f"{kind}.{a.id}: empty match"
