"""``ausearch -m avc`` in a paste: enforced AVC denials reach the node's firewall observation.

The record format is the audit log's (``type=AVC msg=audit(...): avc:  denied { ... } ... permissive=0``);
a denial logged with ``permissive=1`` was only logged, not enforced.
"""

from __future__ import annotations

from pathlib import Path

from .conftest import ingest_text, observations

DUMP = """*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
COMMIT
"""

AVC = ('type=AVC msg=audit(1795788104.512:4471): avc:  denied  {{ name_bind }} for  pid=2231 comm="flanneld" '
       'src=8472 scontext=system_u:system_r:spc_t:s0 tcontext=system_u:object_r:unreserved_port_t:s0 '
       'tclass=udp_socket permissive={p}')


def _session(ausearch_output: str) -> str:
    return (f"[root@node02 ~]# getenforce\nEnforcing\n[root@node02 ~]# iptables-save\n{DUMP}"
            f"[root@node02 ~]# ausearch -m avc -ts recent\n{ausearch_output}\n[root@node02 ~]# \n")


CONTEXT = {"endpoints": {"source": {"kind": "pod", "ip": "10.244.1.5"}, "destination": {"kind": "pod", "ip": "10.244.2.7", "port": 8472}}}


def _firewall(tmp_path: Path, ausearch_output: str) -> dict:
    result = ingest_text(tmp_path, _session(ausearch_output), CONTEXT)
    (fw,) = observations(result, "firewall")
    return fw


def test_enforced_denials_are_counted(tmp_path: Path) -> None:
    out = f"----\ntime->Thu Nov 26 14:01:44 2026\n{AVC.format(p=0)}\n----\ntime->Thu Nov 26 14:01:45 2026\n{AVC.format(p=0)}"
    fw = _firewall(tmp_path, out)
    assert fw["selinux"] == "enforcing" and fw["selinux_denials"] == 2


def test_no_matches_is_zero_denials(tmp_path: Path) -> None:
    assert _firewall(tmp_path, "<no matches>")["selinux_denials"] == 0


def test_permissive_denials_were_not_enforced(tmp_path: Path) -> None:
    assert _firewall(tmp_path, f"----\n{AVC.format(p=1)}")["selinux_denials"] == 0


def test_output_it_cannot_read_is_a_warning_not_a_count(tmp_path: Path) -> None:
    result = ingest_text(tmp_path, _session("Error opening config file (Permission denied)"), CONTEXT)
    (fw,) = observations(result, "firewall")
    assert fw["selinux_denials"] is None
    assert any(w.code == "ausearch_unknown" for w in result.warnings), result.warnings
