"""Writing a user-named output file: atomically (a temporary file in the same folder, renamed over
the target once complete), with a one-line ``E-USAGE`` error naming the path as the user typed it.
A target that exists and is not a regular file (``/dev/null``, a FIFO, a terminal) is written in
place: renaming over it would replace the device with a file.
Used by ``--out`` (:mod:`podnet.cli.output`) and triage's ``--save``."""

from __future__ import annotations

import os
import stat
import sys

from .errors import UsageError

__all__ = ["check_output_path", "is_special_file", "write_output"]


def is_special_file(target: str) -> bool:
    """True for an existing target that is not a regular file (a device, FIFO or socket)."""
    try:
        return not stat.S_ISREG(os.stat(target).st_mode)
    except OSError:
        return False


def check_output_path(path: str | None, option: str = "--out") -> None:
    """Refuse an output path that cannot be written, before any work is done.

    The error names the path as given, never a temporary file."""
    if not path or path == "-":
        return
    target = os.path.realpath(path)
    if os.path.isdir(target):
        raise UsageError(f"is a folder; give a file name, e.g. {os.path.join(path, 'report.txt')}", location=f"{option} {path}")
    folder = os.path.dirname(target)
    if not os.path.exists(folder):
        raise UsageError(f"the folder {os.path.dirname(path) or folder} does not exist", location=f"{option} {path}")
    if not os.path.isdir(folder):
        raise UsageError(f"{os.path.dirname(path) or folder} is not a folder", location=f"{option} {path}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"no permission to write in the folder {os.path.dirname(path) or folder}", location=f"{option} {path}")
    if os.path.exists(target) and not os.access(target, os.W_OK):
        raise UsageError("the file is read-only", location=f"{option} {path}")


def _new_file_mode(target: str) -> int:
    try:
        return os.stat(target).st_mode & 0o7777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def write_output(text: str, path: str | None, option: str = "--out") -> None:
    """Print ``text``, or write it to ``path`` atomically (a temporary file renamed over it)."""
    if not path or path == "-":
        sys.stdout.write(text)
        return
    import tempfile

    check_output_path(path, option)
    target = os.path.realpath(path)  # through a symlink: the link stays, its target is replaced
    if is_special_file(target):
        try:
            with open(target, "w", encoding="utf-8") as fh:
                fh.write(text)
        except OSError as exc:
            raise UsageError(f"cannot write: {exc.strerror or exc}", location=f"{option} {path}") from None
        return
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(target), prefix=f".{os.path.basename(target)}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _new_file_mode(target))
        os.replace(tmp, target)
        tmp = None
    except OSError as exc:
        raise UsageError(f"cannot write: {exc.strerror or exc}", location=f"{option} {path}") from None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
