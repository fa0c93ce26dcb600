"""Network namespaces: enter one in a worker thread, tell whether a thread is in the initial one.

``setns(2)`` switches only the calling thread, and sockets, netlink handles and child processes
created by that thread live in its namespace. The collector therefore runs each vantage point's
probes in threads that entered that vantage's namespace first; the main thread never moves.
Python 3.11 has no ``os.setns``, so libc's is called through ctypes there.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError

CLONE_NEWNET = 0x40000000
NETNS_RUN_DIR = Path("/run/netns")


@dataclass(frozen=True)
class Vantage:
    """Where probes run: the current namespace, a named one (``ip netns``) or a process's."""

    kind: str  # "current" | "netns" | "pid"
    name: str = ""
    role: str | None = None

    @property
    def ns_path(self) -> Path | None:
        if self.kind == "netns":
            return NETNS_RUN_DIR / self.name
        if self.kind == "pid":
            return Path(f"/proc/{self.name}/ns/net")
        return None

    @property
    def label(self) -> str:
        """A host name for observations: the namespace name, ``pid:N`` or the machine's name."""
        if self.kind == "netns":
            return self.name
        if self.kind == "pid":
            return f"pid:{self.name}"
        return os.uname().nodename

    @property
    def resolv_conf(self) -> Path:
        """The resolv.conf processes in this namespace see (``ip netns exec`` and nsenter rules)."""
        if self.kind == "netns":
            own = Path("/etc/netns") / self.name / "resolv.conf"
            if own.exists():
                return own
        if self.kind == "pid":
            return Path(f"/proc/{self.name}/root/etc/resolv.conf")
        return Path("/etc/resolv.conf")

    def check(self) -> None:
        """Fail with a one-line error when the namespace cannot be entered."""
        path = self.ns_path
        if path is None:
            return
        where = "--netns" if self.kind == "netns" else "--pid"
        if os.geteuid() != 0:
            raise UsageError("entering a network namespace needs root (CAP_SYS_ADMIN)", location=where)
        if not path.exists():
            raise UsageError(f"no such network namespace {self.name!r}", location=where)
        try:
            os.close(os.open(path, os.O_RDONLY))
        except PermissionError:
            raise UsageError(f"no permission to open {path} (run as root)", location=where) from None


def _setns(fd: int) -> None:
    native = getattr(os, "setns", None)
    if native is not None:
        native(fd, CLONE_NEWNET)
        return
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def enter(vantage: Vantage) -> None:
    """Move the calling thread into the vantage's network namespace (no-op for ``current``)."""
    path = vantage.ns_path
    if path is None:
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        _setns(fd)
    finally:
        os.close(fd)


def _ino(path: str) -> int:
    """Inode of a namespace: from the ``net:[INODE]`` link text (stat may need ptrace rights)."""
    try:
        text = os.readlink(path)
    except OSError:
        return os.stat(path).st_ino  # a bind-mounted namespace file (/run/netns/NAME)
    return int(text.rsplit("[", 1)[1].rstrip("]"))


def thread_netns_inode() -> int:
    """Inode of the calling thread's network namespace."""
    return _ino("/proc/thread-self/ns/net")


_initial: int | None = None
_startup: int | None = None


def initial_netns_inode() -> int | None:
    """Inode of PID 1's network namespace (the machine's own network), read once; None if hidden.

    Call it from the main thread first: it also remembers the namespace the process started in."""
    global _initial, _startup
    if _startup is None:
        try:
            _startup = _ino("/proc/self/ns/net")
        except OSError:
            pass
    if _initial is None:
        try:
            _initial = _ino("/proc/1/ns/net")
        except OSError:
            return None
    return _initial


def in_initial_netns() -> bool:
    """True when the calling thread is in the machine's own network namespace.

    That is PID 1's; when PID 1 is hidden (a container), the namespace this process started in,
    unless it is a named one (``ip netns``). When nothing can be told, assume the worst."""
    try:
        current = thread_netns_inode()
    except OSError:
        return True
    initial = initial_netns_inode()
    if initial is not None:
        return current == initial
    if current in _named_inodes():
        return False
    return _startup is None or current == _startup


def _named_inodes() -> set[int]:
    out = set()
    if NETNS_RUN_DIR.is_dir():
        for entry in NETNS_RUN_DIR.iterdir():
            try:
                out.add(entry.stat().st_ino)
            except OSError:
                continue
    return out


def named_netns_inode(name: str) -> int | None:
    """Inode of a named namespace under /run/netns, or None."""
    try:
        return _ino(str(NETNS_RUN_DIR / name))
    except OSError:
        return None
