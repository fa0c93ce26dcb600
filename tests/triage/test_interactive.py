"""The interactive program in a real pseudo-terminal (pexpect): two tickets from their first
sentence, in English and Chinese, pasted output at a prompt, back, bad input, Ctrl-C, end of input,
and resuming a saved session."""

from __future__ import annotations

import json
import os
import re
import sys
import time

import pytest

pexpect = pytest.importorskip("pexpect")

from podnet import load_facts

from tests.conftest import ROOT

MAX_STEPS = 40
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
KEY = re.compile(r"\[([\w:]+(?:@[\w>]+)?)[,\]]")

SVC_PASTE = [
    "$ kubectl get svc -n shop web",
    "NAME   TYPE        CLUSTER-IP    EXTERNAL-IP   PORT(S)   AGE",
    "web    ClusterIP   198.19.0.80   <none>        80/TCP    5d",
    "$ kubectl get endpoints -n shop web",
    "NAME   ENDPOINTS          AGE",
    "web    198.18.2.31:8080   5d",
]

WORDS = {
    "en": {"prompt": "answer> ", "paste": "Paste the output", "stopped": "Stopped: ", "report": "== Full report ==", "back": "went back one step",
           "empty": "Type an answer", "bad": "Not an answer here", "took": "Taken from the paste", "summary": "== Summary ==", "resume": "Resume with: podnet triage --facts"},
    "zh": {"prompt": "回答> ", "paste": "请粘贴输出", "stopped": "结束：", "report": "== 完整报告 ==", "back": "已返回上一步",
           "empty": "请输入回答", "bad": "这里没有该答案", "took": "从粘贴内容中获得", "summary": "== 小结 ==", "resume": "继续排障：podnet triage --facts"},
}


