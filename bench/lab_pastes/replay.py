"""Replay the blind lab's pastes (records.jsonl, see extract.py) at the question that printed their
command, in a session that knows the lab's values of the case, and count what podnet reads.

    python bench/lab_pastes/replay.py bench/lab_pastes/records.jsonl [--split tune|heldout|all] [--show refused|not_answers]

A record *answers* when the paste yields an observation that answers the asked question
(the session's own test, ``Outcome.answered``); *not_answers* when it is taken but answers
another question; *refused* when nothing in it is used (the message says why). The split is by
fault (HELDOUT_FAULTS), fixed before any reader was changed for it.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys

from podnet.errors import PodnetError
from podnet.triage.session import TriageSession

SENTENCE = "the client Pod cannot reach web.default.svc.cluster.local"
CONTEXT = {
    # bench/blind_lab/triage_lab.py's values: what `kubectl get` shows in that lab
    "source_kind": "pod", "destination_kind": "service", "destination": "198.19.224.50:80",
    "backends": "198.19.130.10:8080", "destination_name": "default/web", "dns_name": "web.default.svc.cluster.local",
    "source_pod": "default/client", "source_node": "node-a", "source_node_ip": "198.19.250.1",
    "destination_node": "node-b", "destination_node_ip": "198.19.250.2", "source_nic": "eth0", "destination_nic": "eth0",
    "source_pod_cidr": "198.19.129.0/24", "destination_pod_cidr": "198.19.130.0/24", "pod_cidr": "198.19.128.0/18",
    "cni": "flannel", "cni_mode": "host-gw", "kube_proxy_mode": "iptables", "dns_service_ip": "198.19.224.10",
}
HELDOUT_FAULTS = {"pod-port-reject", "rp-filter-asymmetric", "stale-endpoint", "dns-udp-dropped"}
"""Chosen 2026-12-06 20:10 UTC before any change made for these records; tuning reads only the others."""


def base_session() -> TriageSession:
    s = TriageSession.start("other", case_id="lab-paste", summary=SENTENCE)
    for slot, value in CONTEXT.items():
        try:
            s.provide(slot, value)
        except PodnetError:
            pass
    return s


def replay(rec: dict, base: dict) -> tuple[str, str]:
    s = TriageSession.from_state(json.loads(json.dumps(base)))
    try:
        out = s.paste(rec["paste"], question=rec["key"])
    except PodnetError as exc:
        return "refused", exc.message
    return ("answers" if out.answered else "not_answers"), " | ".join(out.recorded)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("records")
    ap.add_argument("--split", choices=["tune", "heldout", "all"], default="tune")
    ap.add_argument("--show", choices=["refused", "not_answers", "answers", "changed"], default=None)
    args = ap.parse_args()
    base = base_session().state()
    counts: collections.Counter[tuple[str, str]] = collections.Counter()
    for line in open(args.records, encoding="utf-8"):
        rec = json.loads(line)
        held = rec["fault"] in HELDOUT_FAULTS
        if args.split == "tune" and held or args.split == "heldout" and not held:
            continue
        got, detail = replay(rec, base)
        bare = "bare" if rec["mode"].endswith("bare") else "prompted"
        counts[(bare, got)] += 1
        if args.show == got or args.show == "changed" and got != rec["outcome"]:
            print(f"--- {rec['fault']}.{rec['mode']} {rec['key']} (lab: {rec['outcome']}) -> {got}: {detail[:300]}")
            print("    " + rec["paste"][:400].replace("\n", "\n    "))
    for bare in ("prompted", "bare"):
        n = sum(v for (b, _), v in counts.items() if b == bare)
        if n:
            parts = ", ".join(f"{k} {counts[(bare, k)]}" for k in ("answers", "not_answers", "refused"))
            print(f"{args.split} {bare}: {n} pastes: {parts}; answered {counts[(bare, 'answers')] / n:.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
