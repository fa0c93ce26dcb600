"""Linear growth (issue 16): rule selection remembered per set of fact kinds and linear in the rules;
the engine asks only the rules with new activations and clears only what the last case wrote.
Counts of work, never times (the times are in bench/bench_scaling.py)."""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

import pytest
import yaml

from podnet import load_facts
from podnet.facts.load import facts_from_data
from podnet.reasoning.compile import _can_fire, compile_rules
from podnet.reasoning.diagnose import analyse, get_reasoner
from tests.conftest import EXAMPLES

CASES = sorted(p for p in EXAMPLES.glob("*.json") if not p.name.startswith("ticket-"))


def _naive_relevant(compiled, available):
    """The fixpoint as first written: pass over every rule until nothing changes."""
    have = set(available)
    chosen: list[int] = []
    changed = True
    while changed:
        changed = False
        for i, e in enumerate(compiled.entries):
            if i in chosen or not _can_fire(e.needs, have):
                continue
            chosen.append(i)
            changed = True
            if e.concludes:
                have.add(e.concludes)
                have.add(e.concludes.split(":")[0])
    return tuple(sorted(chosen))


def test_rule_selection_is_the_fixpoint_and_remembered():
    compiled = compile_rules(get_reasoner().knowledge.rules)
    kinds = sorted(compiled.kinds - {"symptom", "finding"})
    rng = random.Random(16)
    samples = [set(), set(kinds)] + [set(rng.sample(kinds, k)) for k in (1, 2, 3, 5, 8, 13) for _ in range(5)]
    for available in samples:
        assert compiled.relevant(available) == _naive_relevant(compiled, available), sorted(available)
    first = compiled.relevant({"ping", "tcp_connect"})
    assert compiled.relevant({"tcp_connect", "ping"}) is first  # remembered per set of kinds


def _clones(folder: Path, copies: int) -> None:
    """``copies`` clones of every bundled rule about kinds none of the examples observes, so the
    clones can never fire for them: the knowledge grows, the examples' work should not."""
    import podnet.rules

    root = Path(podnet.rules.__file__).parent  # the rules the engine loads
    for path in sorted(root.rglob("*.yaml")):
        if path.name.endswith(".test.yaml") or path.parent == root:
            continue
        doc = yaml.safe_load(path.read_text())
        for k in range(copies):
            clone = dict(doc, id=f"{doc['id']}-never{k}")
            # and a cluster DNS address no example has: never fires for them
            clone["when"] = {"all": [doc["when"], {"fact": "cluster", "dns_service_ip": "198.18.255.254"}]}
            target = folder / path.parent.name / f"{clone['id']}.yaml"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(yaml.safe_dump(clone, allow_unicode=True, sort_keys=False))