def spawn(*args: str, cwd) -> pexpect.spawn:
    env = dict(os.environ, TERM="dumb", PYTHONDONTWRITEBYTECODE="1", PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    child = pexpect.spawn(sys.executable, ["-m", "podnet", "triage", *args], env=env, cwd=str(cwd), encoding="utf-8", timeout=90, dimensions=(50, 250))
    return child


def ask(child, prompt: str) -> str:
    """Wait for the prompt; return what was shown before it (ANSI removed)."""
    child.expect(prompt)
    return ANSI.sub("", child.before)


def key_of(shown: str) -> str:
    """The key of the last question shown: [symptom], [context:backends], [tcp_connect@source_pod, ...]."""
    return list(KEY.finditer(shown))[-1].group(1)


def run_ticket(lang: str, tmp_path, replies: dict[str, str], first_steps: list[str], case: str, paste_at: str | None = None):
    """Drive a session: ``first_steps`` typed at the first prompts, then each question answered from
    ``replies`` by key ("u" otherwise); a paste of the Service's listing at ``paste_at``. Returns the
    transcript after the stop, the saved facts, and the keys asked."""
    W = WORDS[lang]
    saved = tmp_path / f"{case}.json"
    child = spawn("--lang", lang, "--case-id", case, "--save", str(saved), cwd=tmp_path)
    asked = []
    for text in first_steps:
        asked.append(key_of(ask(child, W["prompt"])))
        child.send(text + "\r")
    steps = 0
    while True:
        i = child.expect([W["prompt"], W["stopped"]])
        if i == 1:
            break
        key = key_of(ANSI.sub("", child.before))
        asked.append(key)
        steps += 1
        assert steps < MAX_STEPS, f"triage did not stop: {asked}"
        if key == paste_at:
            child.send("p\r")
            child.expect(W["paste"])
            time.sleep(0.3)
            child.send("\r".join(SVC_PASTE) + "\r.\r")
            child.expect(W["took"])
            continue
        child.send(replies.get(key, "u") + "\r")
    child.expect(W["report"])
    child.expect(pexpect.EOF)
    tail = ANSI.sub("", child.before)
    child.close()
    assert child.exitstatus == 0, tail
    return tail, load_facts(saved), asked


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_ticket_clusterip_times_out_reaches_kube_proxy_no_rules(lang, tmp_path):
    """The issue's ticket: the Pod reaches the backend Pod IP, the ClusterIP times out; the node has
    no kube-proxy rules for the Service."""
    W = WORDS[lang]
    saved = tmp_path / "kp.json"
    child = spawn("--lang", lang, "--case-id", "T-KP", "--save", str(saved), cwd=tmp_path)
    shown = ask(child, W["prompt"])
    assert key_of(shown) == "symptom" and "7)" in shown  # the five classes, something else, paste
    child.send("\r")  # empty
    assert W["empty"] in ask(child, W["prompt"])
    child.send("99\r")  # out of range
    assert W["bad"] in ask(child, W["prompt"])
    child.send("6\r")  # something else
    assert key_of(ask(child, W["prompt"])) == "context:source_kind"
    child.send("1\r")  # a Pod
    assert key_of(ask(child, W["prompt"])) == "context:destination_kind"
    child.send("service\r")
    shown = ask(child, W["prompt"])
    # what backs the Service is needed before any question about the backend; its name first (the command names it)
    assert key_of(shown) == "context:destination_name"
    child.send("b\r")  # back, not a Service name
    shown = ask(child, W["prompt"])
    assert W["back"] in shown and key_of(shown) == "context:destination_kind"
    child.send("service\r")
    assert key_of(ask(child, W["prompt"])) == "context:destination_name"
    child.send("shop/web\r")
    shown = ask(child, W["prompt"])
    assert key_of(shown) == "context:backends" and "kubectl get endpoints -n shop web" in shown
    child.send("shop/web\r")  # not an address: refused, asked again
    assert key_of(ask(child, W["prompt"])) == "context:backends"
    child.send("198.18.2.31:8080\r")
    replies = {"context:destination": "198.19.0.80:80", "tcp_connect@source_pod": "service_fails_pod_works", "service_rules@source_node": "missing"}
    asked = []
    while True:
        i = child.expect([W["prompt"], W["stopped"]])
        if i == 1:
            break
        shown = ANSI.sub("", child.before)
        key = key_of(shown)
        asked.append(key)
        assert len(asked) < MAX_STEPS, asked
        if key.startswith(("ping@", "mtu_probe@")):
            block = re.split(r"(?:Question|问题) \d+ — ", shown)[-1]
            assert "198.19.0.80" not in block, "a ClusterIP is never pinged"
        child.send(replies.get(key, "u") + "\r")
    child.expect(W["report"])
    summary = ANSI.sub("", child.before)
    child.expect(pexpect.EOF)
    tail = ANSI.sub("", child.before)
    child.close()
    assert child.exitstatus == 0, tail
    assert "kube_proxy_no_rules" in tail and "Traceback" not in tail
    assert W["summary"] in summary and W["resume"] in summary
    facts = load_facts(saved)
    assert facts.case.id == "T-KP" and facts.case.symptom is None
    assert [(b.ip, b.port) for b in facts.endpoints.destination.backends] == [("198.18.2.31", 8080)]
    assert {(o.kind, getattr(o, "target", None), getattr(o, "result", None)) for o in facts.observations if o.kind == "tcp_connect"} == {
        ("tcp_connect", "198.18.2.31", "connected"),
        ("tcp_connect", "198.19.0.80", "timeout"),
    }
    assert any(o.kind == "service_rules" and o.complete is False for o in facts.observations)
    assert facts.cluster.cni == "unknown" and facts.cluster.nodes == []  # nothing nobody said


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_ticket_with_pasted_service_listing(lang, tmp_path):
    """The same ticket, the backends pasted (kubectl get svc / get endpoints) at the prompt that asks for them."""
    replies = {"context:destination_name": "shop/web", "tcp_connect@source_pod": "service_fails_pod_works", "service_rules@source_node": "missing"}
    tail, facts, asked = run_ticket(lang, tmp_path, replies, ["1", "1", "service"], "T-PASTE", paste_at="context:backends")
    assert asked.index("context:destination_name") < asked.index("context:backends")
    assert "kube_proxy_no_rules" in tail
    assert "context:destination" not in asked  # the paste gave the ClusterIP too: not asked again
    assert (facts.endpoints.destination.ip, facts.endpoints.destination.port) == ("198.19.0.80", 80)
    assert facts.case.symptom == "network_unreachable"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_dns_ticket_reaches_dns_service_down(lang, tmp_path):
    """"Names do not resolve from the Pod; nslookup times out; CoreDNS has no Ready Pod"."""
    replies = {"context:dns_name": "web.shop.svc.cluster.local", "dns_lookup@source_pod": "timeout", "dns_service@control_plane": "down"}
    tail, facts, asked = run_ticket(lang, tmp_path, replies, ["3", "1", "service"], "T-DNS")
    assert "dns_service_down" in tail
    assert "dns_service@control_plane" in asked and len(asked) <= 12, asked
    assert facts.case.symptom == "dns_failure"
    # a value of the case is asked only for a question that needs it: the name for the lookup
    assert ("context:dns_name" in asked) == ("dns_lookup@source_pod" in asked), asked
    if "dns_lookup@source_pod" in asked:
        assert asked.index("context:dns_name") < asked.index("dns_lookup@source_pod")
        lookup = next(o for o in facts.observations if o.kind == "dns_lookup")
        assert (lookup.name, lookup.result) == ("web.shop.svc.cluster.local", "timeout")
    dns = next(o for o in facts.observations if o.kind == "dns_service")
    assert dns.pods_ready == 0 and dns.endpoints == [] and dns.pods_total is None  # no invented count


@pytest.mark.parametrize("how, where", [("ctrl-c", "value"), ("eof", "value"), ("q", "value"), ("ctrl-c", "paste"), ("eof", "symptom-answered")])
def test_interrupt_saves_and_says_how_to_resume(how, where, tmp_path):
    child = spawn("--case-id", "T/INT 1", cwd=tmp_path)
    child.expect("answer> ")
    child.send("3\r")  # DNS
    if where != "symptom-answered":
        child.expect("answer> ")
        child.send("1\r")
        child.expect("answer> ")
        child.send("service\r")
        child.expect("answer> ")
    else:
        child.expect("answer> ")
    if where == "paste":
        child.send("p\r")
        child.expect("Paste the output")
    time.sleep(0.5)  # let the prompt take the terminal (raw mode), as it has by the time a person types
    if how == "ctrl-c":
        child.sendcontrol("c")
    elif how == "eof":
        child.sendeof()
    else:
        child.send("q\r")
    if where == "paste" and how == "ctrl-c":
        pass
    child.expect(pexpect.EOF)
    out = ANSI.sub("", child.before)
    child.close()
    assert child.exitstatus == 130, out
    assert "Traceback" not in out
    saved = tmp_path / "podnet-triage-T_INT_1.json"
    assert "Resume with: podnet triage --facts podnet-triage-T_INT_1.json" in out
    data = json.loads(saved.read_text())
    if where == "symptom-answered":
        # the endpoints' kinds are not known yet: the session itself is saved, and resumes there
        assert data["head"]["case"]["symptom"] == "dns_failure"
    else:
        assert load_facts(saved).case.symptom == "dns_failure"
    child = spawn("--facts", str(saved), cwd=tmp_path)
    shown = ask(child, "answer> ")
    assert key_of(shown) != "symptom"  # resumed where it was
    time.sleep(0.5)  # the prompt takes the terminal (raw mode) after it is printed: a ^C sooner is only echoed
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()


def test_interrupt_before_any_answer_saves_nothing(tmp_path):
    child = spawn(cwd=tmp_path)
    child.expect("answer> ")
    time.sleep(0.5)
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    out = ANSI.sub("", child.before)
    child.close()
    assert child.exitstatus == 130
    assert "Interrupted before any answer: nothing to save." in out and "Traceback" not in out
    assert list(tmp_path.iterdir()) == []


def test_garbage_paste_is_refused_and_the_question_stays(tmp_path):
    child = spawn("--case-id", "T-GARBAGE", cwd=tmp_path)
    child.expect("answer> ")
    child.send("p\r")
    child.expect("Paste the output")
    time.sleep(0.3)
    child.send("lorem ipsum\rdolor sit amet\r.\r")
    shown = ask(child, "answer> ")
    assert "Nothing in the paste could be used" in shown and key_of(shown) == "symptom"
    time.sleep(0.5)  # as above: let the prompt take the terminal before ^C
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    assert "Traceback" not in ANSI.sub("", child.before)


@pytest.mark.parametrize("lang, how", [("zh", "ctrl-c"), ("en", "eof")])
def test_bad_input_at_an_observation_question_then_interrupt(lang, how, tmp_path):
    """At an observation question (not only the opening one): a number out of range, an empty
    answer, a paste podnet cannot read, each one line in the session's language with the same
    question again; then Ctrl-C or end of input saves the fact file and says how to resume."""
    W = WORDS[lang]
    nothing = {"en": "Nothing in the paste could be used", "zh": "粘贴的内容无法使用"}[lang]
    interrupted = {"en": "Interrupted: ", "zh": "已中断："}[lang]
    child = spawn("--lang", lang, "--case-id", "T-BAD", cwd=tmp_path)
    for reply in ("3", "1", "service"):  # DNS, from a Pod, to a Service
        ask(child, W["prompt"])
        child.send(reply + "\r")
    key = key_of(ask(child, W["prompt"]))
    for _ in range(MAX_STEPS):
        if "@" in key:
            break
        child.send("u\r")
        key = key_of(ask(child, W["prompt"]))
    assert "@" in key, key
    child.send("99\r")
    shown = ask(child, W["prompt"])
    assert W["bad"] in shown and key_of(shown) == key
    child.send("\r")
    shown = ask(child, W["prompt"])
    assert W["empty"] in shown and key_of(shown) == key
    child.send("p\r")
    child.expect(W["paste"])
    time.sleep(0.3)
    child.send("lorem ipsum\r\x1b[31m#!@ 1.2.3\r.\r")
    shown = ask(child, W["prompt"])
    assert nothing in shown and key_of(shown) == key
    time.sleep(0.5)
    if how == "ctrl-c":
        child.sendcontrol("c")
    else:
        child.sendeof()
    child.expect(pexpect.EOF)
    out = ANSI.sub("", child.before)
    child.close()
    assert child.exitstatus == 130, out
    assert "Traceback" not in out and interrupted in out
    assert f"{W['resume']} podnet-triage-T-BAD.json" in out
    facts = load_facts(tmp_path / "podnet-triage-T-BAD.json")
    assert facts.case.symptom == "dns_failure" and facts.endpoints.destination.kind == "service"
