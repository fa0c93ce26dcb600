"""Benchmark the netfilter model on kube-proxy-sized dumps (parse once, trace the case's flows).

    python bench/bench_netfilter.py [--services 100,1000,5000] [--repeat 3]

A node's ``iptables-save`` grows with the Services kube-proxy programs: per Service port a
KUBE-SERVICES entry, a KUBE-SVC chain with a ``-m statistic`` rule per endpoint, and a KUBE-SEP
chain per endpoint (3 endpoints each here), behind Docker's FORWARD DROP, kube-proxy's INVALID
drop and flannel's accept rules. The report gives the dump size, the parse time and the time to
trace one flow to a ClusterIP and one to a Pod (best of ``--repeat``). Nothing here asserts.
"""

from __future__ import annotations

import argparse
import time

from podnet.netfilter import iptables_save
from podnet.netfilter.trace import Flow, trace


def dump(services: int) -> str:
    nat = ["*nat", ":PREROUTING ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", ":POSTROUTING ACCEPT [0:0]", ":KUBE-SERVICES - [0:0]",
           ":KUBE-MARK-MASQ - [0:0]", ":KUBE-NODEPORTS - [0:0]", "-A PREROUTING -j KUBE-SERVICES", "-A OUTPUT -j KUBE-SERVICES",
           "-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000"]
    for s in range(services):
        vip = f"10.96.{s // 250}.{s % 250 + 1}"
        svc = f"KUBE-SVC-{s:016d}"
        nat += [f":{svc} - [0:0]",
                f'-A KUBE-SERVICES -d {vip}/32 -p tcp -m comment --comment "ns/svc{s}:http cluster IP" -m tcp --dport 80 -j {svc}',
                f"-A {svc} ! -s 10.244.0.0/16 -d {vip}/32 -p tcp -m tcp --dport 80 -j KUBE-MARK-MASQ"]
        for e in range(3):
            sep = f"KUBE-SEP-{s:013d}{e:03d}"
            ip = f"10.244.{(s * 3 + e) // 250 % 250}.{(s * 3 + e) % 250 + 1}"
            prob = f" -m statistic --mode random --probability {1 / (3 - e):.11f}" if e < 2 else ""
            nat += [f":{sep} - [0:0]", f"-A {svc}{prob} -j {sep}", f"-A {sep} -s {ip}/32 -j KUBE-MARK-MASQ",
                    f"-A {sep} -p tcp -m tcp -j DNAT --to-destination {ip}:8080"]
    nat += ["-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS", "COMMIT"]
    flt = ["*filter", ":INPUT ACCEPT [0:0]", ":FORWARD DROP [0:0]", ":OUTPUT ACCEPT [0:0]", ":KUBE-FORWARD - [0:0]",
           "-A FORWARD -j KUBE-FORWARD", "-A FORWARD -s 10.244.0.0/16 -j ACCEPT", "-A FORWARD -d 10.244.0.0/16 -j ACCEPT",
           "-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP", "-A KUBE-FORWARD -m mark --mark 0x4000/0x4000 -j ACCEPT", "COMMIT"]
    return "\n".join(nat + flt) + "\n"


def best(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--services", default="100,1000,5000")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(f"{'services':>8} {'lines':>7} {'MB':>6} {'parse ms':>9} {'ClusterIP ms':>13} {'Pod ms':>7}")
    for n in (int(x) for x in args.services.split(",")):
        text = dump(n)
        parse_ms = best(lambda: iptables_save.parse(text), args.repeat)  # noqa: B023
        rs = iptables_save.parse(text)
        last_vip = f"10.96.{(n - 1) // 250}.{(n - 1) % 250 + 1}"
        svc_ms = best(lambda: trace(rs, Flow("10.244.9.9", last_vip, "tcp", 80)), args.repeat)  # noqa: B023
        pod_ms = best(lambda: trace(rs, Flow("10.244.9.9", "10.244.1.1", "tcp", 8080)), args.repeat)  # noqa: B023
        print(f"{n:>8} {text.count(chr(10)):>7} {len(text) / 1e6:>6.2f} {parse_ms:>9.0f} {svc_ms:>13.1f} {pod_ms:>7.1f}")


if __name__ == "__main__":
    main()
