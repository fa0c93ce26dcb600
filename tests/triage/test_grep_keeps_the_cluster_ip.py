"""podnet's Service-rule check greps the nat table for the ClusterIP (`iptables -S -t nat | grep -e IP
-e KUBE-SEP`): every kube-proxy entry for the Service names that IP, so its absence from the
filtered output is the answer "no rule for the Service". The paste is real: the second blind-lab
run (2026-12-06, bench/blind_lab, fault service-rules-missing-source-node: the KUBE-SERVICES jump
removed on node-a, the KUBE-SVC and KUBE-SEP chains left), where podnet said "nothing concluded"."""

from __future__ import annotations

import contextlib

from podnet.triage.session import AnswerError, TriageSession

PASTE = r"""[root@node-a ~]# iptables -S -t nat | grep -e 198.19.224.50 -e KUBE-SEP
-N KUBE-SEP-4WOT5UHUXDOL6AZ7
-N KUBE-SEP-BU4Z6ORJIHODKZOU
-N KUBE-SEP-CPY3KRZHEQXOHPVB
-A KUBE-SEP-4WOT5UHUXDOL6AZ7 -s 198.19.131.53/32 -m comment --comment "kube-system/kube-dns:dns" -j KUBE-MARK-MASQ
-A KUBE-SEP-4WOT5UHUXDOL6AZ7 -p udp -m comment --comment "kube-system/kube-dns:dns" -m udp -j DNAT --to-destination 198.19.131.53:53
-A KUBE-SEP-BU4Z6ORJIHODKZOU -s 198.19.130.10/32 -m comment --comment "default/web:http" -j KUBE-MARK-MASQ
-A KUBE-SEP-BU4Z6ORJIHODKZOU -p tcp -m comment --comment "default/web:http" -m tcp -j DNAT --to-destination 198.19.130.10:8080
-A KUBE-SEP-CPY3KRZHEQXOHPVB -s 198.19.131.53/32 -m comment --comment "kube-system/kube-dns:dns-tcp" -j KUBE-MARK-MASQ
-A KUBE-SEP-CPY3KRZHEQXOHPVB -p tcp -m comment --comment "kube-system/kube-dns:dns-tcp" -m tcp -j DNAT --to-destination 198.19.131.53:53
-A KUBE-SVC-6JUILPYTZICRIJQV -m comment --comment "kube-system/kube-dns:dns-tcp -> 198.19.131.53:53" -j KUBE-SEP-CPY3KRZHEQXOHPVB
-A KUBE-SVC-7GVG35EYXDEMX7CT ! -s 198.19.128.0/18 -d 198.19.224.50/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ
-A KUBE-SVC-7GVG35EYXDEMX7CT -m comment --comment "default/web:http -> 198.19.130.10:8080" -j KUBE-SEP-BU4Z6ORJIHODKZOU
-A KUBE-SVC-CUMPXCSXXRJVGDTW -m comment --comment "kube-system/kube-dns:dns -> 198.19.131.53:53" -j KUBE-SEP-4WOT5UHUXDOL6AZ7
"""
ENTRY = ('-A KUBE-SERVICES -d 198.19.224.50/32 -p tcp -m comment --comment "default/web:http cluster IP" '
         "-m tcp --dport 80 -j KUBE-SVC-7GVG35EYXDEMX7CT\n")


def _session() -> TriageSession:
    s = TriageSession.start("port_unreachable", case_id="lab", summary="the client Pod cannot reach web.default.svc.cluster.local")
    for slot, value in {"source_kind": "pod", "destination_kind": "service", "destination": "198.19.224.50:80",
                        "backends": "198.19.130.10:8080", "source_pod": "default/client", "source_node": "node-a",
                        "cni": "flannel", "kube_proxy_mode": "iptables"}.items():
        s.provide(slot, value)
    return s


def _rules(s: TriageSession) -> list:
    return [o for o in s.facts.observations if o.kind == "service_rules"]


def test_the_cluster_ip_grepped_without_a_kube_services_entry_is_no_rule():
    s = _session()
    out = s.paste(PASTE, question="service_rules@source_node")
    assert out.answered
    [r] = _rules(s)
    assert (r.at, r.kube_services_entry) == ("source_node", False)


def test_near_miss_with_the_entry_the_chain_is_there():
    s = _session()
    lines = PASTE.splitlines(keepends=True)
    s.paste("".join([lines[0], ENTRY, *lines[1:]]), question="service_rules@source_node")
    [r] = _rules(s)
    assert r.kube_services_entry is True and r.svc_chain is True


def test_near_miss_a_grep_that_does_not_keep_the_ip_concludes_nothing():
    s = _session()
    text = PASTE.replace("grep -e 198.19.224.50 -e KUBE-SEP", "grep KUBE-SEP")
    with contextlib.suppress(AnswerError):  # refused (nothing new) or taken without a rule reading
        s.paste(text, question="service_rules@source_node")
    assert not _rules(s)
