"""Where a batch's cases come from: folders, globs, fact files, JSON Lines and stdin, streamed.

Each input yields :class:`CaseInput` items one at a time, so a batch of 100,000 cases never holds
them all: a folder is walked (sorted, recursively, hidden folders skipped), a glob is expanded
(``**`` included), a ``.jsonl`` / ``.ndjson`` file and stdin (``-``) are read line by line, one
fact file per non-blank line. A fact file is read later, by whoever diagnoses it (a worker
process), unless :func:`iter_cases` is asked to read it (``read_files``: Ray workers on other
machines cannot see the driver's files).

An input that cannot be used (a missing path, a glob matching nothing, a line over the size
limit, a line that is not UTF-8) becomes an item carrying its located error: one bad case never
stops the batch. Items are numbered (``n``) across all inputs in order; ``shard`` keeps every
item with ``n % COUNT == INDEX`` (a Kubernetes Indexed Job, see docs/batch.md).
"""

from __future__ import annotations

import glob
import os
import sys
from dataclasses import dataclass
from typing import IO, Any, Iterable, Iterator

from ..errors import InputError, PodnetError

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonlines")
"""Files read as JSON Lines (one fact file per line); any other file is one fact file."""

_GLOB_CHARS = frozenset("*?[")


@dataclass(frozen=True)
class CaseInput:
    """One case of a batch: where it comes from and either its file, its JSON text or its error."""

    n: int
    """Position in the batch (0-based, across every input, shards included)."""
    source: str
    """Where it is: a file name, or ``FILE:LINE`` for a line of JSON Lines (``<stdin>:LINE``)."""
    path: str | None = None
    """A fact file still to be read."""
    text: str | None = None
    """The fact file's JSON text, already read."""
    error: dict[str, Any] | None = None
    """A located error found while reading the input (``code``, ``location``, ``message``, ``exit``)."""
    line: int | None = None
    """For a line of JSON Lines, its number (a JSON error inside is then ``FILE:LINE:COLUMN``)."""


def error_fields(exc: PodnetError) -> dict[str, Any]:
    """The located error of a case, as a batch record carries it."""
    from ..render.safe import one_line, visible

    return {"code": exc.code, "location": visible(exc.location or ""), "message": one_line(exc.message), "exit": exc.exit_code}


@dataclass(frozen=True)
class Shard:
    """``INDEX/COUNT``: this run diagnoses the items whose number ``n % COUNT == INDEX``."""

    index: int
    count: int

    def __post_init__(self) -> None:
        if self.count < 1 or not 0 <= self.index < self.count:
            raise InputError(f"shard {self.index}/{self.count}: INDEX must be in 0..COUNT-1", location="--shard", code="E-USAGE")

    @classmethod
    def parse(cls, text: str, option: str = "--shard") -> Shard:
        """``"2/8"`` -> ``Shard(2, 8)``; anything else is a usage error."""
        index, sep, count = text.partition("/")
        if not sep or not index.strip().isdigit() or not count.strip().isdigit():
            raise InputError(f"expected INDEX/COUNT (e.g. 0/4), not {text!r}", location=option, code="E-USAGE")
        return cls(int(index), int(count))

    @classmethod
    def from_env(cls, count: int, environ: dict[str, str] | None = None) -> Shard:
        """The shard of a Kubernetes Indexed Job's Pod: INDEX from ``JOB_COMPLETION_INDEX``."""
        env = os.environ if environ is None else environ
        raw = env.get("JOB_COMPLETION_INDEX")
        if raw is None or not raw.strip().isdigit():
            what = "is not set" if raw is None else f"is {raw!r}, not a number"
            raise InputError(f"JOB_COMPLETION_INDEX {what} (set by a Kubernetes Indexed Job)", location="--shard-from-env", code="E-USAGE")
        return cls(int(raw), count)

    def keeps(self, n: int) -> bool:
        return n % self.count == self.index


def _is_jsonl(name: str) -> bool:
    return name.lower().endswith(JSONL_SUFFIXES)


def _read_file(path: str) -> tuple[str | None, dict[str, Any] | None]:
    """(text, None) or (None, error) for one fact file (same limits as ``podnet diagnose``)."""
    from ..facts.load import read_text

    try:
        return read_text(path), None
    except PodnetError as exc:
        return None, error_fields(exc)


class _Counter:
    """Numbers the items across every input and keeps those of this run's shard."""

    def __init__(self, shard: Shard | None) -> None:
        self.next = 0
        self.shard = shard

    def take(self) -> tuple[int, bool]:
        n = self.next
        self.next += 1
        return n, self.shard is None or self.shard.keeps(n)


