"""Every example names its expected cause first; removing its decisive observation changes that.

``examples/expected.yaml`` maps an example to its cause id (it must rank first), or to a mapping for
tickets typed from public incidents: ``expect: top`` (the confirmed cause ranks first),
``unknown_cause`` (the catalogue lacks the confirmed cause: no cause may reach 0.8) or ``undecided``
(the ticket lacks the decisive observation: no other cause may reach 0.8), with ``confirmed_cause``
and ``source``."""

from __future__ import annotations

import json

import pytest
import yaml

from podnet import diagnose, load_facts
from podnet.facts.load import facts_from_data
from podnet.knowledge.destructive import is_destructive
from podnet.knowledge.load import load_knowledge
from podnet.reasoning.enrich import enrich
from podnet.triage.questions import rank_questions

from tests.conftest import EXAMPLES

CONFIDENT = 0.8
"""A cause at this confidence or more is a claim; a wrong one fails."""

PROBES = {"ping", "tcp_connect", "dns_lookup", "reachability"}
"""Observation kinds that measure whether traffic gets through (a ticket's reachability states one)."""

RAW = yaml.safe_load((EXAMPLES / "expected.yaml").read_text()) or {}
ENTRIES = {k: (v if isinstance(v, dict) else {"expect": "top", "confirmed_cause": v}) for k, v in RAW.items()}
EXPECTED = {k: e["confirmed_cause"] for k, e in ENTRIES.items() if e["expect"] == "top"}
"""Examples whose cause must rank first: example file -> cause id."""
TICKETS = {k: e for k, e in ENTRIES.items() if isinstance(RAW[k], dict)}
HONEST = {k: e for k, e in TICKETS.items() if e["expect"] in ("unknown_cause", "undecided")}


def test_expected_lists_every_example():
    files = {p.name for p in EXAMPLES.glob("*.json")}
    assert files, "no examples"
    assert files == set(ENTRIES), f"examples without an expected cause: {files ^ set(ENTRIES)}"


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
    how = load_knowledge().observation_kinds[obs["kind"]].how.get(obs["at"])
    if how is not None and is_destructive(how.command):
        # trying a change on the node (kind workaround) is never a next check, which only observes;
        # triage asks for it, with its warning
        reduced = facts_from_data(dict(data, observations=[o for o in data["observations"] if o is not obs]))
        assert (obs["kind"], obs["at"]) in {q for q, _ in rank_questions(load_knowledge(), reduced)}, name
        return
    kb = load_knowledge()
    reduced_facts = facts_from_data(dict(data, observations=[o for o in data["observations"] if o is not obs]))
    enriched = enrich(reduced_facts.model_copy(deep=True), kb.interface_role, kb.message_findings)
    derived = enriched.observations[len(reduced_facts.observations):]  # enrich appends what it reads elsewhere
    same = [o for o in derived if o.kind == obs["kind"] and o.at == obs["at"]]
    if same:
        # another observation says the same, of the same node (a CNI log naming a node without PodCIDR is
        # that node's pod_cidr reading): asking for it again would be redundant; the report asks for the rest
        assert not obs.get("node") or any(getattr(o, "node", None) == obs["node"] for o in same), (name, obs, same)
        assert d.next_checks, f"{name}: without {obs['kind']}@{obs['at']} the report asks for nothing"
        return
    asked = {(c.kind, c.at) for c in d.next_checks} | {(c.kind, None) for c in d.next_checks}
    # a ticket's reachability statement is what a probe measures: asking for the probe at that vantage asks for it
    kinds = {obs["kind"]} | (PROBES if obs["kind"] == "reachability" else set())
    assert any((k, obs["at"]) in asked or (k, None) in asked for k in kinds), (
        f"{name}: without {obs['kind']}@{obs['at']} the report asks for {[(c.kind, c.at) for c in d.next_checks]}"
    )


def test_every_entry_says_what_it_expects():
    for name, e in ENTRIES.items():
        assert e.get("expect") in ("top", "unknown_cause", "undecided"), name
        assert e.get("confirmed_cause"), name
    assert len(TICKETS) >= 10, "issue 9: at least ten tickets from public incidents"


@pytest.mark.parametrize("name", sorted(TICKETS))
def test_ticket_names_its_public_source(name):
    data = json.loads((EXAMPLES / name).read_text())
    source = TICKETS[name]["source"]
    assert source.startswith("https://") and source in data["case"]["summary"], name


@pytest.mark.parametrize("name", sorted(HONEST))
def test_a_ticket_without_its_cause_is_never_confidently_wrong(name):
    """The catalogue lacks the cause, or the ticket lacks its decisive observation: podnet may say
    "no cause" or rank plausible causes with low confidence, but never claims another cause."""
    entry = HONEST[name]
    d = diagnose(load_facts(EXAMPLES / name))
    wrong = [(c.id, c.confidence) for c in d.causes if c.confidence >= CONFIDENT and c.id != entry["confirmed_cause"]]
    assert not wrong, f"{name}: confidently wrong {wrong} (confirmed: {entry['confirmed_cause']})"


def test_unknown_causes_are_still_unknown():
    """An `unknown_cause` label goes stale when the catalogue gains the cause (none may be left so)."""
    causes = load_knowledge().causes
    stale = [(name, e["confirmed_cause"]) for name, e in HONEST.items() if e["expect"] == "unknown_cause" and e["confirmed_cause"] in causes]
    assert not stale, f"the catalogue now has these causes; change the entries to expect: top (or undecided): {stale}"


@pytest.mark.parametrize("name", sorted(k for k, e in HONEST.items() if e["expect"] == "undecided"))
def test_undecided_causes_are_in_the_catalogue(name):
    assert HONEST[name]["confirmed_cause"] in load_knowledge().causes, name
