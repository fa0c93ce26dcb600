"""Load, NIC and kernel counters -> resource_pressure: uptime, nproc, ethtool -S, ip -s, dmesg, ss -s;
and curl/nc failing with "Cannot assign requested address" (kept out of tcp_connect, with a warning)."""

from __future__ import annotations

from pathlib import Path

import pytest
from podnet.inputs.ingest import ingest

from . import netlab
from .conftest import SAMPLES, context, ingest_text, observations, transcript
from .netlab import B_IP, WEB_PORT

NODE2 = {"kind": "node", "name": "node02", "node": "node02", "ip": "192.168.10.12", "node_ip": "192.168.10.12"}


def _node_ctx() -> dict:
    dst = {"kind": "pod", "ip": "10.244.2.5", "port": 6379, "node": "node01", "node_ip": "192.168.10.11"}
    return {"case": {"id": "t"}, "endpoints": {"source": dict(NODE2), "destination": dst}}


def _pressure(result, at: str = "source_node") -> dict:
    (rp,) = [o for o in observations(result, "resource_pressure") if o["at"] == at]
    return rp


def test_ethtool_statistics_of_the_node_nic_give_queue_overflows_and_drops(tmp_path: Path) -> None:
    rp = _pressure(ingest(SAMPLES / "ethtool-S-eth0-igb.txt", _node_ctx()))
    # igb counts each ring overflow in rx_missed_errors and rx_fifo_errors: the larger, not the sum.
    assert rp["nic_queue_overflows"] == 182344
    assert rp["nic_drops"] == 0  # rx_dropped absent, tx_dropped 0 (per-queue drops are not device totals)


def test_ethtool_through_grep_and_ethtool_g_are_handled(tmp_path: Path) -> None:
    text = ("[root@node02 ~]# ethtool -S eth0 | grep -E 'rx_(fifo|missed|dropped)'\n"
            "     rx_missed_errors: 1200\n     rx_fifo_errors: 1100\n"
            "[root@node02 ~]# ethtool -g eth0\nRing parameters for eth0:\nPre-set maximums:\nRX:\t\t4096\n")
    result = ingest_text(tmp_path, text, _node_ctx())
    rp = _pressure(result)
    assert rp["nic_queue_overflows"] == 1200 and rp.get("nic_drops") is None
    assert [w.code for w in result.warnings if w.code.startswith("ethtool")] == ["ethtool_only_statistics"]


def test_ethtool_of_a_veth_is_not_the_node_nic(tmp_path: Path) -> None:
    text = "[root@node02 ~]# ethtool -S veth3f2a9c1d\nNIC statistics:\n     rx_dropped: 7\n     peer_ifindex: 3\n"
    result = ingest_text(tmp_path, text, _node_ctx())
    assert not observations(result, "resource_pressure")
    assert [w.code for w in result.warnings] == ["nic_counters_not_host_nic"]


def test_ip_s_s_addr_older_overrun_column_and_link_errors() -> None:
    result = ingest(SAMPLES / "ip-s-s-addr-eth0-overrun.txt", _node_ctx())
    rp = _pressure(result)
    assert (rp["nic_drops"], rp["nic_queue_overflows"]) == (5524, 40977)
    (link,) = observations(result, "link_status")
    assert (link["interface"], link["errors"]) == ("eth0", 12)


def test_dmesg_table_full_and_its_absence(tmp_path: Path) -> None:
    assert _pressure(ingest(SAMPLES / "dmesg-conntrack-full.txt", _node_ctx()))["conntrack_table_full_logged"] is True
    clean = "[root@node02 ~]# dmesg\n[    0.000000] Linux version 5.15.0-88-generic\n[    1.204000] igb 0000:01:00.0 eth0: igb: eth0 NIC Link is Up 1000 Mbps Full Duplex\n"
    assert _pressure(ingest_text(tmp_path, clean, _node_ctx()))["conntrack_table_full_logged"] is False
    grepped = "[root@node02 ~]# dmesg | grep conntrack\n[root@node02 ~]# uptime\n 10:00:01 up 3 days,  1:00,  1 user,  load average: 0.10, 0.20, 0.30\n"
    result = ingest_text(tmp_path, grepped, _node_ctx(), name="grepped.txt")
    assert "conntrack_table_full_logged" not in {k for k, v in _pressure(result).items() if v is not None}


