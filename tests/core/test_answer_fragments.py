"""Triage answers record only what the person said (issue 14 point 3).

Every answer fragment in kb/observations.yaml becomes facts of the session and of the saved file
when the answer is chosen. A number (or address) in a fragment must therefore be one the answer's
own text gives, in English or Chinese; examples the text offers ("e.g. docker0 1500", "例如 ...")
are not what the person said. A zero is what "no errors" / "none Ready" says. Values filled from the
case ("{{ ... }}") were given earlier in the session and are not checked here. Qualitative answers
use stated fields instead (``overloaded: true``, ``conntrack_full: true``...).
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Any, Iterator

import yaml

KB = Path(__file__).resolve().parents[2] / "kb" / "observations.yaml"
EXAMPLE = re.compile(r"[(（]\s*(?:e\.g\.|例如)[^)）]*[)）]")
NUMBER = re.compile(r"\d+(?:\.\d+)*")
SECONDS = re.compile(r"(\d+(?:\.\d+)?)\s*s\b")
NEGATION = re.compile(r"\b(no|none|nothing|not|never|without|zero)\b", re.I)

def _values(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        for v in node.values():
            yield from _values(v)
    elif isinstance(node, list):
        for v in node:
            yield from _values(v)
    else:
        yield node


def _claims(value: Any) -> str | None:
    """The number or address a fragment value claims, as text; None for other values."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return str(int(value)) if float(value).is_integer() else str(value)
    if isinstance(value, str) and "{{" not in value and "{%" not in value:
        if re.fullmatch(r"\d+(?:\.\d+)?", value):
            return value
        try:
            ipaddress.ip_address(value)
        except ValueError:
            return None
        return value
    return None


def _stated(text: dict[str, str]) -> tuple[set[str], bool]:
    """Numbers and addresses the answer's texts give (examples left out), and whether it says 'none'."""
    said: set[str] = set()
    for t in text.values():
        t = EXAMPLE.sub(" ", str(t))
        said.update(NUMBER.findall(t))
        said.update(str(int(float(s) * 1000)) for s in SECONDS.findall(t))  # "5 s" -> value_ms 5000
    en = EXAMPLE.sub(" ", str(text.get("en", "")))
    return said, bool(NEGATION.search(en)) or "没有" in str(text.get("zh", "")) or "无" in str(text.get("zh", ""))


def unstated_numbers(path: Path = KB) -> dict[tuple[str, str], list[str]]:
    """(kind, answer id) -> the values its fragments claim that its text does not give."""
    found: dict[tuple[str, str], list[str]] = {}
    for kind in yaml.safe_load(path.read_text(encoding="utf-8"))["kinds"]:
        for answer in kind.get("answers", []):
            fragments = answer.get("observations") or [answer.get("observation") or {}]
            said, negated = _stated(answer["text"])
            for value in _values(fragments):
                claim = _claims(value)
                if claim is None or claim in said or (claim == "0" and negated):
                    continue
                found.setdefault((kind["kind"], answer["id"]), []).append(claim)
    return found


def test_scanner_catches_an_invented_number(tmp_path):
    bad = {"kinds": [{"kind": "resource_pressure", "answers": [
        {"id": "high_load", "text": {"en": "Load far above the CPU count", "zh": "负载远高于 CPU 数"}, "observation": {"load1": 32.0, "cpus": 8}},
        {"id": "eg", "text": {"en": "Bigger (e.g. 1500)", "zh": "更大（例如 1500）"}, "observation": {"mtu": 1500}},
        {"id": "said", "text": {"en": "About 5 s, 100% loss, no errors", "zh": "约 5 秒"}, "observation": {"value_ms": 5000, "loss_percent": 100, "errors": 0}},
    ]}]}
    path = tmp_path / "observations.yaml"
    path.write_text(yaml.safe_dump(bad), encoding="utf-8")
    assert unstated_numbers(path) == {("resource_pressure", "high_load"): ["8", "32"], ("resource_pressure", "eg"): ["1500"]}


def test_every_answer_fragment_states_only_what_its_text_says():
    assert unstated_numbers() == {}, "answer fragments with values nobody gave (use a stated field instead)"
