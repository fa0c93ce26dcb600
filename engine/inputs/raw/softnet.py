"""Per-CPU receive processing for ``resource_pressure``: ``cat /proc/net/softnet_stat`` and
``cat /proc/interrupts`` (often through ``| grep IFACE``).

``/proc/net/softnet_stat`` is read here: jc 1.x has no parser for it (its ``proc`` family covers
``/proc/softirqs`` and ``/proc/interrupts``, not softnet_stat). It has one row per online CPU of
hexadecimal columns: processed, dropped, time_squeeze, ...; kernels since 5.10 add the CPU number as
the 13th column, older ones list the online CPUs in order (a CPU taken offline shifts the rows).

``/proc/interrupts`` is read with jc's ``proc_interrupts`` parser. It needs the ``CPU0 CPU1 ...``
header, which a ``| grep ens192`` paste drops: the header is then put back from the count columns
of the first row (they are the online CPUs in order, as the kernel prints them). A row is a NIC
receive queue when its last word names one (``ens192-rxtx-0``, ``eth0-TxRx-3``, ``enp39s0-Tx-Rx-0``,
``virtio0-input.0``, a bare ``eth0``); the CPUs holding at least :data:`IRQ_SHARE` of those queues'
interrupts are the ones serving the NIC.
"""

from __future__ import annotations

import re

from ..model import CommandRun, ParseResult
from ._util import quiet_jc

IRQ_SHARE = 0.05
"""A CPU serves the NIC when it took at least this share of the NIC queues' interrupts (a queue
irqbalance moved away long ago leaves a small count behind on its old CPU)."""

_HEX_ROW = re.compile(r"^\s*(?:[0-9a-fA-F]{8}\s+){2,}[0-9a-fA-F]{8}\s*$")
_NIC_QUEUE = re.compile(
    r"^(?:(?:eth|en[a-z]|em|eno|ens|enp|bond|ib|p\d+p)\S*?(?:[-_](?:rxtx|txrx|tx-rx|rx-tx|rx|fp|queue|comp)[-_]?\d+)?"
    r"|virtio\d+-input\.\d+)$",
    re.I,
)
"""A NIC queue's name in /proc/interrupts' last column (receive or combined queues; tx-only excluded)."""


def parse_softnet_stat(run: CommandRun) -> ParseResult:
    """time_squeeze (3rd column) per CPU, and the backlog drops (2nd column) summed."""
    res = ParseResult()
    squeeze: dict[int, int] = {}
    dropped = 0
    first: int | None = None
    for index, (n, text) in enumerate((n, t) for n, t in run.nonblank if _HEX_ROW.match(t)):
        cols = [int(c, 16) for c in text.split()]
        cpu = cols[12] if len(cols) >= 13 else index
        squeeze[cpu] = cols[2]
        dropped += cols[1]
        first = n if first is None else first
    if not squeeze or first is None:
        res.warn(run, "softnet_stat_no_rows")
        return res
    res.add(run, "counters", {"time_squeeze_by_cpu": squeeze, "softnet_dropped": dropped}, first)
    return res


def parse_interrupts(run: CommandRun) -> ParseResult:
    """The CPUs that serve the NIC's receive queues."""
    res = ParseResult()
    lines = [t for _, t in run.nonblank]
    rows = [(n, t) for n, t in run.nonblank if re.match(r"^\s*\d+:", t)]
    if not rows:
        res.warn(run, "interrupts_no_nic")
        return res
    text = "\n".join(lines)
    if not lines[0].lstrip().startswith("CPU0"):
        counts = re.match(r"^\s*\d+:((?:\s+\d+)+)", rows[0][1])
        width = len(counts.group(1).split()) if counts else 0
        text = " ".join(f"CPU{i}" for i in range(width)) + "\n" + "\n".join(t for _, t in rows)
    try:
        parsed = quiet_jc("proc_interrupts", text)
    except Exception:  # noqa: BLE001 - any jc failure is "not read"
        parsed = None
    per_cpu: dict[int, int] = {}
    names: list[str] = []
    for entry in parsed if isinstance(parsed, list) else []:
        device = entry.get("device") or []
        name = device[-1] if device else ""
        if not str(entry.get("irq", "")).isdigit() or not _NIC_QUEUE.match(name):
            continue
        names.append(name)
        for cpu, count in enumerate(entry.get("interrupts") or []):
            per_cpu[cpu] = per_cpu.get(cpu, 0) + int(count)
    total = sum(per_cpu.values())
    if not names or total == 0:
        res.warn(run, "interrupts_no_nic")
        return res
    serving = sorted(cpu for cpu, count in per_cpu.items() if count >= IRQ_SHARE * total)
    # every row has one count column per online CPU, grep'd or not
    res.add(run, "counters", {"nic_irq_cpus": serving, "cpus": len(per_cpu)}, rows[0][0])
    return res
