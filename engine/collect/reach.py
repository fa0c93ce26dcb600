"""Reachability probes: ping, TCP connect, and the don't-fragment ping sweep.

``ping`` is iputils' (as a subprocess: nothing in Python sets don't-fragment on ICMP, see
docs/collect.md), its output read by the parser pasted ping output goes through
(:mod:`podnet.inputs.raw.ping`); TCP uses a plain socket, which tells a refusal
(RST or ICMP port-unreachable) from a timeout (DROP) and a reset, and yields the record a pasted
``nc -zv`` does. Every probe yields records for the ingest assembly.
"""

from __future__ import annotations

import errno
import math
import os
import select
import shlex
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from .base import CHILDREN, Cancelled, Context, Unobservable, run_tool, tool
from .netlink import local_mtu
from .safety import check_may_send

if TYPE_CHECKING:
    from ..inputs.model import Record

SWEEP_SIZES = (56, 500, 1000, 1200, 1300, 1372, 1400, 1410, 1422, 1432, 1442, 1452, 1462, 1472)
"""ICMP payload sizes of the don't-fragment sweep (1472 + 28 = a full 1500-byte packet)."""
JUMBO_SIZES = (1972, 2972, 4472, 6972, 8872)
"""Added when the sending device's MTU is larger than 1500 (with its own MTU less 28)."""


def _ping(ctx: Context, target: str, *, count: int, interval: float, size: int | None, df: bool, wait: float) -> list[Record]:
    """Run iputils ping and read its output with the parser a pasted ping goes through
    (:mod:`podnet.inputs.raw.ping`): its ``ping`` record (none when the output tells nothing)."""
    # -w: ping itself stops at a deadline and prints its statistics (ICMP errors slow its pace: 50
    # requests to a host behind a dead link took 7.7 s at -i 0.05), well before the process timeout
    deadline = math.ceil(count * interval + wait + 2)
    cmd = [tool("ping", ("ping", "mtu_probe")), "-n", "-c", str(count), "-i", f"{interval:g}", "-W", f"{wait:g}", "-w", str(deadline)]
    if size is not None:
        cmd += ["-s", str(size)]
    if df:
        cmd += ["-M", "do"]
    cmd.append(target)
    proc = run_tool(cmd, ("ping",), timeout=deadline + 5)
    if "Operation not permitted" in proc.stderr or "permission denied" in proc.stderr.lower():
        raise Unobservable(("ping", "mtu_probe"), "ping_not_permitted")
    # as a terminal shows it: the replies and statistics, then ping's own error lines (stderr:
    # "ping: local error: message too long, mtu=1450", "ping: connect: Network is unreachable")
    found = ctx.read("ping", shlex.join(["ping", *cmd[1:]]), proc.stdout + proc.stderr).records
    if not found:
        raise Unobservable(("ping", "mtu_probe") if df else ("ping",), "ping_no_output")
    return found


def ping(ctx: Context, target: str) -> list[Record]:
    """Small pings; as root many (50 at 50 ms) so that partial loss shows."""
    check_may_send(target)
    root = os.geteuid() == 0
    count = ctx.plan.ping_count if root else min(ctx.plan.ping_count, 5)
    return _ping(ctx, target, count=count, interval=0.05 if root else 0.2, size=None, df=False, wait=1)


def tcp_connect(ctx: Context, target: str, port: int) -> Record:
    """One TCP connection attempt with a timeout: connected, refused, timeout, reset, no_route,
    unreachable; the ``tcp_connect`` record a pasted ``nc -zv``/``curl -v`` yields.

    The socket is non-blocking and polled in short slices, so an interrupt (Ctrl-C, SIGTERM)
    stops a connect that hangs on a DROP at once instead of after the timeout."""
    check_may_send(target)
    family = socket.AF_INET6 if ":" in target else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        code = _connect(sock, (target, port), ctx.plan.timeout)
    if code is None:
        result = "timeout"
    elif code == 0:
        result = "connected"
    elif code == errno.ECONNREFUSED:
        result = "refused"
    elif code == errno.ECONNRESET:
        result = "reset"
    else:
        result = {errno.ENETUNREACH: "no_route", errno.EHOSTUNREACH: "unreachable"}.get(code, "unreachable")
    command = f"TCP connect {target}:{port} (timeout {ctx.plan.timeout:g} s)"
    return ctx.record("tcp_connect", {"target": target, "port": port, "result": result, "tool": "socket"}, command, "socket")


def _connect(sock: socket.socket, address: tuple[str, int], timeout: float) -> int | None:
    """errno of a non-blocking connect (0: connected), None on timeout; :class:`Cancelled` on interrupt."""
    sock.setblocking(False)
    code = sock.connect_ex(address)
    if code not in (errno.EINPROGRESS, errno.EAGAIN, errno.EALREADY):
        return code
    deadline = time.monotonic() + timeout
    poller = select.poll()
    poller.register(sock, select.POLLOUT | select.POLLERR | select.POLLHUP)
    while True:
        if CHILDREN.cancelled.is_set():
            raise Cancelled()
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        if poller.poll(min(left, 0.1) * 1000):
            return sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)


def mtu_sweep(ctx: Context, target: str) -> list[Record]:
    """Don't-fragment pings of growing size, concurrently: one ``ping -M do -s SIZE`` record each,
    which the ingest assembly reads as an MTU probe (as it reads pasted DF pings).

    Each size sends 4 pings, so random loss on the path does not pass for an MTU limit (all 4 lost
    at 10 % loss each way: about 0.1 %)."""
    check_may_send(target)
    local = local_mtu(target)
    sizes = [s for s in SWEEP_SIZES if local is None or s + 28 <= local]
    if local is not None and local > SWEEP_SIZES[-1] + 28:
        # jumbo devices: whether the path carries what they are set for, not only 1500
        sizes += [s for s in JUMBO_SIZES if s + 28 < local]
    if local is not None and local - 28 not in sizes:
        sizes.append(local - 28)
    sizes.sort()

    def one(size: int) -> list[Record]:
        check_may_send(target)  # a new thread: check its namespace again
        try:
            return _ping(ctx, target, count=4, interval=0.2, size=size, df=True, wait=1)
        except Unobservable as exc:
            if exc.note.code != "ping_no_output":
                raise
            return []  # this size told nothing; the others still do

    with ThreadPoolExecutor(max_workers=len(sizes)) as pool:
        return [r for found in pool.map(one, sizes) for r in found]
