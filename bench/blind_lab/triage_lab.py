#!/usr/bin/env python3
"""``podnet triage`` from a ticket's first sentence, driven by a simulated customer in the blind lab.

For each fault of faults.yaml: a fresh lab (lab.py), the fault injected, the lab's own probes
(lab.check) run, then a triage session started from ONE fixed sentence
(:data:`SENTENCE`, the same for every fault) and answered until it stops:

* "What fails?": the class :func:`symptom_class` reads from the lab's own probes (not from the
  fault's expected cause);
* a value of the case: what a ``kubectl get`` would show in this lab (:data:`CONTEXT`, from the
  lab's README/topology; the same for every fault);
* a check: the printed command is run in the lab when it is read-only and runnable there
  (readonly.py: only the place is rewritten), and its real output is pasted back
  (``answer(paste=...)``); when nothing of it can run, or the paste is refused or does not answer
  the question, "don't know" (mode ``strict``) or, in mode ``choose``, the option podnet's own
  reading of that output maps to at the asked place (:func:`chosen_option`), else "don't know";
* a contradiction: "now" (the latest real output).

Results: out-triage/<fault>.<mode>.md (the whole conversation), out-triage/results.json;
TRIAGE.md (method and figures). Run as root; safety as lab.py (only its namespaces, addresses in
198.19.128.0/17, the lab destroyed after each fault in ``finally``).

Usage: python3 bench/blind_lab/triage_lab.py [FAULT ...] [--mode strict --mode choose] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import lab as L  # noqa: E402
import readonly as R  # noqa: E402

SENTENCE = "the client Pod cannot reach web.default.svc.cluster.local"
LIMIT = 80
"""Prompts after which a session is cut off (none reached it in the runs reported)."""

CONTEXT = {
    # what `kubectl get` would show in this lab (README.md's topology); the same for every fault
    "source_kind": "pod",  # the sentence: "the client Pod"
    "destination_kind": "service",  # the sentence: a Service's DNS name
    "destination": "198.19.224.50:80",
    "destination_port": "80",
    "backends": "198.19.130.10:8080",
    "destination_name": "default/web",
    "dns_name": "web.default.svc.cluster.local",
    "source_pod": "default/client",
    "source_ip": "198.19.129.21",  # README's topology: client .21 on node-a's cni0 (kubectl get pods -o wide); asked since session 12
    "source_node": "node-a",
    "source_node_ip": "198.19.250.1",
    "destination_node": "node-b",
    "destination_node_ip": "198.19.250.2",
    "source_nic": "eth0",
    "destination_nic": "eth0",
    "source_pod_cidr": "198.19.129.0/24",
    "destination_pod_cidr": "198.19.130.0/24",
    "pod_cidr": "198.19.128.0/18",
    "cni": "flannel",
    "cni_mode": "host-gw",
    "kube_proxy_mode": "iptables",
    "dns_service_ip": "198.19.224.10",
}

VANTAGE_PLACE = {
    "source_pod": "client",
    "destination_pod": "web",
    "source_node": "node-a",
    "destination_node": "node-b",
    "other_node": "node-c",  # the node that is neither the client's nor the backend's
    "other_pod": "batch",  # another Pod on the client's node
}
PODS = set(L.PODS)


def symptom_class(check: dict[str, str]) -> str:
    """The guide's class a customer picks from the lab's own probes (lab.check, from the client
    Pod), mechanically, in this order: the name does not resolve (dig via resolv.conf fails or
    prints nothing) -> dns_failure; HTTP to the ClusterIP works and a DF 1472-byte ping to the web
    Pod is lost -> large_packet_loss; HTTP to the ClusterIP works -> other (nothing fails);
    a small ping to the web Pod is lost -> network_unreachable; else (ping answers, TCP fails)
    -> port_unreachable."""

    def ok(key: str) -> bool:
        v = check.get(key, "")
        return v.startswith("rc=0")

    dns = check.get("dns-resolvconf", "")
    if not ok("dns-resolvconf") or dns.strip() == "rc=0":
        return "dns_failure"
    http_ok = ok("http-clusterip") and " 200 " in check.get("http-clusterip", "") + " "
    if http_ok and not ok("ping-1472-df"):
        return "large_packet_loss"
    if http_ok:
        return "other"
    if not ok("ping-small"):
        return "network_unreachable"
    return "port_unreachable"


def prompt_line(part: R.Part, place: str) -> str:
    """The shell prompt the customer's terminal shows before ``part``'s command line."""
    words = part.line.split()
    if words[:2] == ["kubectl", "exec"] or (words[:1] == ["for"] and "kubectl exec" in part.line):
        return f"$ {part.line}"
    if place in L.PODS:
        if words and words[0] == "nsenter":
            return f"[root@{L.PODS[place][0]} ~]# {part.line}"  # on the Pod's node
        return f"root@{place}:/# {part.line}"
    return f"[root@{place} ~]# {part.line}"


def build_paste(parts: list[R.Part], bare: bool = False) -> str:
    """What the customer pastes: each statement's prompt and command line, then its output as the
    terminal showed it; ``bare``: the outputs only (a customer who copies what came back)."""
    lines: list[str] = []
    last_line = None
    for p in parts:
        if p.status != "run" or p.rc is None:
            continue
        if p.line != last_line and not bare:
            lines.append(prompt_line(p, p.place or "?"))
            last_line = p.line
        out = p.output.rstrip("\n")
        if out:
            lines.append(out)
    return "\n".join(lines) + "\n"


def chosen_option(session: Any, prompt: Any, paste: str, name: str) -> tuple[str | None, str]:
    """Mode ``choose``: the option podnet's own reading of ``paste`` maps to at the asked place:
    ingest's observations of the asked kind, placed where the command ran (the question's
    vantage), given to the answer matcher of the session (answer_for_group); (option, why)."""
    from podnet.triage.answers import answer_for_group
    from podnet.triage.paste import PasteError, read_paste
    from podnet.triage.questions import knowledge

    kind = prompt.key.partition("@")[0]
    try:
        reading = read_paste(paste, session.head, name)
    except PasteError as exc:
        return None, f"ingest refused the output: {exc.message}"
    except Exception as exc:  # noqa: BLE001 - an ingest crash is a finding too
        return None, f"ingest crashed: {type(exc).__name__}: {exc}"
    group = [o for o in reading.observations if o.kind == kind]
    if not group:
        kinds = sorted({o.kind for o in reading.observations})
        return None, f"ingest read no {kind} observation (read: {', '.join(kinds) or 'nothing'})"
    base = (prompt.at or "").partition(">")[0]
    group = [o.model_copy(update={"at": base}) for o in group]
    meta = knowledge(session.rule_dirs).observation_kinds[kind]
    try:
        aid = answer_for_group(meta, prompt.at, group, session.facts)
    except Exception as exc:  # noqa: BLE001
        return None, f"answer matcher failed: {type(exc).__name__}: {exc}"
    if aid is None or aid not in {o.id for o in prompt.options}:
        return None, f"podnet's reading maps to no single option ({aid})"
    return aid, f"podnet's reading of the output ({len(group)} {kind} observation(s)) maps to {aid!r}"


def run_session(lab: L.Lab, mode: str, symptom: str, fault: str) -> dict[str, Any]:
    from podnet.triage.session import AnswerError, TriageSession

    s = TriageSession.start(case_id=f"lab-{fault}-{mode}", summary=SENTENCE)
    steps: list[dict[str, Any]] = []
    findings: list[dict[str, Any]] = []
    t0 = time.monotonic()
    stopped = "stopped"
    for n in range(1, LIMIT + 1):
        p = s.current_question()
        if p is None:
            break
        step: dict[str, Any] = {"n": n, "type": p.type, "key": p.key, "title": p.title, "text": p.text,
                                "command": p.command, "run_in": p.run_in, "at": p.at,
                                "options": [o.id for o in p.options]}
        steps.append(step)
        try:
            if p.type == "symptom":
                step["answer"] = symptom
                s.answer(symptom)
            elif p.type == "context":
                slot = p.key.partition(":")[2]
                value = CONTEXT.get(slot, "unknown")
                step["answer"] = value
                try:
                    s.answer(value)
                except AnswerError as exc:
                    step["answer_error"] = str(exc)
                    findings.append({"what": "context value refused", "key": p.key, "value": value, "error": str(exc)})
                    s.answer("unknown")
                    step["answer"] = f"{value} (refused) -> unknown"
            elif p.type == "conflict":
                step["answer"] = "now"
                s.answer("now")
            else:
                _observation(s, p, step, lab, mode, findings, n)
        except Exception as exc:  # noqa: BLE001 - a crash of the session is a finding; stop this one
            step["crash"] = f"{type(exc).__name__}: {exc}"
            step["traceback"] = traceback.format_exc()
            findings.append({"what": "session crash", "key": p.key, "error": step["crash"]})
            stopped = "crash"
            break
    else:
        stopped = "limit"
    seconds = round(time.monotonic() - t0, 1)
    rank = s.ranking()
    out = {
        "fault": fault, "mode": mode, "symptom": symptom, "prompts": len(steps),
        "observation_prompts": sum(1 for st in steps if st["type"] == "observation"),
        "pastes": sum(1 for st in steps if st.get("paste")),
        "pastes_answered": sum(1 for st in steps if st.get("paste_answered")),
        "chosen": sum(1 for st in steps if st.get("chosen")),
        "stop_reason": rank.stop_reason if stopped == "stopped" else stopped,
        "confident": bool(rank.confident),
        "posterior": [(b.id, round(b.posterior, 3)) for b in rank.beliefs[:5]],
        "rules": [(c.id, round(c.confidence, 3)) for c in rank.rules[:5]],
        "seconds": seconds, "steps": steps, "findings": findings,
    }
    try:
        out["facts"] = s.facts.to_json_dict()
    except Exception:  # noqa: BLE001
        out["facts"] = None
    return out


def _observation(s: Any, p: Any, step: dict[str, Any], lab: L.Lab, mode: str,
                 findings: list[dict[str, Any]], n: int) -> None:
    from podnet.triage.session import AnswerError

    place = VANTAGE_PLACE.get((p.at or "").partition(">")[0])
    filled, missing = R.fill(p.command or "")
    parts = R.plan(filled, place, PODS) if p.command else []
    R.run_parts(parts, {x: lab.ns(x) for x in [*L.PODS, *L.NODES]})
    step["filled"] = filled
    step["missing_values"] = missing
    step["parts"] = [{"text": x.text, "place": x.place, "status": x.status, "reason": x.reason,
                      "rc": x.rc, "argv": x.argv_run} for x in parts]
    ran = [x for x in parts if x.status == "run" and x.rc is not None]
    if not ran:
        step["answer"] = "unknown"
        step["why"] = "nothing of the command can run in the lab: " + "; ".join(
            f"{x.text[:60]}: {x.reason}" for x in parts) if parts else "no command printed"
        s.answer("unknown")
        return
    paste = build_paste(parts, bare=mode.endswith("-bare"))
    if not paste.strip():
        step["answer"] = "unknown"
        step["why"] = "the command printed nothing"
        s.answer("unknown")
        return
    step["paste"] = paste
    name = f"paste-{len(s.log) + 1}.txt"
    choice_from = paste
    try:
        outcome = s.answer(paste=paste)
        step["paste_answered"] = outcome.answered
        step["recorded"] = outcome.recorded
        step["warnings"] = outcome.warnings
        if outcome.warnings:
            findings.append({"what": "paste warnings", "key": p.key, "n": n,
                             "command": [x.line for x in ran], "warnings": outcome.warnings})
        if not outcome.answered:
            findings.append({"what": "paste taken but did not answer the question", "key": p.key, "n": n,
                             "command": [x.line for x in ran], "recorded": outcome.recorded})
    except AnswerError as exc:
        step["paste_error"] = str(exc)
        step["paste_answered"] = False
        findings.append({"what": "ingest failure", "key": p.key, "n": n, "command": [x.line for x in ran],
                         "first_lines": paste.splitlines()[:6], "error": str(exc), "error_key": exc.key})
    nxt = s.current_question()
    if step["paste_answered"] or nxt is None or nxt.key != p.key:
        return
    # the question is still open
    if mode.startswith("choose"):
        aid, why = chosen_option(s, p, choice_from, name)
        step["choose_why"] = why
        if aid is not None:
            step["answer"] = aid
            step["chosen"] = True
            s.answer(aid)
            return
    step["answer"] = "unknown"
    s.answer("unknown")


ADDED_AFTER_RUN = {
    # causes mapping.yaml (written before podnet's later knowledge) does not judge, judged after the
    # run from `podnet explain CAUSE`, as mapping.yaml's header asks
    "stale-endpoint": ["service_endpoints_stale"],  # "The Service's endpoints point at an address no
    # running Pod holds (stale endpoints)": exactly faults.yaml's expected cause (added to kb/causes
    # after mapping.yaml was written)
}


def load_mapping() -> dict[str, list[str]]:
    data = yaml.safe_load((HERE / "mapping.yaml").read_text()) or {}
    out = {k: list((v or {}).get("podnet_causes") or []) for k, v in data.items()}
    for fault, extra in ADDED_AFTER_RUN.items():
        out[fault] = out.get(fault, []) + extra
    return out


def score(res: dict[str, Any], mapping: dict[str, list[str]]) -> dict[str, Any]:
    """reached: triage stopped confident on a cause the mapping counts (the control: stopped
    without a confident cause); confident_wrong: confident on another cause (the control: on any);
    no_cause: stopped without a confident cause (a fault)."""
    ok = set(mapping.get(res["fault"]) or [])
    concluded = res["posterior"][0][0] if res["confident"] and res["posterior"] else None
    if res["fault"] == "none":
        reached = concluded is None
        wrong = concluded is not None
    else:
        reached = concluded in ok
        wrong = concluded is not None and concluded not in ok
    rules_top3 = any(c[0] in ok for c in res["rules"][:3])
    post_top3 = any(c[0] in ok for c in res["posterior"][:3])
    return {"concluded": concluded, "reached": reached, "confident_wrong": wrong,
            "no_cause": concluded is None, "right_in_rules_top3": rules_top3,
            "right_in_posterior_top3": post_top3}


def transcript(res: dict[str, Any], sc: dict[str, Any], lab_check: dict[str, str]) -> str:
    o = [f"# {res['fault']} ({res['mode']})", "",
         f"Sentence: \"{SENTENCE}\"; lab probes after injection: `{json.dumps(lab_check)}` -> "
         f"symptom `{res['symptom']}`.", "",
         f"Stopped: {res['stop_reason']} after {res['prompts']} prompts ({res['observation_prompts']} checks, "
         f"{res['pastes']} pastes, {res['pastes_answered']} answered by the paste, {res['chosen']} chosen); "
         f"{res['seconds']} s.", "",
         f"Concluded: {sc['concluded'] or '(no confident cause)'}; reached {sc['reached']}, "
         f"confident wrong {sc['confident_wrong']}.", "",
         f"Posterior at the stop: {res['posterior']}", "", f"Rule engine at the stop: {res['rules']}", ""]
    for st in res["steps"]:
        o.append(f"## {st['n']}. `{st['key']}` ({st['type']})")
        o.append("")
        o.append(f"{st['title']}: {st['text']}")
        if st.get("command"):
            o.append("")
            o.append("Printed command:")
            o.append("```")
            o.append(st["command"])
            o.append("```")
        for part in st.get("parts", []):
            extra = f" ({part['reason']})" if part["reason"] else ""
            o.append(f"- `{part['text'][:160]}` at {part['place']}: {part['status']}{extra}"
                     + (f", rc={part['rc']}" if part["rc"] is not None else ""))
        if st.get("paste"):
            o.append("")
            o.append("Pasted:")
            o.append("```")
            o.append(st["paste"].rstrip("\n"))
            o.append("```")
            if st.get("paste_error"):
                o.append(f"**Paste refused:** {st['paste_error']}")
            for line in st.get("recorded") or []:
                o.append(f"- {line}")
            for w in st.get("warnings") or []:
                o.append(f"- warning: {w}")
        if st.get("why"):
            o.append(f"- {st['why']}")
        if st.get("choose_why"):
            o.append(f"- choose: {st['choose_why']}")
        if "answer" in st:
            o.append(f"- answer: `{st['answer']}`")
        if st.get("crash"):
            o.append(f"**CRASH:** {st['crash']}")
            o.append("```")
            o.append(st["traceback"])
            o.append("```")
        o.append("")
    return "\n".join(o) + "\n"


def report(results: list[dict[str, Any]]) -> str:
    """Markdown tables and the findings of a results.json."""
    order = list(L.FAULTS)
    o: list[str] = []
    for mode in ("strict", "choose", "strict-bare", "choose-bare"):
        rows = sorted((r for r in results if r["mode"] == mode), key=lambda r: order.index(r["fault"]))
        if not rows:
            continue
        o.append(f"\n#### mode `{mode}`\n")
        o.append("| fault | symptom | prompts (checks / pastes / answered by paste / chosen) | stop | concluded | "
                 "posterior top 3 | rule engine top 3 | result |")
        o.append("|---|---|---|---|---|---|---|---|")
        for r in rows:
            sc = r["score"]
            post = ", ".join(f"`{c}` {p:.2f}" for c, p in r["posterior"][:3]) or "-"
            rules = ", ".join(f"`{c}` {p:.2f}" for c, p in r["rules"][:3]) or "(none)"
            if r["fault"] == "none":
                res = "right (no confident cause)" if sc["reached"] else "FALSE ALARM"
            elif sc["reached"]:
                res = "**reached**"
            elif sc["confident_wrong"]:
                res = "**confident wrong**"
            else:
                res = "no cause"
            o.append(f"| {r['fault']} | {r['symptom']} | {r['prompts']} ({r['observation_prompts']} / {r['pastes']} / "
                     f"{r['pastes_answered']} / {r['chosen']}) | {r['stop_reason']} | {sc['concluded'] or '-'} | {post} | "
                     f"{rules} | {res} |")
        faults = [r for r in rows if r["fault"] != "none"]
        ctrl = [r for r in rows if r["fault"] == "none"]
        n = len(faults)
        o.append("")
        o.append(f"Totals ({mode}, {n} faults): reached {sum(r['score']['reached'] for r in faults)}/{n}, "
                 f"confident wrong {sum(r['score']['confident_wrong'] for r in faults)}/{n}, "
                 f"no cause {sum(r['score']['no_cause'] for r in faults)}/{n}; right cause in the rule engine's "
                 f"top 3 at the stop {sum(r['score']['right_in_rules_top3'] for r in faults)}/{n}, in the "
                 f"posterior's top 3 {sum(r['score']['right_in_posterior_top3'] for r in faults)}/{n}"
                 + (f"; healthy control: {'no confident cause' if ctrl[0]['score']['reached'] else 'FALSE ALARM'}"
                    if ctrl else "")
                 + f"; {sum(r['seconds'] for r in rows):.0f} s in all.")
    return "\n".join(o) + "\n"


def findings_report(results: list[dict[str, Any]]) -> str:
    """Every refused paste and every paste taken that did not answer its question, grouped by
    error, with where it happened."""
    o: list[str] = []
    groups: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for r in results:
        for f in r["findings"]:
            if f["what"] == "ingest failure":
                err = re.sub(r"paste-\d+\.txt", "paste", f["error"].split(": ", 1)[-1])
                groups.setdefault(err, []).append((r["fault"], r["mode"], f))
    o.append("\n#### Pastes refused (ingest failures)\n")
    for err, items in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        f0 = items[0][2]
        keys = sorted({f["key"] for _, _, f in items})
        where = ", ".join(sorted({f"{fa}/{mo} #{f['n']}" for fa, mo, f in items})[:4])
        o.append(f"- **{err}** ({len(items)}x, questions {', '.join(keys)}; e.g. {where})")
        o.append(f"  - command: `{' ; '.join(f0['command'])[:300]}`")
        o.append("  - first lines: `" + " / ".join(x for x in f0["first_lines"][1:4])[:300] + "`")
    o.append("\n#### Pastes taken that did not answer the question asked\n")
    seen: dict[str, list[str]] = {}
    for r in results:
        for f in r["findings"]:
            if f["what"] == "paste taken but did not answer the question":
                took = sorted({m.group(0) for x in f["recorded"] for m in re.finditer(r"\b[a-z_]+@[a-z_]+", x)})
                key = f"{f['key']} -> read as " + ", ".join(took)
                seen.setdefault(key, []).append(f"{r['fault']}/{r['mode']} #{f['n']}")
    for k, v in sorted(seen.items(), key=lambda kv: -len(kv[1])):
        o.append(f"- `{k}` ({len(v)}x; e.g. {', '.join(v[:3])})")
    other = [(r["fault"], r["mode"], f) for r in results for f in r["findings"]
             if f["what"] not in ("ingest failure", "paste taken but did not answer the question", "paste warnings")]
    if other:
        o.append("\n#### Other\n")
        for fa, mo, f in other:
            o.append(f"- {fa}/{mo}: {f['what']} at {f['key']}: {f.get('error') or f.get('value')}")
    return "\n".join(o) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("faults", nargs="*")
    ap.add_argument("--mode", action="append", choices=["strict", "choose", "strict-bare", "choose-bare"])
    ap.add_argument("--out", default=str(HERE / "out-triage"))
    ap.add_argument("--report", action="store_true", help="print the tables and findings of OUT/results.json")
    args = ap.parse_args()
    if args.report:
        path = Path(args.out) / "results.json"
        res = json.loads(path.read_text())
        mapping = load_mapping()
        for r in res:  # scored again: ADDED_AFTER_RUN may have grown since the run
            r["score"] = score(r, mapping)
        path.write_text(json.dumps(res, indent=1))
        print(report(res) + findings_report(res))
        return 0
    if os.geteuid() != 0:
        print("triage_lab.py: must run as root", file=sys.stderr)
        return 2
    import signal

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that `finally` destroys the lab
    faults = args.faults or list(L.FAULTS)
    modes = args.mode or ["strict", "choose"]
    outdir = Path(args.out)
    outdir.mkdir(parents=True, exist_ok=True)
    mapping = load_mapping()
    results_path = outdir / "results.json"
    results: list[dict[str, Any]] = json.loads(results_path.read_text()) if results_path.exists() else []
    for fault in faults:
        lab = L.Lab(prefix=f"podnet-tri-{os.getpid()}")
        try:
            L.build(lab)
            healthy = L.check(lab)
            L.FAULTS[fault](lab)
            lab.fault = fault
            time.sleep(0.5)
            broken = L.check(lab)
            symptom = symptom_class(broken)
            for mode in modes:
                res = run_session(lab, mode, symptom, fault)
                res["lab_check_healthy"] = healthy
                res["lab_check_fault"] = broken
                sc = score(res, mapping)
                res["score"] = sc
                (outdir / f"{fault}.{mode}.md").write_text(transcript(res, sc, broken))
                results = [r for r in results if not (r["fault"] == fault and r["mode"] == mode)]
                results.append(res)
                results_path.write_text(json.dumps(results, indent=1))
                print(json.dumps({"fault": fault, "mode": mode, "symptom": symptom, "prompts": res["prompts"],
                                  "stop": res["stop_reason"], "post": res["posterior"][:3],
                                  "rules": res["rules"][:3], **sc, "s": res["seconds"]}), flush=True)
        finally:
            L.destroy(lab)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
