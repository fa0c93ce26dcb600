"""The interactive program in a real pseudo-terminal (pexpect): full sessions in English and Chinese."""

from __future__ import annotations

import json
import os
import re
import sys
import time

import pytest

pexpect = pytest.importorskip("pexpect")

from podnet import load_facts, next_questions
from podnet.facts.load import facts_from_data

from tests.conftest import ROOT

MAX_STEPS = 40
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def spawn(*args: str, cwd) -> pexpect.spawn:
    env = dict(os.environ, TERM="dumb", PYTHONDONTWRITEBYTECODE="1", PYTHONPATH=str(ROOT))
    child = pexpect.spawn(sys.executable, ["-m", "podnet", "triage", *args], env=env, cwd=str(cwd), encoding="utf-8", timeout=60, dimensions=(50, 250))
    child.transcript = []  # type: ignore[attr-defined]
    return child


def reply(child, prompt: str, text: str) -> str:
    """Wait for a prompt, answer it; return what was shown before it."""
    child.expect(prompt)
    shown = ANSI.sub("", child.before)
    child.transcript.append(shown + prompt)
    child.send(text + "\r")
    return shown


ENDPOINTS_EN = [
    ("case id", "T-EN-1"),
    ("Source: a pod or a node", ""),
    ("Source Pod namespace", "shop"),
    ("Source Pod name", "client-7d9f"),
    ("Source Pod IP", "198.18.1.10"),
    ("Node the source Pod runs on", "node-a"),
    ("Source node IP", "198.18.100.1"),
    ("Destination: service", "service"),
    ("Destination namespace", "shop"),
    ("Destination name", "web"),
    ("Destination IP", "198.19.0.80"),
    ("Destination port", "80"),
    ("Destination DNS name", ""),
]
ENDPOINTS_ZH = [
    ("工单", "T-ZH-1"),
    ("源端类型", "pod"),
    ("源 Pod 所在命名空间", "shop"),
    ("源 Pod 名称", "client-7d9f"),
    ("源 Pod IP", "198.18.1.10"),
    ("源 Pod 所在节点", "node-a"),
    ("源节点 IP", "198.18.100.1"),
    ("目的端类型", ""),
    ("目的端命名空间", "shop"),
    ("目的端名称", "web"),
    ("目的 IP", "198.19.0.80"),
    ("目的端口", "80"),
    ("目的域名", ""),
]
TYPED_CASE = {
    "source": {"kind": "pod", "namespace": "shop", "name": "client-7d9f", "ip": "198.18.1.10", "node": "node-a", "node_ip": "198.18.100.1"},
    "destination": {"kind": "service", "namespace": "shop", "name": "web", "ip": "198.19.0.80", "port": 80, "dns_name": "web.shop.svc.cluster.local"},
}
QUESTION = re.compile(r"\[(\w+)@(\w+), ")


def run_session(lang: str, tmp_path):
    L = {
        "en": {"endpoints": ENDPOINTS_EN, "answer": "answer: ", "question": "Question {n} ", "posterior": "Triage posterior", "back": "went back one step", "stopped": "Stopped: ", "report": "== Full report ==", "heading": "podnet diagnosis — Case: T-EN-1", "case": "T-EN-1"},
        "zh": {"endpoints": ENDPOINTS_ZH, "answer": "回答: ", "question": "问题 {n} ", "posterior": "排障后验概率", "back": "已返回上一步", "stopped": "结束：", "report": "== 完整报告 ==", "heading": "podnet 诊断报告 — 案例: T-ZH-1", "case": "T-ZH-1"},
    }[lang]
    saved = tmp_path / f"{lang}.json"
    child = spawn("--lang", lang, "--save", str(saved), cwd=tmp_path)
    for prompt, text in L["endpoints"]:
        reply(child, prompt, text)
    facts = facts_from_data({"case": {"id": L["case"]}, "endpoints": TYPED_CASE})
    expected_first = next_questions(facts, n=1, lang=lang)[0]

    # question 1: shown with its text and the command to run; answer it, then go back from question 2
    shown = reply(child, L["answer"], "2")
    assert L["question"].format(n=1) in shown
    assert expected_first.text in shown and f"$ {expected_first.command}" in shown
    assert f"[{expected_first.key}," in shown
    shown = reply(child, L["answer"], "b")
    assert L["posterior"] in shown and L["question"].format(n=2) in shown
    shown = reply(child, L["answer"], "u" if lang == "en" else "不知道")
    assert L["back"] in shown and L["question"].format(n=1) in shown and expected_first.text in shown

    asked = {}  # key -> command shown
    steps = 0
    while True:
        i = child.expect([L["answer"], L["stopped"]])
        shown = ANSI.sub("", child.before)
        if i == 1:
            break
        m = list(QUESTION.finditer(shown))[-1]
        cmd = re.findall(r"^\s+\$ (.+?)\r?$", shown, re.MULTILINE)[-1]
        asked[f"{m.group(1)}@{m.group(2)}"] = cmd
        steps += 1
        assert steps < MAX_STEPS, "triage did not stop"
        child.send("1\r")
    child.expect(L["report"])
    child.expect(pexpect.EOF)
    tail = ANSI.sub("", child.before)
    child.close()
    assert child.exitstatus in (0, 1)
    assert L["heading"] in tail
    data = load_facts(saved)
    assert data.case.id == L["case"]
    assert expected_first.key in data.unobservable  # "unknown" for the first question
    got = {f"{o.kind}@{o.at}": o.note for o in data.observations}
    assert got == asked  # every answer saved, with the command that was shown
    assert all(o.target == "198.19.0.80" for o in data.observations if hasattr(o, "target"))
    return tail, data


def test_full_session_in_english(tmp_path):
    tail, _data = run_session("en", tmp_path)
    assert "Fact file written to" in tail
    assert json.loads((tmp_path / "en.json").read_text())["endpoints"]["source"]["name"] == "client-7d9f"


def test_full_session_in_chinese(tmp_path):
    tail, _data = run_session("zh", tmp_path)
    assert "事实文件已写入" in tail


@pytest.mark.parametrize("how", ["ctrl-c", "eof"])
def test_interrupt_saves_what_was_gathered(how, tmp_path):
    case = tmp_path / "case.json"
    case.write_text(json.dumps({"case": {"id": "T/INT 1"}, "endpoints": TYPED_CASE}))
    child = spawn("--facts", str(case), cwd=tmp_path)
    reply(child, "answer: ", "1")
    child.expect("answer: ")
    time.sleep(0.5)  # let the prompt take the terminal (raw mode), as it has by the time a person types
    if how == "ctrl-c":
        child.sendcontrol("c")
    else:
        child.sendeof()
    child.expect(pexpect.EOF)
    out = ANSI.sub("", child.before)
    child.close()
    assert child.exitstatus == 130
    assert "Traceback" not in out
    assert "Interrupted: 1 answer(s) gathered." in out
    saved = tmp_path / "podnet-triage-T_INT_1.json"
    assert f"Fact file written to {saved.name}" in out or "written to podnet-triage-T_INT_1.json" in out
    assert len(load_facts(saved).observations) == 1


def test_interrupt_before_any_answer_saves_nothing(tmp_path):
    child = spawn(cwd=tmp_path)
    reply(child, "case id", "T-EARLY")
    child.expect("Source: a pod or a node")
    time.sleep(0.5)
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    out = ANSI.sub("", child.before)
    child.close()
    assert child.exitstatus == 130
    assert "Interrupted before any answer: nothing to save." in out and "Traceback" not in out
    assert list(tmp_path.iterdir()) == []
