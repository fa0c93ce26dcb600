"""The ingest corpus (README.md): every sample read, compared with its expected readings.

* tune (lab captures, tests/ingest/samples, tests/realworld tune items): at least 95 % read correctly;
* holdout (tests/realworld holdout items: 25 of 39 on their one measured run, tuned on since),
  holdout2 (tests/ingest/corpus/holdout2: 39 of 45 on its one measured run, tuned on since) and
  holdout3 (tests/ingest/corpus/holdout3: 7 of 14 on its one measured run), holdout4
  (tests/ingest/corpus/holdout4, session 5) and holdout5 (tests/ingest/corpus/holdout5, session 7, expectations
  committed before its first run), reported in docs/ingest.md; asserted only to a floor: no crash, no guessed or
  contradicting connection/lookup/ping reading, and every sample gives a reading or a located
  warning (nothing is dropped silently);
* the rate and the misses are printed (``pytest -s``) so the docs can quote them.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from .corpus import Sample, samples
from .reading import Verdict, contradictions, judge, read

TUNE_FLOOR = 0.95


def _run(sample: Sample) -> tuple[Verdict, list[str]]:
    reading = read(sample.path.read_bytes())
    if sample.expect is None:
        return Verdict(False, sample.untranslatable or "no expected reading"), [w.location for w in reading.warnings]
    return judge(sample.expect, reading), [w.location for w in reading.warnings]


def _report(split: str, results: list[tuple[Sample, Verdict]]) -> str:
    ok = sum(v.ok for _, v in results)
    lines = [f"{split}: {ok}/{len(results)} read correctly ({ok / len(results):.1%})"]
    lines += [f"  MISS {s.id}: {v.reason[:240]}" for s, v in results if not v.ok]
    return "\n".join(lines)


def test_corpus_has_the_samples_it_promises() -> None:
    every = list(samples(("tune", "holdout")))
    by_source = Counter(s.source for s in every)
    assert len(every) >= 150, by_source
    assert by_source["tests/ingest/corpus/captured"] >= 50 and by_source["tests/ingest/samples"] >= 15
    assert by_source["tests/realworld/pastes"] == 60 and by_source["tests/realworld/captured"] == 44
    assert {s.split for s in every} == {"tune", "holdout"}
    assert len(list(samples(("holdout2",)))) >= 30 and len(list(samples(("holdout3",)))) >= 10
    assert len(list(samples(("holdout4",)))) >= 15 and len(list(samples(("holdout5",)))) >= 20
    assert len(list(samples(("holdout6",)))) >= 30 and len(list(samples(("holdout7",)))) >= 30
    assert len(list(samples(("holdout8",)))) >= 30 and len(list(samples(("holdout9",)))) >= 30
    assert len(list(samples(("holdout10",)))) >= 30
    for s in every:
        assert s.path.is_file(), s.path


def test_tune_rate() -> None:
    results = [(s, _run(s)[0]) for s in samples(("tune",))]
    report = _report("tune", results)
    print("\n" + report)
    rate = sum(v.ok for _, v in results) / len(results)
    assert rate >= TUNE_FLOOR, report
    wrong = {s.id: c for s, _ in results if (c := contradictions(s.expect or [], read(s.path.read_bytes())))}
    assert wrong == {}, wrong  # a miss may be a form not read, never a reading that contradicts the paste


@pytest.mark.parametrize("split", ["holdout", "holdout2", "holdout3", "holdout4", "holdout5", "holdout6", "holdout7", "holdout8", "holdout9", "holdout10"])
def test_holdout_floor(split: str) -> None:
    """Measured, not tuned on: no crash, and nothing read silently -- each sample gives readings or
    located warnings (FILE:LINE). ``holdout`` is the first held-out batch (tests/realworld, read once
    in session 2, its misses fixed since), ``holdout2`` the second (tests/ingest/corpus/holdout2), ``holdout3``,
    ``holdout4``, ``holdout5``, ``holdout6``, ``holdout7``, ``holdout8``, ``holdout9`` and ``holdout10`` the third to tenth."""
    results = []
    for s in samples((split,)):
        verdict, locations = _run(s)
        results.append((s, verdict))
        assert not verdict.reason.startswith("crash"), (s.id, verdict.reason)
        # not understood never becomes a guess: no connection, lookup or ping the paste does not show
        assert not verdict.reason.startswith(("read what the sample does not show", "a second, different reading")), (s.id, verdict.reason)
        reading = read(s.path.read_bytes())
        assert reading.readings or reading.warnings, s.id
        # ... even when the sample also misses something (holdout3's trace-form curl was read as connected)
        assert not contradictions(s.expect or [], reading), (s.id, contradictions(s.expect or [], reading))
        assert all(re.search(r":\d+$", loc) for loc in locations), (s.id, locations)
    print("\n" + _report(split, results))


@pytest.mark.parametrize("sample", list(samples(("tune",))), ids=lambda s: s.id)
def test_every_tune_sample_warns_with_a_location(sample: Sample) -> None:
    """Whatever is not understood is a warning naming the file and line."""
    reading = read(sample.path.read_bytes())
    assert reading.crash is None
    assert all(re.search(r"paste\.txt:\d+$", w.location) for w in reading.warnings), [str(w) for w in reading.warnings]


def test_the_floor_catches_a_wrong_reading_next_to_a_miss() -> None:
    """holdout3's measured run read telepresence#1832's timed-out curl as connected to the name: the
    floor's contradiction check flags that reading (it was hidden behind the 'not read' verdict)."""
    from .reading import Reading

    want = [{"kind": "tcp_connect", "dest": "10.105.167.22", "port": 8080, "result": "timeout"}]
    wrong = {"kind": "tcp_connect", "dest": "verylargejavaservice.default", "dest_name": "verylargejavaservice.default", "port": 8080,
             "result": "connected", "tool": "curl"}
    assert contradictions(want, Reading(readings=[wrong], warnings=[])) == [wrong]
    # near misses: the same result towards the name, another port, a failure of unknown mode: no contradiction
    assert contradictions(want, Reading(readings=[{**wrong, "result": "timeout"}, {**wrong, "port": 80}, {**wrong, "result": "failed"}], warnings=[])) == []
