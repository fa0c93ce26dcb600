"""Values to fill in (issue 15 point 4, issue 11): a printed command reads a value the case lacks
from a shell variable, ``"${SOURCE_NAME:?set SOURCE_NAME to the source Pod name}"``; the command is
the same in every language (plain ASCII words inside it, safe in a shell), while the line beside it
says what to set in the report's language, from ``fill_in_<variable>`` of kb/messages/report.yaml."""

from __future__ import annotations

import re
from functools import lru_cache

import pytest

from podnet import diagnose
from podnet.diagnosis import Diagnosis
from podnet.knowledge.templates import fill_in_text, fill_in_words, fill_ins, shell_fill_in
from podnet.messages import catalogue
from podnet.render import render
from tests.conftest import EXAMPLES

NAMES = sorted(p.stem for p in EXAMPLES.glob("*.json"))
CJK = re.compile(r"[\u4e00-\u9fff]")


@lru_cache(maxsize=None)
def _diagnosis(name: str, lang: str) -> Diagnosis:
    return diagnose(EXAMPLES / f"{name}.json", lang=lang)  # type: ignore[arg-type]


def _commands(d: Diagnosis) -> list[tuple[str, list]]:
    items = [s for c in d.causes for s in c.remediation + c.verify] + list(d.next_checks)
    return [(i.command, i.fill_in) for i in items if i.command]


@pytest.mark.parametrize("name", NAMES)
def test_fill_ins_read_in_the_report_language_and_commands_stay_the_same(name: str) -> None:
    en, zh = _diagnosis(name, "en"), _diagnosis(name, "zh")
    assert [c for c, _ in _commands(en)] == [c for c, _ in _commands(zh)]  # one command for both languages
    for command, fills in _commands(zh):
        for var, message in re.findall(r'"\$\{([A-Z_]+):\?set \1 to ([^}"]*)\}"', command):
            assert message.isascii() and not set(message) & set("'\"`$\\{}"), (var, message)
        for f in fills:
            assert catalogue("report").get(f"fill_in_{f.variable.lower()}"), f"{f.variable}: no fill_in_{f.variable.lower()} in kb/messages/report.yaml"
    lines = [line for fmt in ("wide", "markdown") for line in render(zh, fmt).splitlines() if "需填写:" in line or "先设置:" in line]
    for line in lines:
        for part in re.split(r"; ", line.split(":", 1)[1]):
            assert CJK.search(part), f"English fill-in text in a Chinese report: {line.strip()}"


def test_words_come_from_the_catalogue_in_each_language() -> None:
    assert fill_in_words("source-name", "zh") == "源 Pod 名称（kubectl get pods -A -o wide）"
    assert fill_in_words("source-name", "en", hint=False) == "the source Pod name"
    assert fill_in_words("source-node", "zh", hint=False) == "源节点名称"  # an alias reads as its value's words
    assert fill_in_words("no-such-value", "zh") is None
    # in the command: the English words without the hint, braces and quotes dropped
    assert shell_fill_in("source-node-pod-cidr") == '"${SOURCE_NODE_POD_CIDR:?set SOURCE_NODE_POD_CIDR to the source node PodCIDR}"'
    assert fill_in_text("source-node-pod-cidr") == "the source node PodCIDR (kubectl get node NAME -o jsonpath=.spec.podCIDR)"
    assert fill_in_text("no-such-value") == "the no such value"
    assert fill_ins(shell_fill_in("destination-port")) == [("DESTINATION_PORT", "the destination port")]


def test_every_catalogued_fill_in_is_shell_safe_in_english() -> None:
    for code, texts in catalogue("report").items():
        if code.startswith("fill_in_"):
            shell = texts["en"].split(" (")[0]
            assert shell.isascii() and re.fullmatch(r"[A-Za-z0-9 ,.:()/=_-]+", shell), (code, shell)
            assert CJK.search(texts["zh"]), code
