"""Reading user-named files without hanging or reading without bound.

Only regular files are read, and ``-`` (stdin). A FIFO, a device (``/dev/zero``), a socket or a
folder is refused *before* it is opened, with a located one-line error (exit 2): opening a FIFO
with no writer blocks, and a device can stream forever. The file is then opened with
``O_NONBLOCK`` and checked again on the open descriptor, so a path swapped for a FIFO between the
check and the open cannot block either. Every read stops one byte past the limit, whatever the
file's size claims (``/proc`` files say 0, a file may grow while read).

Process substitution (``podnet diagnose <(cmd)``) names a pipe (``/dev/fd/63``): it is refused
like a FIFO, with the hint to pipe into stdin instead (``cmd | podnet diagnose -``), where the
same byte limit applies.
"""

from __future__ import annotations

import os
import stat
import sys

from .errors import InputError

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a pipe or FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def kind_of(mode: int) -> str | None:
    """What a non-regular file is (``"a FIFO"``...), or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    return next((what for test, what in _KINDS if test(mode)), "not a regular file")


def _refuse(what: str, name: str, prefix: str) -> InputError:
    hint = "; pipe it into stdin instead: ... | podnet COMMAND -" if "pipe" in what else ""
    return InputError(f"is {what}, not a regular file{hint}", location=name, code=f"{prefix}-NOT-FILE")


def too_large(name: str, max_bytes: int, prefix: str, variable: str, size: int | None = None) -> InputError:
    """The error for input over its byte limit."""
    what = f"is {size} bytes, more than" if size is not None else "is more than"
    return InputError(f"input {what} the {max_bytes}-byte limit ({variable})", location=name, code=f"{prefix}-SIZE")


def _read_fd(fd: int, max_bytes: int) -> bytes:
    """Up to ``max_bytes + 1`` bytes from ``fd`` (one more than allowed shows it was too much)."""
    chunks: list[bytes] = []
    left = max_bytes + 1
    while left > 0:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_stdin(max_bytes: int, *, prefix: str = "E-FACTS", variable: str = "PODNET_MAX_FACT_BYTES") -> bytes:
    """All of stdin, refused past ``max_bytes`` (stdin may be a pipe that never ends)."""
    stream = getattr(sys.stdin, "buffer", None)
    data = stream.read(max_bytes + 1) if stream is not None else sys.stdin.read(max_bytes + 1).encode("utf-8", "surrogateescape")
    if len(data) > max_bytes:
        raise too_large("<stdin>", max_bytes, prefix, variable)
    return data


def check_regular(name: str, *, prefix: str = "E-FACTS", folder_ok: bool = False) -> os.stat_result:
    """``os.stat`` of a path that must be a regular file (or a folder, with ``folder_ok``);
    anything else is a located error. Never opens the path."""
    try:
        st = os.stat(name)
    except FileNotFoundError:
        raise InputError("no such file" + (" or folder" if folder_ok else ""), location=name, code=f"{prefix}-MISSING") from None
    except OSError as exc:
        raise InputError(exc.strerror or str(exc), location=name, code=f"{prefix}-READ") from None
    what = kind_of(st.st_mode)
    if what is not None and not (folder_ok and stat.S_ISDIR(st.st_mode)):
        raise _refuse(what, name, prefix)
    return st


def read_regular(name: str, max_bytes: int, *, prefix: str = "E-FACTS", variable: str = "PODNET_MAX_FACT_BYTES") -> bytes:
    """The bytes of a regular file, refused past ``max_bytes``; anything else is refused unopened."""
    st = check_regular(name, prefix=prefix)
    if st.st_size > max_bytes:
        raise too_large(name, max_bytes, prefix, variable, st.st_size)
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise InputError(exc.strerror or str(exc), location=name, code=f"{prefix}-READ") from None
    try:
        what = kind_of(os.fstat(fd).st_mode)  # the path may have been swapped since the stat
        if what is not None:
            raise _refuse(what, name, prefix)
        os.set_blocking(fd, True)
        try:
            data = _read_fd(fd, max_bytes)
        except OSError as exc:
            raise InputError(exc.strerror or str(exc), location=name, code=f"{prefix}-READ") from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise too_large(name, max_bytes, prefix, variable)
    return data


def read_source(name: str, max_bytes: int, *, prefix: str = "E-FACTS", variable: str = "PODNET_MAX_FACT_BYTES") -> bytes:
    """A regular file's bytes, or stdin's for ``-``, with the same byte limit."""
    if name == "-":
        return read_stdin(max_bytes, prefix=prefix, variable=variable)
    return read_regular(name, max_bytes, prefix=prefix, variable=variable)
