"""Pasted command output as an answer: read by ``podnet ingest``, taken only where it speaks.

The paste is written to a private temporary folder and read by :func:`podnet.inputs.ingest.ingest`
with what the session knows as context (the case id, the endpoints, the cluster), so that the
output is placed at the right vantage points. From the result the session takes:

* the observations (every one validated by ingest);
* endpoint and cluster values the session did not have and the output shows (a Service's backends
  from ``kubectl get endpoints``, the kube-dns ClusterIP from ``kubectl get svc``...), but never
  one that ingest *assumed* (its warnings ``source_kind_assumed`` / ``destination_kind_assumed``),
  nor ingest's own case summary.

Locations in the observations name the paste (``paste-3.txt:7``), not the temporary folder.
"""

from __future__ import annotations

import copy
import os
import re
import shlex
import tempfile
from dataclasses import dataclass, field
from typing import Any

from ..errors import PodnetError

ASSUMED = {"source_kind_assumed": ("source", "kind"), "destination_kind_assumed": ("destination", "kind")}
"""Ingest warnings that mean a value was assumed, not read: the session does not take it."""


@dataclass
class PasteReading:
    """What a paste holds for the session."""

    observations: list[Any]
    head: dict[str, Any]
    """The session's head with the values the paste adds (endpoints, cluster)."""
    added: list[str] = field(default_factory=list)
    """Dotted paths of the values the paste added to the head."""
    warnings: list[str] = field(default_factory=list)
    """Located one-line warnings of ingest (lines not understood...)."""


class PasteError(PodnetError):
    """Nothing usable in the paste (or it is too large): a located one-line message."""

    exit_code = 2


def _scrub(text: str | None, folder: str) -> str | None:
    if text is None:
        return None
    for sub in VANTAGE_FOLDERS.values():
        text = text.replace(os.path.join(folder, sub) + os.sep, "")
    return text.replace(folder + os.sep, "").replace(folder, "")


def _flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(data, dict):
        for k, v in data.items():
            out.update(_flatten(v, f"{prefix}{k}."))
    else:
        out[prefix[:-1]] = data
    return out


def _adopt(head: dict[str, Any], got: dict[str, Any], assumed: set[tuple[str, str]], folder: str | None = None) -> tuple[dict[str, Any], list[str]]:
    """The head completed with the endpoint/cluster values of ``got`` it lacks (not assumed ones, nor
    the name of the vantage folder the paste was read in)."""
    out = copy.deepcopy(head)
    added: list[str] = []
    for end in ("source", "destination"):
        mine = out.setdefault("endpoints", {}).setdefault(end, {})
        theirs = (got.get("endpoints") or {}).get(end) or {}
        for key, value in theirs.items():
            if (end, key) in assumed or value in (None, [], "", folder) or mine.get(key) not in (None, [], ""):
                continue
            if key == "protocol" and value == "tcp":
                continue  # the model's default, not something the paste showed
            mine[key] = value
            added.append(f"endpoints.{end}.{key}")
    cluster = out.setdefault("cluster", {})
    theirs_c = got.get("cluster") or {}
    for key, value in theirs_c.items():
        if key == "nodes":
            nodes = cluster.setdefault("nodes", [])
            by_name = {n.get("name"): n for n in nodes}
            for n in value or []:
                mine_n = by_name.get(n.get("name"))
                if mine_n is None:
                    nodes.append(dict(n))
                    added.append(f"cluster.nodes.{n.get('name')}")
                    continue
                for k, v in n.items():
                    if mine_n.get(k) is None and v is not None:
                        mine_n[k] = v
                        added.append(f"cluster.nodes.{n.get('name')}.{k}")
            if not nodes:
                cluster.pop("nodes")
            continue
        if value in (None, "unknown", [], "") or cluster.get(key) not in (None, "unknown"):
            continue
        cluster[key] = value
        added.append(f"cluster.{key}")
    return out, added


VANTAGE_FOLDERS = {"source_node": "source-node", "source_pod": "source-pod", "destination_node": "destination-node",
                   "destination_pod": "destination-pod", "control_plane": "control-plane"}
"""Vantages a paste's unnamed host can stand for, as ingest's folder names (``podnet.inputs.vantage``)."""


def split_statements(command: str) -> list[str]:
    """The commands a command line runs one after the other (``;``, ``&&``, ``||`` outside quotes,
    ``$(...)`` and loops); a pipeline or a ``for ... do ... done`` loop is one."""
    pieces: list[str] = []
    quote, depth, i, start = None, 0, 0, 0
    loop = re.match(r"^\s*(?:for|while|until)\b", command) is not None
    while i < len(command):
        ch = command[i]
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif command.startswith("$(", i):
            depth += 1
            i += 1
        elif ch == ")" and depth:
            depth -= 1
        elif not depth and not loop and (ch == ";" or command[i : i + 2] in ("&&", "||")):
            pieces.append(command[start:i])
            i += 1 if ch != ";" else 0
            start = i + 1
        i += 1
    pieces.append(command[start:])
    return [p.strip() for p in pieces]


