"""Network namespaces: check and open one, enter it in a worker thread, tell whether a thread is in the initial one.

``setns(2)`` switches only the calling thread, and sockets, netlink handles and child processes
created by that thread live in its namespace. The collector therefore runs each vantage point's
probes in threads that entered that vantage's namespace first; the main thread never moves.
Python 3.11 has no ``os.setns``, so libc's is called through ctypes there.

A namespace is opened once, in the main thread, with ``O_NONBLOCK`` (a FIFO put in its place
cannot block) and checked on the open descriptor: it must be a file of the kernel's nsfs and a
*network* namespace (``NS_GET_NSTYPE``). The worker threads enter that same descriptor, so the
path cannot be swapped between the check and the use.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError
from ..facts.base import Vantage as VantagePoint

CLONE_NEWNET = 0x40000000
NS_GET_NSTYPE = 0xB703  # _IO(0xb7, 0x3), linux/nsfs.h
NETNS_RUN_DIR = Path("/run/netns")
NAME_MAX = 255

OPTIONS = {"netns": "--netns", "pid": "--pid", "path": "--netns-path"}
"""The command-line option of each vantage kind (the location of its errors)."""


def dns1123(text: str) -> str:
    """``text`` as a DNS-1123 name: lowercase labels of a-z 0-9 '-' (other characters become '-'),
    alphanumeric at both ends, at most 63 characters a label and 253 in all."""
    labels = [re.sub(r"[^a-z0-9-]+", "-", part).strip("-")[:63].strip("-") for part in text.lower().split(".")]
    name = ".".join(label for label in labels if label)[:253].strip(".-")
    return name or "vantage"


def check_netns_name(name: str, where: str = "--netns") -> str:
    """A namespace name by ``ip netns``'s rules: not empty, no '/', not '.' or '..', at most 255 bytes.

    Control characters are refused too (the name is printed as the vantage point's host)."""
    if not name:
        raise UsageError("a namespace name must not be empty", location=where)
    if "/" in name or name in (".", ".."):
        raise UsageError(
            f"{name!r} is not a namespace name (no '/', not '.' or '..'); give a namespace file with --netns-path",
            location=where,
        )
    if len(os.fsencode(name)) > NAME_MAX:
        raise UsageError(f"a namespace name is at most {NAME_MAX} bytes", location=where)
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise UsageError(f"{name!r}: a namespace name holds no control characters", location=where)
    return name


@dataclass(frozen=True)
class Vantage:
    """Where probes run: the current namespace, a named one (``ip netns``), a process's, or a namespace file."""

    kind: str  # "current" | "netns" | "pid" | "path"
    name: str = ""
    role: VantagePoint | None = None
    """Where these probes are, relative to the failing connection (the observations' ``at``)."""

    @property
    def ns_path(self) -> Path | None:
        if self.kind == "netns":
            return NETNS_RUN_DIR / self.name
        if self.kind == "pid":
            return Path(f"/proc/{self.name}/ns/net")
        if self.kind == "path":
            return Path(self.name)
        return None

    @property
    def option(self) -> str:
        return OPTIONS.get(self.kind, "--here")

    @property
    def label(self) -> str:
        """A host name for observations (a DNS-1123 name, as the fact schema wants): the namespace
        name, ``pid-N``, the namespace file's name, or the machine's name."""
        if self.kind == "netns":
            return dns1123(self.name)
        if self.kind == "pid":
            return f"pid-{self.name}"
        if self.kind == "path":
            parts = Path(self.name).parts
            if len(parts) >= 3 and parts[-3].isdigit() and parts[-2] == "ns":  # /proc/PID/ns/net
                return f"pid-{parts[-3]}"
            return dns1123(Path(self.name).name)
        return dns1123(os.uname().nodename)

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
        """Fail with a one-line located error when the namespace cannot be entered."""
        fd = open_namespace(self)
        if fd is not None:
            os.close(fd)


def _nsfs_dev() -> int | None:
    try:
        return os.stat("/proc/self/ns/net").st_dev
    except OSError:
        return None


def open_namespace(vantage: Vantage) -> int | None:
    """Open the vantage's network namespace file and check it; None for ``current``.

    The caller owns (and closes) the descriptor. Never blocks: the path is ``stat``-ed first and
    opened with ``O_NONBLOCK``; whatever is not a network namespace is a located exit-2 error."""
    path = vantage.ns_path
    if path is None:
        return None
    where = vantage.option
    if vantage.kind == "netns":
        check_netns_name(vantage.name, where)
    if vantage.kind == "pid" and not vantage.name.isdigit():
        raise UsageError(f"{vantage.name!r} is not a process id", location=where)
    if vantage.kind == "path" and not vantage.name:
        raise UsageError("a namespace file path must not be empty", location=where)
    if os.geteuid() != 0:
        raise UsageError("entering a network namespace needs root (CAP_SYS_ADMIN)", location=where)
    shown = repr(vantage.name) if vantage.kind != "path" else repr(str(path))
    try:
        st = os.stat(path)
    except FileNotFoundError:
        what = {"netns": "network namespace", "pid": "process", "path": "file"}[vantage.kind]
        raise UsageError(f"no such {what} {shown}", location=where) from None
    except OSError as exc:
        raise UsageError(f"cannot stat {shown}: {exc.strerror}", location=where) from None
    nsfs = _nsfs_dev()
    if not stat.S_ISREG(st.st_mode) or (nsfs is not None and st.st_dev != nsfs):
        kind = "a directory" if stat.S_ISDIR(st.st_mode) else "a FIFO" if stat.S_ISFIFO(st.st_mode) else "not a namespace file"
        raise UsageError(f"{shown} is {kind}; a network namespace file (nsfs) is needed", location=where)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except PermissionError:
        raise UsageError(f"no permission to open {shown} (run as root)", location=where) from None
    except OSError as exc:
        raise UsageError(f"cannot open {shown}: {exc.strerror}", location=where) from None
    try:
        _check_net_ns(fd, nsfs, shown, where)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _check_net_ns(fd: int, nsfs: int | None, shown: str, where: str) -> None:
    """The open file is (still) an nsfs file, and a network namespace rather than another kind."""
    import fcntl

    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or (nsfs is not None and st.st_dev != nsfs):
        raise UsageError(f"{shown} is not a namespace file", location=where)
    try:
        nstype = fcntl.ioctl(fd, NS_GET_NSTYPE)
    except OSError as exc:
        if exc.errno in (errno.ENOTTY, errno.EINVAL):  # kernels before 4.11: nsfs is all we can tell
            return
        raise UsageError(f"cannot read the namespace type of {shown}: {exc.strerror}", location=where) from None
    if nstype != CLONE_NEWNET:
        raise UsageError(f"{shown} is a namespace but not a network namespace", location=where)


def _setns(fd: int) -> None:
    native = getattr(os, "setns", None)
    if native is not None:
        native(fd, CLONE_NEWNET)
        return
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


class NamespaceHandle:
    """An open, checked namespace file of one vantage point; closed when no pool thread needs it."""

    def __init__(self, vantage: Vantage) -> None:
        self.vantage = vantage
        self.fd: int | None = None
        self.fd = open_namespace(vantage)

    def enter(self) -> None:
        """Move the calling thread into this namespace (no-op for ``current``)."""
        if self.fd is not None:
            _setns(self.fd)

    def try_enter(self) -> None:
        """Enter once in a throw-away thread: a namespace that cannot be entered is a located error
        here, not a broken thread pool later."""
        import threading

        failure: list[OSError] = []

        def attempt() -> None:
            try:
                self.enter()
            except OSError as exc:
                failure.append(exc)

        worker = threading.Thread(target=attempt, name="podnet-setns-check")
        worker.start()
        worker.join()
        if failure:
            exc = failure[0]
            raise UsageError(f"cannot enter {self.vantage.name!r}: {exc.strerror or exc}", location=self.vantage.option)

    def close(self) -> None:
        fd, self.fd = self.fd, None
        if fd is not None:
            os.close(fd)

    def __del__(self) -> None:
        try:
            self.close()
        except OSError:
            pass


def enter(vantage: Vantage) -> None:
    """Move the calling thread into the vantage's network namespace (no-op for ``current``)."""
    fd = open_namespace(vantage)
    if fd is None:
        return
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
