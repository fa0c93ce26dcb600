"""What every probe shares: its context, the "could not observe" signal, bounded and cancellable subprocesses."""

from __future__ import annotations

import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..messages import Message
from .netns import Vantage
from .targets import Plan

if TYPE_CHECKING:
    from ..inputs.model import CommandRun, Host, ParseResult, Record


class Unobservable(Exception):
    """A probe could not observe (tool missing, no permission, module not loaded): not a failure.

    ``code`` and ``fields`` name the reason in ``kb/messages/collect.yaml``; ``reason`` is its English text.
    """

    def __init__(self, kinds: tuple[str, ...] | str, code: str, **fields: Any) -> None:
        self.note = Message("collect", code, fields)
        self.reason = self.note.text("en")
        super().__init__(self.reason)
        self.kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)


@dataclass
class Context:
    """One vantage point: where, the host its command runs name, and what the run is about.

    Every probe yields the records a pasted transcript's commands yield (:class:`podnet.inputs.model.Record`),
    each with a command run whose :class:`~podnet.inputs.model.Host` is this vantage point: the
    ingest assembly places them (endpoints, roles, context) as it places a transcript's."""

    vantage: Vantage
    plan: Plan
    host: Host

    def run(self, command: str, family: str | None, text: str = "", origin: str | None = None) -> CommandRun:
        """The command run of ``command`` here (its output ``text``), as a transcript would hold it."""
        from ..inputs.raw import PARSERS  # noqa: F401  first: inputs.commands imported alone goes round through inputs.raw
        from ..inputs.commands import split_words
        from ..inputs.model import CommandRun

        lines = list(enumerate(text.splitlines(), start=1))
        return CommandRun(origin=origin or command.split()[0], line=1, command=command, argv=split_words(command),
                          family=family, output=lines, host=self.host, ended_by_prompt=True)

    def record(self, type_: str, data: dict[str, Any], command: str, origin: str) -> Record:
        """A record of an in-process reading (``origin``: netlink, /proc, socket, dnspython) in the
        shape the parser of ``command``'s output yields."""
        from ..inputs.model import Record

        return Record(type_, data, self.run(command, None, "", origin), None)

    def read(self, family: str, command: str, text: str, origin: str | None = None) -> ParseResult:
        """``command``'s output ``text`` read by its parser, with this vantage point as the host."""
        return read_output(family, command, text, origin or command.split()[0], self.host)


def read_output(family: str, command: str, text: str, origin: str, host: Host | None = None) -> ParseResult:
    """What ``podnet ingest`` reads from ``text`` as the output of ``command`` (parser ``family`` of
    :data:`podnet.inputs.raw.PARSERS`): live collection and a pasted transcript read a file or a
    command's output with the same parser, and get the same located warnings (``origin:LINE``, the
    line of ``text``)."""
    from ..inputs.raw import PARSERS  # first: inputs.commands imported alone goes round through inputs.raw
    from ..inputs.commands import split_words
    from ..inputs.model import CommandRun

    lines = list(enumerate(text.splitlines(), start=1))
    run = CommandRun(origin=origin, line=1, command=command, argv=split_words(command), family=family,
                     output=lines, host=host, ended_by_prompt=True)
    return PARSERS[family](run)


def parse_output(family: str, command: str, text: str, origin: str) -> list[dict[str, Any]]:
    """The records' data of :func:`read_output` (its warnings left out)."""
    return [dict(r.data) for r in read_output(family, command, text, origin).records]


def tool(name: str, kinds: tuple[str, ...] | str) -> str:
    """Path of a system tool, or :class:`Unobservable` naming the kinds it would have observed."""
    path = shutil.which(name)
    if path is None:
        raise Unobservable(kinds, "tool_not_installed", tool=name)
    return path


class Cancelled(Exception):
    """The run was interrupted (Ctrl-C, SIGTERM): a probe stops instead of starting or waiting."""


class _Children:
    """Every child process the probes started, so that an interrupt can kill them by PID at once.

    Once :meth:`cancel` is called no new child starts (the check and the start hold one lock),
    and probes that wait in slices (TCP connect) see :attr:`cancelled` and stop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._procs: set[subprocess.Popen[str]] = set()
        self.cancelled = threading.Event()

    def start(self, cmd: list[str]) -> subprocess.Popen[str]:
        with self._lock:
            if self.cancelled.is_set():
                raise Cancelled()
            proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            self._procs.add(proc)
            return proc

    def done(self, proc: subprocess.Popen[str]) -> None:
        with self._lock:
            self._procs.discard(proc)

    def cancel(self) -> list[int]:
        """Stop every running child (SIGKILL by PID) and refuse new ones; returns the PIDs killed."""
        with self._lock:
            self.cancelled.set()
            procs = list(self._procs)
        killed = []
        for proc in procs:
            if proc.poll() is None:
                try:
                    proc.kill()
                    killed.append(proc.pid)
                except OSError:
                    pass
        for proc in procs:
            try:
                proc.wait(timeout=1)
            except subprocess.TimeoutExpired:
                pass
        return killed

    def reset(self) -> None:
        """Allow children again (a new run in the same process)."""
        with self._lock:
            if not self._procs:
                self.cancelled.clear()

    @property
    def pids(self) -> list[int]:
        with self._lock:
            return [p.pid for p in self._procs if p.poll() is None]


CHILDREN = _Children()
"""The process-wide registry: an interrupt cancels every probe of the process."""


def run_tool(cmd: list[str], kinds: tuple[str, ...] | str, timeout: float) -> subprocess.CompletedProcess[str]:
    """Run a tool with a time bound; a timeout or a permission problem is :class:`Unobservable`.

    The child is registered in :data:`CHILDREN`, so Ctrl-C or SIGTERM kills it at once."""
    try:
        proc = CHILDREN.start(cmd)
    except PermissionError:
        raise Unobservable(kinds, "tool_no_permission", tool=cmd[0]) from None
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise Unobservable(kinds, "tool_timeout", tool=cmd[0], seconds=f"{timeout:g}") from None
    finally:
        CHILDREN.done(proc)
    if CHILDREN.cancelled.is_set():
        raise Cancelled()
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)