def _lines(stream: IO[bytes], origin: str, counter: _Counter, max_bytes: int) -> Iterator[CaseInput]:
    """One item per non-blank line; a line over ``max_bytes`` or not UTF-8 is an error item."""
    lineno = 0
    while True:
        line = stream.readline(max_bytes + 1)
        if not line:
            return
        lineno += 1
        where = f"{origin}:{lineno}"
        if len(line) > max_bytes and not line.endswith(b"\n"):
            rest = line
            while rest and not rest.endswith(b"\n"):  # skip the rest of the long line
                rest = stream.readline(1 << 20)
            n, kept = counter.take()
            if kept:
                err = InputError(f"line is more than the {max_bytes}-byte limit (PODNET_MAX_FACT_BYTES)", location=where, code="E-FACTS-SIZE")
                yield CaseInput(n, where, error=error_fields(err))
            continue
        if not line.strip():
            continue
        n, kept = counter.take()
        if not kept:
            continue
        try:
            text = line.decode("utf-8-sig").rstrip("\r\n")
        except UnicodeDecodeError as exc:
            err = InputError(f"not UTF-8 text (byte {exc.start})", location=where, code="E-FACTS-JSON")
            yield CaseInput(n, where, error=error_fields(err))
            continue
        yield CaseInput(n, where, text=text, line=lineno)


def _jsonl_file(path: str, counter: _Counter, max_bytes: int) -> Iterator[CaseInput]:
    from ..files import check_regular

    try:
        check_regular(path)
        stream = open(path, "rb")  # noqa: SIM115 - closed below, also when the consumer stops early
    except PodnetError as exc:
        n, kept = counter.take()
        if kept:
            yield CaseInput(n, path, error=error_fields(exc))
        return
    except OSError as exc:
        n, kept = counter.take()
        if kept:
            yield CaseInput(n, path, error=error_fields(InputError(exc.strerror or str(exc), location=path, code="E-FACTS-READ")))
        return
    with stream:
        yield from _lines(stream, path, counter, max_bytes)


def _file(path: str, counter: _Counter, max_bytes: int, read_files: bool) -> Iterator[CaseInput]:
    if _is_jsonl(path):
        yield from _jsonl_file(path, counter, max_bytes)
        return
    n, kept = counter.take()
    if not kept:
        return
    if read_files:
        text, error = _read_file(path)
        yield CaseInput(n, path, text=text, error=error)
    else:
        yield CaseInput(n, path, path=path)


def _folder(root: str, counter: _Counter, max_bytes: int, read_files: bool) -> Iterator[CaseInput]:
    """Every ``*.json`` (one case) and JSON Lines file below ``root``, in sorted order."""
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            if name.lower().endswith(".json") or _is_jsonl(name):
                yield from _file(os.path.join(folder, name), counter, max_bytes, read_files)


def _missing(arg: str, counter: _Counter, message: str, code: str) -> Iterator[CaseInput]:
    n, kept = counter.take()
    if kept:
        yield CaseInput(n, arg, error=error_fields(InputError(message, location=arg, code=code)))


def iter_cases(
    inputs: Iterable[str],
    *,
    shard: Shard | None = None,
    read_files: bool = False,
    stdin: IO[bytes] | None = None,
    max_bytes: int | None = None,
) -> Iterator[CaseInput]:
    """The cases of ``inputs`` (folders, globs, fact files, JSON Lines files, ``-`` for stdin as
    JSON Lines), one at a time, in order; ``read_files`` reads each fact file here (its text, or
    its error, travels with the item)."""
    from ..limits import max_fact_bytes

    limit = max_fact_bytes() if max_bytes is None else max_bytes
    counter = _Counter(shard)
    for arg in inputs:
        if arg == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            yield from _lines(stream, "<stdin>", counter, limit)
        elif os.path.isdir(arg):
            yield from _folder(arg, counter, limit, read_files)
        elif os.path.lexists(arg):
            yield from _file(arg, counter, limit, read_files)
        elif _GLOB_CHARS & set(arg):
            matches = sorted(glob.iglob(arg, recursive=True))
            if not matches:
                yield from _missing(arg, counter, "no file matches this pattern", "E-FACTS-MISSING")
            for match in matches:
                if os.path.isdir(match):
                    yield from _folder(match, counter, limit, read_files)
                else:
                    yield from _file(match, counter, limit, read_files)
        else:
            yield from _missing(arg, counter, "no such file or folder", "E-FACTS-MISSING")