def test_curl_couldnt_connect_without_reason_is_failed(tmp_path: Path) -> None:
    """curl >= 7.88 says only "Couldn't connect to server": without a "* connect to ... failed: <reason>"
    line the mode is unknown, so the result is 'failed' (not a guessed refused or no_route)."""
    failed = "curl: (7) Failed to connect to 10.244.2.5 port 6379 after 3 ms: Couldn't connect to server\n"
    quiet = ingest_text(tmp_path, f"$ curl http://10.244.2.5:6379/\n{failed}", _node_ctx(), name="q.txt")
    verbose = ingest_text(tmp_path, f"$ curl -sv http://10.244.2.5:6379/\n*   Trying 10.244.2.5:6379...\n{failed}", _node_ctx(), name="v.txt")
    reason = ingest_text(tmp_path, f"$ curl -sv http://10.244.2.5:6379/\n*   Trying 10.244.2.5:6379...\n"
                                   f"* connect to 10.244.2.5 port 6379 failed: Connection refused\n{failed}", _node_ctx(), name="r.txt")
    assert [(o["target"], o["port"], o["result"]) for o in observations(quiet, "tcp_connect")] == [("10.244.2.5", 6379, "failed")]
    assert [o["result"] for o in observations(verbose, "tcp_connect")] == ["failed"]
    assert [o["result"] for o in observations(reason, "tcp_connect")] == ["refused"]
    assert observations(quiet, "tcp_connect")[0]["outcome"] == "failed"


def test_real_uptime_nproc_ss_summary_and_ip_s(lab: netlab.Lab, tmp_path: Path) -> None:
    text = transcript(lab, lab.a, "[root@lab-a ~]# ", [
        (["uptime"], ()), (["nproc"], ()), (["ss", "-s"], ()), (["ip", "-s", "addr"], ()),
        (["sysctl", "net.ipv4.ip_local_port_range"], ()),
    ])
    result = ingest_text(tmp_path, text, context())
    rp = _pressure(result)
    assert rp["cpus"] >= 1 and rp["load1"] >= 0
    assert 0 <= rp["ephemeral_ports_in_use"] < rp["ephemeral_port_range"]
    # The lab's veth is not a node NIC: its counters are parsed but not reported as the node's NIC drops.
    assert rp.get("nic_drops") is None and rp.get("nic_queue_overflows") is None
    assert not [w for w in result.warnings if w.code in ("ip_addr_lines_unknown", "ss_not_understood", "no_parser")], result.warnings


_EXHAUST = f"""
import socket, subprocess, sys
held = [socket.create_connection(({B_IP!r}, {WEB_PORT}), timeout=3) for _ in range(2)]
for argv in (["curl", "-v", "--connect-timeout", "3", "http://{B_IP}:{WEB_PORT}/"], ["nc", "-zv", "-w", "2", {B_IP!r}, "{WEB_PORT}"], ["ss", "-s"]):
    out = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=10).stdout
    sys.stdout.write("[root@lab-a ~]# " + " ".join(argv) + "\\n" + out)
"""


def test_real_port_exhaustion_is_recorded_as_no_local_port(lab: netlab.Lab, tmp_path: Path) -> None:
    """Two local ports, both held open: curl and nc get EADDRNOTAVAIL before any packet leaves."""
    before = lab.run(lab.a, ["sysctl", "-n", "net.ipv4.ip_local_port_range"]).split()
    lab.run(lab.a, ["sysctl", "-w", "net.ipv4.ip_local_port_range=40000 40001"])
    try:
        text = lab.run(lab.a, ["python3", "-c", _EXHAUST], targets=(B_IP,), timeout=30)
        text += "[root@lab-a ~]# sysctl net.ipv4.ip_local_port_range\n" + lab.run(lab.a, ["sysctl", "net.ipv4.ip_local_port_range"])
    finally:
        lab.run(lab.a, ["sysctl", "-w", f"net.ipv4.ip_local_port_range={before[0]} {before[1]}"])
    assert "Cannot assign requested address" in text, text
    result = ingest_text(tmp_path, text, context())
    probes = observations(result, "tcp_connect")
    assert [(o["tool"], o["result"]) for o in probes] == [("curl", "no_local_port"), ("nc", "no_local_port")]
    rp = _pressure(result)
    assert rp["ephemeral_port_range"] == 2 and rp["ephemeral_ports_in_use"] >= 2


@pytest.mark.parametrize("line", ["telnet: Unable to connect to remote host: Cannot assign requested address",
                                  "nc: can't connect to remote host (10.244.2.5): Cannot assign requested address"])
def test_telnet_and_busybox_nc_eaddrnotavail(tmp_path: Path, line: str) -> None:
    tool = line.split(":")[0]
    cmd = "telnet 10.244.2.5 6379" if tool == "telnet" else "nc 10.244.2.5 6379"
    result = ingest_text(tmp_path, f"/ # {cmd}\n{line}\n/ # nproc\n4\n", _node_ctx())
    assert [(o["tool"], o["result"], o["port"]) for o in observations(result, "tcp_connect")] == [(tool, "no_local_port", 6379)]
