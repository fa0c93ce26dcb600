"""Ubuntu's ufw read from ``ufw status [verbose]`` and weighed: active with its default for routed
traffic "deny" drops what the node forwards for its Pods unless rules allow it
(canonical/microk8s#68, fr8r/fr8r-ansible#107: "Default: allow (incoming), allow (outgoing), deny
(routed)" on the worker whose Pods could not be reached)."""

from __future__ import annotations

from pathlib import Path

from podnet import diagnose
from podnet.inputs.commands import parse_command
from podnet.inputs.ingest import ingest

VERBOSE = """[root@node-b ~]# ufw status verbose
Status: active
Logging: on (low)
Default: allow (incoming), allow (outgoing), deny (routed)
New profiles: skip

To                         Action      From
--                         ------      ----
22/tcp on eth1             ALLOW IN    Anywhere
22/tcp (v6) on eth1        ALLOW IN    Anywhere (v6)
"""
PING = """/ # ping -c 3 198.18.2.20
PING 198.18.2.20 (198.18.2.20): 56 data bytes

--- 198.18.2.20 ping statistics ---
3 packets transmitted, 0 packets received, 100% packet loss
/ # nc -zv -w 3 198.18.2.20 8080
nc: 198.18.2.20 (198.18.2.20:8080): Operation timed out
"""
CONTEXT = {"endpoints": {"source": {"kind": "pod", "name": "client", "namespace": "default", "node": "node-a"},
                         "destination": {"kind": "pod", "ip": "198.18.2.20", "port": 8080, "node": "node-b"}}}


def _facts(tmp_path: Path, text: str):
    (tmp_path / "t.txt").write_text(text)
    return ingest(tmp_path / "t.txt", CONTEXT).facts


def _ufw(facts) -> list[tuple[str, bool | None, str | None]]:
    return [(o.at, o.ufw_active, o.ufw_routed_policy) for o in facts.observations if o.kind == "firewall" and o.ufw_active is not None]


def test_ufw_status_is_its_own_command() -> None:
    assert parse_command("sudo ufw status verbose").family == "ufw"
    assert parse_command("ufw allow 22/tcp").family is None  # near miss: a change, not a reading


def test_verbose_status_gives_the_routed_default_and_weighs_for_the_firewall(tmp_path: Path) -> None:
    facts = _facts(tmp_path, PING + VERBOSE)
    assert _ufw(facts) == [("destination_node", True, "deny")]
    d = diagnose(facts)
    top = d.causes[0] if d.causes else None
    assert top is not None and top.id == "iptables_blocks_traffic", [(c.id, c.confidence) for c in d.causes]
    assert top.confidence < 0.8  # ufw's own rules (or the CNI's) may still let the Pods' traffic through


def test_near_misses_inactive_or_routed_allowed(tmp_path: Path) -> None:
    inactive = _facts(tmp_path, PING + "[root@node-b ~]# ufw status\nStatus: inactive\n")
    assert _ufw(inactive) == [("destination_node", False, None)]
    assert not any(c.id == "iptables_blocks_traffic" for c in diagnose(inactive).causes)
    allowed = _facts(tmp_path, PING + VERBOSE.replace("deny (routed)", "allow (routed)"))
    assert _ufw(allowed) == [("destination_node", True, "allow")]
    assert not any(c.id == "iptables_blocks_traffic" for c in diagnose(allowed).causes)


def test_plain_status_says_active_without_a_routed_default(tmp_path: Path) -> None:
    plain = "[root@node-b ~]# ufw status\nStatus: active\n\nTo                         Action      From\n--                         ------      ----\n22/tcp                     ALLOW       Anywhere\n"
    facts = _facts(tmp_path, PING + plain)
    assert _ufw(facts) == [("destination_node", True, None)]
    d = diagnose(facts)
    weights = [c.confidence for c in d.causes if c.id == "iptables_blocks_traffic"]
    assert weights and weights[0] < 0.5  # active, its routed default not shown: weaker than "deny (routed)"
