"""Data passed between the transcript splitter, the parsers and the assembler."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from ..facts.base import Vantage
from ..messages import Message

HostKind = Literal["pod", "node", "control", "workstation"]


@dataclass(frozen=True)
class Host:
    """Where a command ran, as far as the prompt or command line tells.

    ``kind`` is None when only a name is known (a ``[root@name ~]#`` prompt could be a node or a
    Pod); ``name`` is None when only the kind is known (a busybox ``/ # `` prompt).
    """

    kind: HostKind | None = None
    name: str | None = None
    namespace: str | None = None
    how: str = ""
    """What told us (``prompt``, ``kubectl exec``, ``folder`` ...), for notes and docs."""
    node: str | None = None
    """For a container entered on a node (``nsenter``, ``docker exec`` after ``[root@node1 ~]#``): that node."""
    vantage: Vantage | None = None
    """A vantage point the user fixed (``podnet collect --as ROLE``): kept as given, like a folder's."""


@dataclass
class IngestWarning:
    """Something in the input that was not understood or not used; ``location`` is ``file:line``.

    ``message`` is the English text; ``code`` is its id in ``kb/messages/ingest.yaml`` and
    :meth:`text` gives it in any language.
    """

    location: str
    message: str
    code: str = ""
    fields: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def of(cls, location: str, code: str, **fields: Any) -> IngestWarning:
        """The warning with catalogued id ``code`` and its ``fields``."""
        msg = Message("ingest", code, fields)
        return cls(location, msg.text("en"), code, fields)

    def text(self, lang: str = "en") -> str:
        """The message in ``lang`` (``en`` or ``zh``)."""
        if not self.code:
            return self.message
        return Message("ingest", self.code, self.fields).text(lang)  # type: ignore[arg-type]

    @property
    def message_zh(self) -> str:
        return self.text("zh")

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


@dataclass
class CommandRun:
    """One command and its output, as found in a file or a transcript."""

    origin: str
    """The file it came from."""
    line: int
    """Line number (1-based) of the command line, or of the first output line when there is none."""
    command: str
    """The command line as typed ('' when only the file name told what it is)."""
    argv: list[str]
    """The command's own words, after unwrapping sudo, kubectl exec, nsenter, timeout..."""
    family: str | None
    """Parser family (``ping``, ``ip_addr``, ``kubectl_pods``...); None when not recognised."""
    output: list[tuple[int, str]]
    """(line number, text) of each output line."""
    host: Host | None = None
    piped: bool = False
    """The output went through a pipe (grep, head...): absent lines prove nothing."""
    ended_by_prompt: bool = False
    """Another prompt follows the output: the command finished (empty output is then its whole output,
    not a cut paste)."""
    interrupted: bool = False
    """The output ends with ``^C``: the user stopped a command that hung."""

    def where(self, lineno: int | None = None) -> str:
        return f"{self.origin}:{lineno if lineno is not None else self.line}"

    @property
    def text(self) -> str:
        return "\n".join(t for _, t in self.output) + "\n"

    @property
    def nonblank(self) -> list[tuple[int, str]]:
        return [(n, t) for n, t in self.output if t.strip()]


@dataclass
class Record:
    """What a parser found in one command's output.

    ``type`` is an observation kind (``ping``, ``tcp_connect``...) whose ``data`` needs only the
    vantage to become an observation, or an intermediate finding that the assembler combines with
    others (``addresses``, ``ifcfg``, ``pods``, ``nodes``, ``nat_rules``, ``filter_rules``, ``ipvs``,
    ``routes``, ``sockets``, ``capture``, ``kube_proxy_log``).
    """

    type: str
    data: dict[str, Any]
    run: CommandRun
    line: int | None = None

    def where(self) -> str:
        return self.run.where(self.line)


@dataclass
class ParseResult:
    records: list[Record] = field(default_factory=list)
    warnings: list[IngestWarning] = field(default_factory=list)

    def warn(self, run: CommandRun, code: str, line: int | None = None, **fields: Any) -> None:
        """Warn with message ``code`` of ``kb/messages/ingest.yaml`` at ``line`` (default: the command's)."""
        self.warnings.append(IngestWarning.of(run.where(line), code, **fields))

    def add(self, run: CommandRun, type_: str, data: dict[str, Any], line: int | None = None) -> Record:
        rec = Record(type_, data, run, line)
        self.records.append(rec)
        return rec

    def not_understood(self, run: CommandRun, lines: list[tuple[int, str]], *, limit: int = 5, code: str = "lines_not_understood") -> None:
        """One located warning per stretch of consecutive output lines the parser did not understand
        (message ``code``, with ``first``, ``last`` and ``text``: ``lines_not_understood``, or a
        parser's own wording), at most ``limit`` per command and then one that counts the rest:
        nothing not understood is dropped silently, and a 100k-line paste gives a few warnings."""
        nonblank = [n for n, t in run.output if t.strip()]
        rank = {n: i for i, n in enumerate(nonblank)}
        stretches: list[list[tuple[int, str]]] = []
        for n, text in lines:
            if n not in rank:
                continue
            # one stretch while the lines follow each other (blank lines between them do not cut it)
            if stretches and rank[n] == rank[stretches[-1][-1][0]] + 1:
                stretches[-1].append((n, text))
            else:
                stretches.append([(n, text)])
        for stretch in stretches[:limit]:
            first, last = stretch[0][0], stretch[-1][0]
            self.warn(run, code, first, first=first, last=last, text=stretch[0][1].strip()[:80])
        if len(stretches) > limit:
            rest = sum(len(s) for s in stretches[limit:])
            self.warn(run, "more_lines_not_understood", stretches[limit][0][0], count=rest)
