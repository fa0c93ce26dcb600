"""Roles read as words of the report's language (issues 15 and 11): a vantage point, an interface
role or a packet's direction that a rule message interpolates (``{{ fw.at }}``, ``{{ vantage }}``,
``{{ seg.hop_role }}``), where a step runs and what a next check is about are never printed as the
model's ids (``source_node``) in a Chinese report, in any format, for any bundled example; the
English report says "the source node" too, and the command text keeps the ids it needs."""

from __future__ import annotations

import re
import typing
from functools import lru_cache

import pytest

from podnet import diagnose
from podnet.diagnosis import Diagnosis
from podnet.facts.base import HopRole, TargetRole, Vantage
from podnet.render import render
from tests.conftest import EXAMPLES

ROLE_IDS = sorted({v for t in (Vantage, TargetRole, HopRole) for v in typing.get_args(t) if "_" in v})
"""The model's role ids that are not plain words (``destination``, ``other``... may be prose)."""

RAW = re.compile(r"(?<![\w.-])(" + "|".join(ROLE_IDS) + r")(?![\w-])")
NAMES = sorted(p.stem for p in EXAMPLES.glob("*.json"))


@lru_cache(maxsize=None)
def _diagnosis(name: str, lang: str) -> Diagnosis:
    return diagnose(EXAMPLES / f"{name}.json", lang=lang)  # type: ignore[arg-type]


def _prose(report: str) -> list[str]:
    """The report's lines without its commands (``$ ...`` lines and fenced blocks): a command may
    name a file or a label that happens to be spelled like a role."""
    out, fenced = [], False
    for line in report.replace("\\_", "_").splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if not fenced and not line.lstrip().startswith("$ "):
            out.append(line)
    return out


def test_role_ids_come_from_the_model() -> None:
    assert {"source_node", "destination_pod", "control_plane", "host_nic", "dns_service"} <= set(ROLE_IDS)
    assert RAW.search("At source_node a rule") and RAW.search("(source\\_node)".replace("\\_", "_"))
    assert not RAW.search("mtu_host_nic") and not RAW.search("net.ipv4.conf.source_node")


@pytest.mark.parametrize("name", NAMES)
def test_no_role_id_in_a_chinese_report(name: str) -> None:
    d = _diagnosis(name, "zh")
    found = [f"{fmt}: {line.strip()}" for fmt in ("text", "wide", "markdown") for line in _prose(render(d, fmt)) if RAW.search(line)]
    assert not found, "\n".join(found[:10])


@pytest.mark.parametrize("name", NAMES)
def test_no_role_id_in_the_messages_of_an_english_report(name: str) -> None:
    d = _diagnosis(name, "en")
    texts = [ev.message for c in d.causes for ev in c.evidence] + [ev.message for s in d.symptoms + d.findings for ev in s.evidence]
    assert not [t for t in texts if RAW.search(t)]


def test_a_message_reads_the_role_in_each_language() -> None:
    """One rule message, from one run's evidence: the role is the language's word, the sentence
    still starts with a capital in English, and no space is left around the Chinese word."""
    en = _diagnosis("nu-forward-policy-drop-docker113", "en")
    zh = _diagnosis("nu-forward-policy-drop-docker113", "zh")
    rule = "nu-firewall-drops-all"
    msg = {d.lang: next(ev.message for c in d.causes for ev in c.evidence if ev.rule == rule) for d in (en, zh)}
    assert msg["en"].startswith("At the destination node a DROP rule"), msg["en"]
    assert msg["zh"].startswith("在目的节点上，"), msg["zh"]


def test_next_check_qualifiers_read_as_words() -> None:
    d = _diagnosis("nu-link-down", "en")
    text = render(d, "wide")
    assert "to the destination node" in text and "target_role=" not in text
    assert "目标：目的节点" in render(_diagnosis("nu-link-down", "zh"), "wide")


def test_every_role_of_the_model_has_words_in_every_language() -> None:
    from podnet.messages import catalogue
    from podnet.reasoning.explain import ROLE_WORDS

    for field, (area, prefix, ids) in ROLE_WORDS.items():
        missing = sorted(i for i in ids if prefix + i not in catalogue(area))
        assert not missing, f"{field}: no {area}.{prefix}<id> for {missing}"


def test_next_check_qualifiers_of_the_model_all_have_words() -> None:
    """Every value a next check can be qualified by (observations.yaml distinguish_by: target_role,
    role, direction, scope, a latency's operation) reads as words in both languages."""
    from podnet.facts.kinds.probes import ReachScope
    from podnet.facts.kinds.probes import Latency
    from podnet.facts.observations import Route
    from podnet.facts.kinds.policy import NetworkPolicy
    from podnet.messages import catalogue

    values = {
        "target_role": typing.get_args(TargetRole),
        "role": typing.get_args(HopRole),
        "scope": typing.get_args(ReachScope),
        "direction": [*typing.get_args(Route.model_fields["direction"].annotation),
                      *typing.get_args(typing.get_args(NetworkPolicy.model_fields["direction"].annotation)[0])],
        "operation": typing.get_args(Latency.model_fields["operation"].annotation),
    }
    missing = [f"check_{k}_{v}" for k, vs in values.items() for v in vs if f"check_{k}_{v}" not in catalogue("report")]
    assert not missing, missing


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_key_value_qualifier_in_any_report(lang: str) -> None:
    found = [f"{name}: {m.group(0)}" for name in NAMES for fmt in ("text", "wide", "markdown")
             for m in re.finditer(r"\((?:[^()]*, )?(target_role|role|direction|scope|operation)=\w+", render(_diagnosis(name, lang), fmt).replace("\\_", "_"))]
    assert not found, found[:10]
