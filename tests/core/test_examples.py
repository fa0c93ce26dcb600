"""Every example names its expected cause first; removing its decisive observation changes that."""

from __future__ import annotations

import json

import pytest
import yaml

from podnet import diagnose, load_facts
from podnet.facts.load import facts_from_data

from tests.conftest import EXAMPLES

EXPECTED = {k: v for k, v in (yaml.safe_load((EXAMPLES / "expected.yaml").read_text()) or {}).items()}


def test_expected_lists_every_example():
    files = {p.name for p in EXAMPLES.glob("*.json")}
    assert files, "no examples"
    assert files == set(EXPECTED), f"examples without an expected cause: {files ^ set(EXPECTED)}"


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_example_ranks_expected_cause_first(name, lang):
    d = diagnose(load_facts(EXAMPLES / name), lang=lang)
    assert d.causes, f"{name}: no cause"
    assert d.causes[0].id == EXPECTED[name], f"{name}: {[(c.id, c.confidence) for c in d.causes]}"
    top = d.causes[0]
    assert top.remediation and top.verify and top.evidence


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_removing_decisive_observation_changes_ranking_and_asks_for_it(name):
    data = json.loads((EXAMPLES / name).read_text())
    base = diagnose(facts_from_data(data))
    expected = EXPECTED[name]
    best = None
    for i, obs in enumerate(data["observations"]):
        reduced = dict(data, observations=data["observations"][:i] + data["observations"][i + 1 :])
        d = diagnose(facts_from_data(reduced))
        conf = next((c.confidence for c in d.causes if c.id == expected), 0.0)
        top = d.causes[0].id if d.causes else None
        drop = base.causes[0].confidence - conf + (1.0 if top != expected else 0.0)
        if best is None or drop > best[0]:
            best = (drop, obs, d)
    drop, obs, d = best
    assert drop > 0, f"{name}: no single observation matters for {expected}"
    asked = {(c.kind, c.at) for c in d.next_checks} | {(c.kind, None) for c in d.next_checks}
    assert (obs["kind"], obs["at"]) in asked or (obs["kind"], None) in asked, (
        f"{name}: without {obs['kind']}@{obs['at']} the report asks for {[(c.kind, c.at) for c in d.next_checks]}"
    )