def _runnable(command: str) -> str | None:
    """The command as its output's heading: as printed, or, when a value is still to fill in
    (``kubectl exec -n "${SOURCE_NAMESPACE:?...}" ...`` names no Pod), the command inside the
    wrapper, which ran where the question asked (the paste's vantage); None when even that has one."""
    from ..inputs.commands import parse_command

    if "${" not in command:
        return command.strip()
    parsed = parse_command(command)
    if parsed.family is None or parsed.piped or not parsed.argv or any("${" in w for w in parsed.argv):
        return None
    return shlex.join(parsed.argv)


def _runs_of(lines: list[str], parts: list[str]) -> list[list[str]] | None:
    """The bare output of ``parts`` (commands of one family run one after the other), one block of
    lines per part, when that family's reader tells its runs apart (``inputs.raw.RUNS``) and the
    output holds exactly as many runs; None otherwise."""
    from ..inputs.commands import parse_command
    from ..inputs.raw import RUNS

    families = {parse_command(p).family for p in parts}
    if len(families) != 1 or (split := RUNS.get(families.pop() or "")) is None:
        return None
    runs = split(lines)
    return runs if len(runs) == len(parts) else None


def with_command(text: str, command: str | None) -> str:
    """The paste, headed by ``$ COMMAND`` when it shows no command line of its own and the question
    printed one command (its output alone is then that command's output); when the question printed
    several commands of one family (``nslookup NAME; nslookup -vc NAME``), each run of the output
    headed by its command, if the family's reader tells the runs apart; as it is otherwise."""
    from ..inputs.text import clean_lines
    from ..inputs.transcript import _starts_command

    if not command or "\n" in command.strip():
        return text
    if _starts_command(clean_lines(text)) is not None:
        return text
    parts = split_statements(command)
    heads = [_runnable(p) for p in parts]
    if any(h is None for h in heads):
        return text
    if len(parts) == 1:
        return f"$ {heads[0]}\n{text}"
    runs = _runs_of(text.splitlines(), parts)
    if runs is None:
        return text
    return "".join(f"$ {head}\n" + "".join(f"{line}\n" for line in run) for head, run in zip(heads, runs))


def read_paste(text: str, head: dict[str, Any], name: str, lang: str = "en", vantage: str | None = None) -> PasteReading:
    """Read pasted output against the session's head; :class:`PasteError` when nothing in it is
    understood (the first problem is named). ``name`` is the file name locations use.
    ``vantage``: where the question asked to run the command; output whose host the paste does not
    name (no prompt, a ``$`` prompt) ran there, as a file in ingest's folder of that vantage does."""
    from ..errors import InputError, UsageError
    from ..inputs.ingest import ingest

    if not text.strip():
        raise PasteError("the paste is empty", location=name, code="E-TRIAGE-PASTE")
    context: dict[str, Any] = {"case": {"id": head["case"]["id"]}}
    ends = {k: v for k, v in ((head.get("endpoints") or {}).items()) if v}
    if ends:
        context["endpoints"] = copy.deepcopy(ends)
    if head.get("cluster"):
        context["cluster"] = copy.deepcopy(head["cluster"])
    sub = VANTAGE_FOLDERS.get((vantage or "").partition(">")[0])
    with tempfile.TemporaryDirectory(prefix="podnet-paste-") as folder:
        path = os.path.join(folder, sub, name) if sub else os.path.join(folder, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text if text.endswith("\n") else text + "\n")
        try:
            result = ingest(folder if sub else path, context=context)
        except (InputError, UsageError) as exc:
            message = _scrub(exc.message, folder) or exc.message
            raise PasteError(message, location=name, code="E-TRIAGE-PASTE") from None
        warnings = [f"{_scrub(w.location, folder)}: {w.text(lang)}" for w in result.warnings]
        assumed = {ASSUMED[w.code] for w in result.warnings if getattr(w, "code", None) in ASSUMED}
        observations = []
        for o in result.facts.observations:
            update = {k: _scrub(getattr(o, k, None), folder) for k in ("note", "source_line") if getattr(o, k, None)}
            if sub and getattr(o, "host", None) == sub:
                update["host"] = None  # the folder's name is no host's
            observations.append(o.model_copy(update=update) if update else o)
        got = result.facts.to_json_dict()
    new_head, added = _adopt(head, got, assumed, sub)
    return PasteReading(observations=observations, head=new_head, added=added, warnings=warnings)
