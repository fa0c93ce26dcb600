"""Output options as kubectl users know them: ``-o FORMAT`` picks the format, ``--out FILE`` the file.

``-o`` never names a file (``-o json`` prints JSON); ``--out`` (alias ``--output-file``) writes the
output atomically: a temporary file in the same folder, renamed over the target only once it is
complete, so a failure never leaves half a file nor loses the previous one. A bad output path is a
one-line ``E-USAGE`` error naming the path as the user typed it.
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
from typing import TYPE_CHECKING, Callable, Sequence

from ..errors import UsageError

if TYPE_CHECKING:
    from ..diagnosis import Diagnosis

REPORT_FORMATS: tuple[str, ...] = ("text", "wide", "markdown", "json", "yaml")
"""Formats of a diagnosis report: ``wide`` is the text report with all of its evidence."""


_ALIASES = {"md": "markdown", "yml": "yaml", "txt": "text", "plain": "text"}
"""Spellings people try, for the did-you-mean only (kubectl does not accept aliases either)."""


def format_type(formats: Sequence[str]) -> Callable[[str], str]:
    """An argparse ``type`` accepting one of ``formats``; anything else gets a did-you-mean."""

    def check(value: str) -> str:
        if value in formats:
            return value
        choose = f"(choose from {', '.join(formats)})"
        if "." in value or "/" in value or os.sep in value:  # a file name: -o used to mean the file
            raise argparse.ArgumentTypeError(f"unknown output format {value!r} {choose}; to write to a file use --out {value}")
        alias = _ALIASES.get(value.lower())
        close = [alias] if alias in formats else difflib.get_close_matches(value.lower(), formats, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise argparse.ArgumentTypeError(f"unknown output format {value!r}{hint} {choose}")

    check.__name__ = "format"
    return check


def add_output(parser: argparse.ArgumentParser, formats: Sequence[str], *, default: str | None, what: str) -> None:
    """``-o/--output FORMAT``, the old ``--format`` as a hidden alias, and ``--out/--output-file FILE``."""
    shown = default or formats[0]
    parser.add_argument(
        "-o",
        "--output",
        dest="format",
        type=format_type(formats),
        default=default,
        metavar="FORMAT",
        help=f"output format: {', '.join(formats)} (default {shown})",
    )
    # Deprecated spelling kept so that existing scripts keep working; not shown in --help.
    parser.add_argument("--format", dest="format", type=format_type(formats), default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    add_out(parser, what)


def add_out(parser: argparse.ArgumentParser, what: str) -> None:
    """``--out/--output-file FILE``: where to write instead of stdout."""
    parser.add_argument(
        "--out",
        "--output-file",
        dest="out",
        metavar="FILE",
        help=f"write {what} to FILE instead of stdout (replaced only once complete; - is stdout)",
    )


def render_report(diagnosis: Diagnosis, fmt: str) -> str:
    """A diagnosis in one of :data:`REPORT_FORMATS` (``yaml`` is the JSON model dumped as YAML)."""
    from ..render import FORMATS, render

    if fmt == "yaml":
        return to_yaml(diagnosis.model_dump(mode="json"))
    if fmt == "wide":
        # The renderers own the report's layout; until they know "wide" it is the text report.
        return render(diagnosis, "wide" if "wide" in FORMATS else "text")
    return render(diagnosis, fmt)


def to_yaml(data: object) -> str:
    """YAML for plain (JSON-compatible) data, keys in their given order, Chinese kept readable."""
    import yaml

    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def dump(data: object, fmt: str) -> str:
    """JSON-compatible data as ``json`` or ``yaml`` text."""
    if fmt == "yaml":
        return to_yaml(data)
    import json

    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


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


def one_stdin(names: Sequence[str | None], what: str) -> None:
    """Stdin can be read once: refuse ``-`` given for two inputs."""
    if sum(1 for n in names if n == "-") > 1:
        raise UsageError("- (stdin) can be given only once", location=what)
