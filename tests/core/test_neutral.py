"""A diagnosis is made once, without a language, and renders in either: for every example, the
neutral diagnosis localized to en and to zh equals a run in that language, field by field and as
every report format prints it; the texts are the knowledge's own in that language; only the texts
differ between the languages."""

from __future__ import annotations

import re

import pytest
from podnet import diagnose, load_facts, render
from podnet.diagnosis import Diagnosis
from podnet.knowledge.load import load_knowledge
from podnet.neutral import NeutralDiagnosis, localize
from podnet.reasoning.diagnose import diagnose_neutral

from tests.conftest import EXAMPLES

CASES = sorted(EXAMPLES.glob("*.json")) + sorted((EXAMPLES / "heldout").glob("*.json"))
CJK = re.compile(r"[\u4e00-\u9fff]")

TEXTS = {"possible": ("title",), "next_checks": ("title", "reason"), "warnings": ("message",)}


def _without_texts(d: Diagnosis) -> dict:
    """The diagnosis's data with every localized text (and the language) taken out."""
    data = d.model_dump(mode="json")
    data.pop("lang")
    for key, fields in TEXTS.items():
        for item in data[key]:
            for f in fields:
                item.pop(f)
    for cause in data["causes"] + data["ruled_out"]:
        cause.pop("title"), cause.pop("explanation")
        for ev in cause["evidence"]:
            ev.pop("message")
        for step in cause["remediation"] + cause["verify"]:
            step.pop("text"), step.pop("warning", None)
    for s in data["symptoms"] + data["findings"]:
        s.pop("title", None)
        for ev in s["evidence"]:
            ev.pop("message")
    if data["path"]:
        data["path"].pop("explanation"), data["path"].pop("drawing")
    return data


def test_examples_are_found() -> None:
    assert len(CASES) >= 60


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_one_diagnosis_renders_in_both_languages_as_a_run_in_each(case) -> None:
    facts = load_facts(case)
    neutral = diagnose_neutral(facts)
    assert isinstance(neutral, NeutralDiagnosis) and neutral.lang is None
    kb = load_knowledge()
    per_lang = {}
    for lang in ("en", "zh"):
        run = diagnose(facts, lang=lang)  # what `podnet diagnose --lang LANG` reports
        local = localize(neutral, lang)
        assert local.model_dump() == run.model_dump(), f"{case.name} [{lang}]"
        for fmt in ("json", "markdown", "wide", "text"):
            assert render(local, fmt) == render(run, fmt), f"{case.name} [{lang}] {fmt}"
        other = "zh" if lang == "en" else "en"
        assert render(run, "json", lang=other) == render(diagnose(facts, lang=other), "json")
        # the texts are the knowledge's in that language
        for c in local.causes + local.ruled_out:
            assert c.title == kb.causes[c.id].title.get(lang)
        for p in local.possible:
            assert p.title == kb.causes[p.id].title.get(lang)
        for s in local.symptoms:
            assert s.title == kb.symptoms[s.id].title.get(lang)
        for n in local.next_checks:
            assert n.title == kb.observation_kinds[n.kind].title.get(lang)
        per_lang[lang] = local
    en, zh = per_lang["en"], per_lang["zh"]
    assert _without_texts(en) == _without_texts(zh), f"{case.name}: the languages differ beyond their texts"
    for c_en, c_zh in zip(en.causes, zh.causes):
        assert CJK.search(c_zh.explanation) and not CJK.search(c_en.title)
        assert all(CJK.search(e.message) for e in c_zh.evidence)


def test_localize_keeps_a_diagnosis_already_in_that_language_and_refuses_one_without_its_source() -> None:
    d = diagnose(load_facts(CASES[0]), lang="zh")
    assert localize(d, "zh") is d
    assert localize(d, "en").model_dump() == diagnose(load_facts(CASES[0]), lang="en").model_dump()
    bare = Diagnosis.model_validate(d.model_dump())
    with pytest.raises(ValueError, match="does not carry its other languages"):
        localize(bare, "en")


CAPTURED = [c for c in CASES if '"capture"' in c.read_text()]


@pytest.mark.parametrize("case", CAPTURED, ids=[c.name for c in CAPTURED])
def test_the_neutral_diagnosis_keeps_the_path_as_data_and_draws_it_in_each_language(case) -> None:
    from podnet.path import build_path, render_path
    from podnet.path import localize as localize_path

    from podnet.errors import PodnetError

    facts = load_facts(case)
    neutral = diagnose_neutral(facts)
    assert neutral.path is not None and neutral.path.drawing is None
    route = neutral.path.route
    try:
        build_path(facts)
    except PodnetError:  # no path for this case (its verdict says why): nothing to draw
        assert route is None and all(localize(neutral, lang).path.drawing is None for lang in ("en", "zh"))  # type: ignore[union-attr]
        return
    assert route is not None and route["request"] and route["reply"], case.name
    assert {h["index"] for h in route["request"]} == set(range(len(route["request"])))
    verdict = localize_path(facts, strict=False)
    for lang in ("en", "zh"):
        assert localize(neutral, lang).path.drawing == render_path(build_path(facts), verdict, lang)  # type: ignore[union-attr]


def test_some_examples_have_captures() -> None:
    assert len(CAPTURED) >= 3
