"""The ingest corpus: every sample with its text, expected readings and split.

Sources (referenced in place, never copied):

* ``tests/ingest/corpus/captured/*.txt`` + ``.yaml``: lab transcripts made by ``capture.py`` (tune);
* ``tests/ingest/samples/*`` with their readings in ``samples.yaml`` (tune);
* ``tests/realworld/pastes`` and ``tests/realworld/captured``: verbatim public pastes and lab
  transcripts made by another helper, with their ``expected`` block translated by
  :func:`reading.expected_from_realworld`, split ``tune`` or ``holdout`` as their files say;
* ``tests/ingest/corpus/tune_pastes/*.txt`` + ``.yaml``: public pastes added as tune examples when a
  held-out item revealed a bug (the bug is fixed on these, never on the held-out item) (tune);
* ``tests/ingest/corpus/holdout2/*.txt`` + ``.yaml``: the second held-out batch (public pastes,
  expected readings written in the corpus vocabulary before any podnet run), split ``holdout2``
  (read once in session 3, tuned on since);
* ``tests/ingest/corpus/holdout3/*.txt`` + ``.yaml``: the third held-out batch (session 4, the same
  rule: expectations committed before the first run), split ``holdout3``;
* ``tests/ingest/corpus/holdout4/*.txt`` + ``.yaml``: the fourth held-out batch (session 5, the same
  rule; each ``.yaml`` also names the search query and rank it was found by), split ``holdout4``;
* ``tests/ingest/corpus/holdout5/*.txt`` + ``.yaml``: the fifth held-out batch (session 7, the same rule:
  expectations committed before the first run, query and rank in each ``.yaml``), split ``holdout5``;
* ``tests/ingest/corpus/holdout6/*.txt`` + ``.yaml``: the sixth held-out batch (session 13, the same rule;
  expectations committed in 3fcd9bf before the first run), split ``holdout6``.
* ``tests/ingest/corpus/holdout7/*.txt`` + ``.yaml``: the seventh held-out batch (session 14, the same rule;
  expectations committed in 362bd8b before the first run), split ``holdout7``.
* ``tests/ingest/corpus/holdout8/*.txt`` + ``.yaml``: the eighth held-out batch (session 15, the same rule;
  expectations committed in 564fa0f before the first run), split ``holdout8``.
* ``tests/ingest/corpus/holdout9/*.txt`` + ``.yaml``: the ninth held-out batch (session 16, the same rule;
  expectations committed in 865e4e1 before the first run), split ``holdout9``.
* ``tests/ingest/corpus/holdout10/*.txt`` + ``.yaml``: the tenth held-out batch (session 17, the same rule;
  expectations committed in baf6eff before the first run), split ``holdout10``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .reading import Untranslatable, expected_from_realworld

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
REALWORLD = ROOT / "tests" / "realworld"
SAMPLES = ROOT / "tests" / "ingest" / "samples"


@dataclass
class Sample:
    id: str
    path: Path
    split: str
    expect: list[dict[str, Any]] | None
    untranslatable: str | None = None
    source: str = ""


def split_of(stem: str) -> str:
    """tests/realworld's split rule (its README): known from the file name alone, so a holdout file
    is not even opened unless the holdout is asked for."""
    return "holdout" if int(hashlib.sha256(stem.encode()).hexdigest()[:8], 16) % 5 < 2 else "tune"


def samples(splits: tuple[str, ...] = ("tune",)) -> Iterator[Sample]:
    """The corpus samples of the given splits (holdout only when asked for: see README.md)."""
    for y in sorted((HERE / "captured").glob("*.yaml")):
        doc = yaml.safe_load(y.read_text())
        if doc.get("split", "tune") in splits:
            yield Sample(f"lab/{y.stem}", y.with_suffix(".txt"), doc.get("split", "tune"), doc["expect"], source="tests/ingest/corpus/captured")
    if "tune" in splits:
        for y in sorted((HERE / "tune_pastes").glob("*.yaml")):
            doc = yaml.safe_load(y.read_text())
            yield Sample(f"tune_pastes/{y.stem}", y.with_suffix(".txt"), "tune", doc["expect"], source="tests/ingest/corpus/tune_pastes")
        for name, doc in yaml.safe_load((HERE / "samples.yaml").read_text()).items():
            yield Sample(f"samples/{name}", SAMPLES / name, "tune", doc["expect"], source="tests/ingest/samples")
    for batch in ("holdout2", "holdout3", "holdout4", "holdout5", "holdout6", "holdout7", "holdout8", "holdout9", "holdout10"):
        if batch in splits:
            for y in sorted((HERE / batch).glob("*.yaml")):
                doc = yaml.safe_load(y.read_text())
                yield Sample(f"{batch}/{y.stem}", y.with_suffix(".txt"), batch, doc["expect"], source=f"tests/ingest/corpus/{batch}")
    for folder in ("pastes", "captured"):
        for y in sorted((REALWORLD / folder).glob("*.yaml")):
            if split_of(y.stem) not in splits:
                continue
            doc = yaml.safe_load(y.read_text())
            if doc.get("split") not in splits:
                continue
            text = REALWORLD / folder / (doc.get("paste") or doc.get("transcript") or f"{y.stem}.txt")
            try:
                expect, why = expected_from_realworld(doc["expected"]), None
            except Untranslatable as exc:
                expect, why = None, str(exc)
            yield Sample(f"realworld/{folder}/{y.stem}", text, doc["split"], expect, why, source=f"tests/realworld/{folder}")
