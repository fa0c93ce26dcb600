"""Per-CPU receive processing from pasted ``cat /proc/net/softnet_stat`` and ``cat /proc/interrupts``
(podnet.inputs.raw.softnet), read by ingest into ``resource_pressure``.

The pastes are public (source in each constant's comment, copied as the thread shows them) or
captured on this machine (tests/ingest/proc_samples); none is written by hand.
"""

from __future__ import annotations

from pathlib import Path

from podnet.inputs.ingest import parse_runs

from .conftest import ingest_text, observations, read_paste

PROC = Path(__file__).parent / "proc_samples"

# coreos/bugs#2135 (46 vCPUs on ESXi): `cat /proc/net/softnet_stat`, the first nine rows the thread shows
COREOS_SOFTNET = """$ cat /proc/net/softnet_stat
4c97f841 00000000 00003124 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000
0039002b 00000000 00000001 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000
00e6a7dc 00000000 0000000b 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000
00bba50c 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000
00bb87fc 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000
00ce69ec 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000
00ba92cc 00000000 00000002 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000
00ced7b1 00000000 00000001 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000
00d8cae6 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000
"""

# coreos/bugs#2135: `cat /proc/interrupts | grep ens192`, its first row (46 CPU columns, no header)
COREOS_INTERRUPTS = (
    "$ cat /proc/interrupts | grep ens192\n"
    " 56:  271490338" + "          0" * 45 + "   PCI-MSI 5767168-edge      ens192-rxtx-0\n"
)

# netdata/netdata#1076: a two-core server, six squeezes on each CPU
NETDATA_SOFTNET = """$ cat /proc/net/softnet_stat
000008c5 00000000 00000006 00000000 00000000 00000000 00000000 00000000 00000000 00000000
0000acd2 00000000 00000006 00000000 00000000 00000000 00000000 00000000 00000000 00000000
"""

# amzn/amzn-drivers#316: part of /proc/interrupts of a 4-CPU ENA instance (no header)
ENA_INTERRUPTS = """$ cat /proc/interrupts
 65:       8362          0          0          2  PCI-MSIX-0000:27:00.0   0-edge      ena-mgmnt@pci:0000:27:00.0
 66:        261          0          0          0  PCI-MSIX-0000:27:00.0   1-edge      enp39s0-Tx-Rx-0
 67:          0        163          0          1  PCI-MSIX-0000:27:00.0   2-edge    
 68:          1          0        159          0  PCI-MSIX-0000:27:00.0   3-edge    
 69:          0          0          0        134  PCI-MSIX-0000:27:00.0   4-edge    
NMI:          0          0          0          0   Non-maskable interrupts
LOC:    1544473         58         62    1131674   Local timer interrupts
"""


def test_softnet_stat_rows_are_cpus_and_the_total_is_their_sum(tmp_path: Path) -> None:
    records, warnings = read_paste(COREOS_SOFTNET, tmp_path)
    [rec] = [r for r in records if r.type == "counters"]
    assert rec.data["time_squeeze_by_cpu"] == {0: 0x3124, 1: 1, 2: 11, 3: 0, 4: 0, 5: 0, 6: 2, 7: 1, 8: 0}
    assert rec.data["softnet_dropped"] == 0 and not warnings


def test_grepped_interrupts_row_names_the_cpu_serving_the_nic(tmp_path: Path) -> None:
    records, _ = read_paste(COREOS_INTERRUPTS, tmp_path)
    [rec] = [r for r in records if r.type == "counters"]
    assert rec.data == {"nic_irq_cpus": [0], "cpus": 46}


def test_only_named_nic_queues_count(tmp_path: Path) -> None:
    """ENA's management IRQ and the unnamed rows are not read as the NIC's queues."""
    records, _ = read_paste(ENA_INTERRUPTS, tmp_path)
    [rec] = [r for r in records if r.type == "counters"]
    assert rec.data == {"nic_irq_cpus": [0], "cpus": 4}


def test_this_machine_full_interrupts_with_header() -> None:
    """Captured here: 2 CPUs, virtio-net's receive queue on CPU1, its transmit queue (not counted) on CPU0."""
    warns: list = []
    recs = parse_runs(PROC / "this-machine-2cpu-virtio.txt", warns)
    data = [r.data for r in recs if r.type == "counters"]
    assert {"time_squeeze_by_cpu": {0: 0, 1: 0}, "softnet_dropped": 0} in data
    assert {"nic_irq_cpus": [1], "cpus": 2} in data and not warns


def test_both_pastes_of_a_node_make_one_resource_pressure(tmp_path: Path) -> None:
    """The same node's two pastes meet in one observation whose share says where the squeezes are."""
    text = COREOS_SOFTNET.replace("$ ", "core@node-1 ~ $ ") + COREOS_INTERRUPTS.replace("$ ", "core@node-1 ~ $ ")
    result = ingest_text(tmp_path, text, {"case": {"id": "t"}, "endpoints": {"source": {"kind": "pod", "node": "node-0"}, "destination": {"kind": "pod", "node": "node-1"}}})
    [rp] = observations(result, "resource_pressure")
    assert rp["nic_irq_cpus"] == [0] and rp["cpus"] == 46
    assert rp["softnet_time_squeeze"] == 0x3124 + 1 + 11 + 2 + 1
    assert rp["nic_cpus_squeeze_share"] > 0.99 and rp["nic_cpus_fraction"] < 0.05


def test_evenly_spread_tiny_squeezes_stay_tiny(tmp_path: Path) -> None:
    records, _ = read_paste(NETDATA_SOFTNET, tmp_path)
    [rec] = [r for r in records if r.type == "counters"]
    assert rec.data["time_squeeze_by_cpu"] == {0: 6, 1: 6}


def test_no_rows_is_one_located_warning(tmp_path: Path) -> None:
    _, warnings = read_paste("$ cat /proc/net/softnet_stat\ncat: /proc/net/softnet_stat: No such file or directory\n", tmp_path)
    assert [w.code for w in warnings] == ["softnet_stat_no_rows"]