@pytest.fixture(scope="module")
def grown(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rules")
    _clones(folder, 3)
    return (str(folder),)


def _count_csn_asks(monkeypatch, run):
    from experta.matchers.rete.nodes import ConflictSetNode

    calls = itertools.count()
    real = ConflictSetNode.get_activations

    def counted(self):
        next(calls)
        return real(self)

    monkeypatch.setattr(ConflictSetNode, "get_activations", counted)
    run()
    return next(calls)


def test_work_per_case_does_not_grow_with_rules_that_cannot_fire(monkeypatch, grown):
    facts = [load_facts(p) for p in CASES]
    for f in facts:  # engines built
        analyse(f)
        analyse(f, rule_dirs=grown)
    base = _count_csn_asks(monkeypatch, lambda: [analyse(f) for f in facts])
    more = _count_csn_asks(monkeypatch, lambda: [analyse(f, rule_dirs=grown) for f in facts])
    assert len(get_reasoner(grown).knowledge.rules) >= 4 * len(get_reasoner().knowledge.rules)
    # experta asked every rule's node after each fact and each firing (hundreds of thousands of
    # calls here); now only the nodes with new activations are asked, the same ones either way
    assert more == base


def test_results_do_not_depend_on_the_previous_case():
    """The engine clears only what the last case wrote: any order of cases gives the same firings."""
    facts = [load_facts(p) for p in CASES]

    def firings(f):
        return sorted((x.rule.id, tuple(sorted(x.fact_indexes.items()))) for x in analyse(f).result.firings)

    forward = [firings(f) for f in facts]
    backward = [firings(f) for f in reversed(facts)][::-1]
    shuffled_order = list(range(len(facts)))
    random.Random(7).shuffle(shuffled_order)
    shuffled = dict(zip(shuffled_order, [firings(facts[i]) for i in shuffled_order]))
    assert forward == backward == [shuffled[i] for i in range(len(facts))]


def _targets_case(pairs: int) -> dict:
    """A case with ``pairs`` pings lost and as many TCP probes timing out, each pair to its own
    address from the same Pod: rules join them on ``$vantage`` and ``$target``."""
    data = json.loads((EXAMPLES / "clusterip-dual-address.json").read_text())
    data["endpoints"]["destination"] = {"kind": "pod", "ip": "10.244.1.5", "port": 80}
    observations = []
    for k in range(pairs):
        ip = f"10.244.{k // 250}.{k % 250 + 1}"
        observations.append({"kind": "ping", "at": "source_pod", "target": ip, "result": "lost", "target_role": "destination"})
        observations.append({"kind": "tcp_connect", "at": "source_pod", "target": ip, "port": 80, "result": "timeout"})
    data["observations"] = observations
    return data


def _firings(facts):
    return [(f.rule.id, tuple(sorted(f.fact_indexes.items())), tuple(sorted(f.bindings.items())), tuple(sorted(f.copies.items())))
            for f in analyse(facts).result.firings]


def test_join_index_gives_the_same_firings_in_the_same_order(monkeypatch):
    """Joins offered only the matching group of the other side: every example, and a case where
    many distinct targets meet, fire the same rules on the same facts in the same order."""
    from podnet import _experta

    cases = [load_facts(p) for p in CASES] + [facts_from_data(_targets_case(40), "<targets>")]
    indexed = [_firings(f) for f in cases]
    monkeypatch.setattr(_experta, "JOIN_INDEX", False)
    plain = [_firings(f) for f in cases]
    assert indexed == plain
    assert len(indexed[-1]) >= 40  # the pairs did meet


def _count_join_checks(monkeypatch, facts) -> int:
    from experta.matchers.rete.check import SameContextCheck

    calls = itertools.count()
    real = SameContextCheck.__call__

    def counted(self, left, right):
        next(calls)
        return real(self, left, right)

    monkeypatch.setattr(SameContextCheck, "__call__", counted)
    analyse(facts)
    monkeypatch.undo()
    return next(calls)


def test_join_work_grows_linearly_with_distinct_targets(monkeypatch):
    """Doubling the pairs that rules join on ``$target`` doubles the pairs experta compares
    (it compared every ping with every TCP probe: four times as many)."""
    small, large = (facts_from_data(_targets_case(n), "<targets>") for n in (100, 200))
    analyse(small)  # the engine for these kinds is built
    a, b = _count_join_checks(monkeypatch, small), _count_join_checks(monkeypatch, large)
    assert a > 0
    assert b <= 2.2 * a, (a, b)


def test_rules_compile_on_first_use_only_those_a_case_can_fire():
    """A fresh reasoner compiles no rule until a case needs it, then exactly the rules its fact
    kinds can fire; the firings are those of a reasoner that compiled every rule first."""
    from podnet.reasoning.engine import Reasoner

    reasoner = get_reasoner()
    fresh = Reasoner(reasoner.knowledge)
    assert not any(e.lhs is not None for e in fresh.compiled.entries)
    facts = load_facts(EXAMPLES / "dns-coredns-crashloop.json")
    firings = fresh.run(facts).firings
    compiled = {e.index for e in fresh.compiled.entries if e.lhs is not None}
    kinds = {"source", "destination", "cluster"} | {o.kind for o in facts.observations}
    assert compiled == set(fresh.compiled.relevant(kinds & fresh.compiled.kinds))
    assert 0 < len(compiled) < len(fresh.compiled.entries) // 2
    eager = Reasoner(reasoner.knowledge)
    eager.compiled.specs  # every rule compiled
    assert [(f.rule.id, f.fact_indexes) for f in eager.run(facts).firings] == [(f.rule.id, f.fact_indexes) for f in firings]
