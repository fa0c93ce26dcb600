"""Calico IP pools read as the source NAT of Pod traffic to outside (``egress_nat``): the wide table's
NAT column and the YAML's ``natOutgoing``."""

from __future__ import annotations

from pathlib import Path

from podnet.inputs.ingest import ingest

from .conftest import observations

# projectcalico/calicoctl#2239 (the reporter's paste, verbatim)
WIDE = """mike@k8s-master-1:~$ calicoctl get ippools -o wide
NAME                  CIDR             NAT    IPIPMODE   VXLANMODE   DISABLED   SELECTOR
default-ipv4-ippool   192.168.0.0/23   true   Always     Never       false      all()
"""

YAML = """$ kubectl get ippools.crd.projectcalico.org -o yaml
apiVersion: v1
items:
- apiVersion: crd.projectcalico.org/v1
  kind: IPPool
  metadata:
    name: default-ipv4-ippool
  spec:
    blockSize: 26
    cidr: 198.18.0.0/16
    ipipMode: Never
    natOutgoing: false
    nodeSelector: all()
    vxlanMode: Never
- apiVersion: crd.projectcalico.org/v1
  kind: IPPool
  metadata:
    name: old-pool
  spec:
    cidr: 198.19.128.0/17
    disabled: true
    natOutgoing: true
kind: List
"""

PING = """$ kubectl exec -it client -- ping -c 2 203.0.113.10
PING 203.0.113.10 (203.0.113.10): 56 data bytes

--- 203.0.113.10 ping statistics ---
2 packets transmitted, 0 packets received, 100% packet loss
"""


def _read(tmp_path: Path, text: str) -> list[dict]:
    path = tmp_path / "paste.txt"
    path.write_text(text + PING)
    return observations(ingest(path), "egress_nat")


def test_the_wide_table_gives_each_pool_its_nat(tmp_path: Path) -> None:
    [pool] = _read(tmp_path, WIDE)
    assert (pool["at"], pool["pool"], pool["pool_cidr"], pool["masqueraded"], pool["disabled"]) == (
        "control_plane", "default-ipv4-ippool", "192.168.0.0/23", True, False)
    assert pool["host"] is None  # the cluster's state, read on no Pod or node (the prompt names mike@k8s-master-1)
    off = WIDE.replace("   true   Always", "   false  Always")
    assert [p["masqueraded"] for p in _read(tmp_path, off)] == [False]


def test_the_yaml_list_gives_each_pool_and_a_missing_flag_is_off(tmp_path: Path) -> None:
    pools = {p["pool"]: p for p in _read(tmp_path, YAML)}
    assert (pools["default-ipv4-ippool"]["masqueraded"], pools["default-ipv4-ippool"]["pool_cidr"]) == (False, "198.18.0.0/16")
    assert (pools["old-pool"]["masqueraded"], pools["old-pool"]["disabled"]) == (True, True)
    no_flag = YAML.replace("    natOutgoing: false\n", "")
    assert {p["pool"]: p["masqueraded"] for p in _read(tmp_path, no_flag)}["default-ipv4-ippool"] is False


def test_other_output_is_a_located_warning_not_a_reading(tmp_path: Path) -> None:
    path = tmp_path / "paste.txt"
    path.write_text("$ calicoctl get ippool -o wide\nconnection is unauthorized: ippools.crd.projectcalico.org is forbidden\n" + PING)
    result = ingest(path)
    assert observations(result, "egress_nat") == []
    assert any("NAT setting" in w.message and w.location.endswith(":2") for w in result.warnings), [str(w) for w in result.warnings]


def test_each_pool_of_a_yaml_list_points_at_its_own_line(tmp_path: Path) -> None:
    path = tmp_path / "paste.txt"
    path.write_text(YAML + PING)
    lines = {o["pool"]: int(o["source_line"].rsplit(":", 1)[1]) for o in observations(ingest(path), "egress_nat")}
    text = YAML.splitlines()
    assert text[lines["default-ipv4-ippool"] - 1].strip() == "cidr: 198.18.0.0/16"
    assert text[lines["old-pool"] - 1].strip() == "cidr: 198.19.128.0/17"


def test_broken_yaml_is_one_located_warning(tmp_path: Path) -> None:
    path = tmp_path / "paste.txt"
    path.write_text("$ calicoctl get ippool -o yaml\nspec:\n  cidr: 198.18.0.0/16\n  natOutgoing: [true\n" + PING)
    result = ingest(path)
    assert observations(result, "egress_nat") == []
    assert sum("NAT setting" in w.message for w in result.warnings) == 1


def test_options_before_the_verb_do_not_hide_the_resource() -> None:
    from podnet.inputs.commands import parse_command

    assert parse_command("kubectl -n kube-system get ippools.crd.projectcalico.org -o yaml").family == "ippool"
    assert parse_command("calicoctl -c /etc/calico/calicoctl.cfg get ippool -o wide").family == "ippool"
    assert parse_command("kubectl -n kube-system get pods -o wide").family != "ippool"  # near miss
