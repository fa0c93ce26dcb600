"""Explanations of a diagnosis: rule messages with the observations they matched, cause texts
and steps rendered for the case, in every language (the neutral diagnosis of :mod:`podnet.neutral`)."""

from __future__ import annotations

import re
from typing import Any, Iterable, get_args

from ..facts.base import HopRole, Vantage
from ..facts.model import FactFile
from ..knowledge.load import Knowledge
from ..knowledge.model import LANGS, Lang, Text
from ..messages import table
from ..neutral import Localized, NeutralEvidence, NeutralStep
from ..knowledge.destructive import warning_for
from ..diagnosis import FillIn
from ..knowledge.templates import Label, case_context, fill_ins, obs_namespace, probe_context, relabel, render, render_command
from .compile import Firing
from .engine import CLUSTER_IX, DESTINATION_IX, PATH_IX, SOURCE_IX

_CONTEXT_PATHS = {SOURCE_IX: "$.endpoints.source", DESTINATION_IX: "$.endpoints.destination", CLUSTER_IX: "$.cluster"}


def _paths(firing: Firing, captures: list[str], located: dict[int, str] | None = None) -> list[str]:
    """Where the observations a firing matched (and their copies) are: FILE:LINE of the raw input
    for those ``podnet ingest`` read (their ``source_line``), else their JSON path in the fact file;
    a packet-path suspect stands for every capture."""
    matched = set(firing.fact_indexes.values())
    for copies in firing.copies.values():
        matched.update(copies)
    out: dict[str, None] = {}
    for ix in sorted(matched):
        if ix >= 0:
            out[(located or {}).get(ix) or f"$.observations[{ix}]"] = None
        elif ix in _CONTEXT_PATHS:
            out[_CONTEXT_PATHS[ix]] = None
        elif ix <= PATH_IX:
            out.update(dict.fromkeys(captures))
    return list(out)


ROLE_WORDS: dict[str, tuple[str, str, frozenset[str]]] = {
    "at": ("reasoning", "at_", frozenset(get_args(Vantage))),
    "hop_role": ("reasoning", "hop_", frozenset(get_args(HopRole))),
    "role": ("reasoning", "hop_", frozenset(get_args(HopRole))),
    "direction": ("report", "what_", frozenset({"request", "reply"})),
}
"""Observation fields whose value is an id of the model (a vantage point, an interface role, the
direction of a packet), rendered in a message as the words of its language: ``field: (catalogue
area, id prefix, the ids)`` (``at: source_node`` -> ``reasoning.at_source_node``, "the source node"; ``hop_role: tunnel`` ->
``reasoning.hop_tunnel``, "tunnel", "隧道")."""


def role_words(fields: Any, lang: Lang) -> dict[str, str]:
    """The fields of an observation (or context fact) holding a role id, as words of ``lang``."""
    out = {}
    for name, (area, prefix, ids) in ROLE_WORDS.items():
        value = fields.get(name)
        if isinstance(value, str) and value in ids:
            out[name] = table(area, lang)[prefix + value]
    return out


_VANTAGES = ROLE_WORDS["at"][2]


_Memo = dict[tuple[int, str], tuple[Any, Any, dict[str, str]]]
"""(id of an observation, language) -> (the observation, it relabelled, its role words)."""


def _in_language(ctx: dict[str, Any], lang: Lang, memo: _Memo | None = None) -> tuple[dict[str, Any], list[str]]:
    """The context of a message in one language: roles as that language's words (and those words):
    an observation's role fields, and a rule's variable bound to a vantage point (``at: $vantage``).
    ``memo`` keeps each relabelled observation per language (the explainer's observations are the
    same objects from one message to the next)."""
    out = dict(ctx)
    used: list[str] = []
    for name, value in ctx.items():
        if isinstance(value, str) and value in _VANTAGES:
            out[name] = Label(table("reasoning", lang)[f"at_{value}"])
            used.append(out[name])
        elif isinstance(value, dict) and hasattr(value, "_prefix"):
            key = (id(value), lang)
            hit = memo.get(key) if memo is not None else None
            if hit is not None and hit[0] is value:
                relabelled, words = hit[1], hit[2]
            else:
                words = role_words(value, lang)
                relabelled = relabel(value, words) if words else value
                if memo is not None:
                    memo[key] = (value, relabelled, words)
            if words:
                out[name] = relabelled
                used.extend(words.values())
    return out, used


_CJK = "\u3000-\u9fff\uff00-\uffef"


def _tight(text: str, words: list[str]) -> str:
    """No space between a role's words and the CJK text around them (the template spaced an id:
    "在 source_node 访问" reads "在源节点访问"); text in other scripts keeps its spaces."""
    for w in set(words):
        if re.search(f"[{_CJK}]", w):
            text = re.sub(f"(?<=[{_CJK}]) (?={re.escape(w)})|(?<={re.escape(w)}) (?=[{_CJK}])", "", text)
    return text


def fill_in_list(command: str | None) -> list[FillIn]:
    """The values a rendered command asks the user to set first, each with what it is and where to find it."""
    return [FillIn(variable=v, what=w) for v, w in fill_ins(command)]


class Explainer:
    """Renders rule messages and cause texts for one case, in every language."""

    def __init__(self, kb: Knowledge, facts: FactFile, context: list[tuple[str, dict[str, Any]]] = ()) -> None:  # type: ignore[assignment]
        self.kb = kb
        self.facts = facts
        self.ctx = case_context(facts)
        self._obs_dump: dict[int, Any] = {}
        self._words: _Memo = {}
        self._context = {PATH_IX - k: obs_namespace(fields, kind) for k, (kind, fields) in enumerate(context)}
        self._located = {i: str(o.source_line) for i, o in enumerate(facts.observations) if getattr(o, "source_line", None)}
        self._captures = [self._located.get(i) or f"$.observations[{i}]" for i, o in enumerate(facts.observations) if o.kind == "capture"]  # type: ignore[attr-defined]

    def _obs(self, ix: int) -> Any:
        if ix not in self._obs_dump:
            o = self.facts.observations[ix]
            self._obs_dump[ix] = obs_namespace(o.model_dump(), o.kind)  # type: ignore[attr-defined]
        return self._obs_dump[ix]

    def evidence(self, firing: Firing, direction: str = "for", weight: float | None = None) -> NeutralEvidence:
        rule = firing.rule
        ctx = dict(self.ctx)
        ctx.update(firing.bindings)
        for alias, ix in firing.fact_indexes.items():
            if ix >= 0:
                ctx[alias] = self._obs(ix)
            elif ix in self._context:
                ctx[alias] = self._context[ix]
        message = self.localized(rule.spec.because, ctx, f"{rule.path}: rule {rule.id}: because")
        return NeutralEvidence(rule=rule.id, direction=direction, weight=weight, message=message, observations=_paths(firing, self._captures, self._located))  # type: ignore[arg-type]

    def merged_evidence(self, firings: Iterable[Firing], weighted: bool = False) -> list[NeutralEvidence]:
        """One entry per rule: the message of its first match in observation order (rendered
        once, however often the rule matched) and the observations of all its matches."""
        groups: dict[str, list[Firing]] = {}
        for f in firings:
            groups.setdefault(f.rule.id, []).append(f)
        items = []
        for group in groups.values():
            group.sort(key=_firing_order)
            first = group[0]
            weight = first.rule.spec.then.weight if weighted else None
            ev = self.evidence(first, "against" if weight is not None and weight <= 0 else "for", weight)
            for f in group[1:]:
                ev.observations.extend(_paths(f, self._captures, self._located))
            items.append(ev)
        return merge_evidence(items)

    def evidence_side(self, firings: Iterable[Firing]) -> str:
        """``destination`` when the strongest supporting firing of a cause matched observations
        made only at the destination (its node or Pod), else ``source``: the side whose node a
        ``run_at: evidence_node`` step runs on (an oversized device found on the destination node
        is fixed there)."""
        weight = lambda f: f.rule.spec.then.weight or 0.0  # noqa: E731
        support = sorted((f for f in firings if weight(f) > 0), key=lambda f: -weight(f))
        for f in support:
            sides = {str(getattr(self.facts.observations[ix], "at", "")).partition("_")[0] for ix in f.fact_indexes.values() if ix >= 0}
            sides &= {"source", "destination"}
            if sides:
                return "destination" if sides == {"destination"} else "source"
        return "source"

    def steps(self, steps: list[Any], where: str, side: str = "source") -> list[NeutralStep]:
        """Cause steps for this case: texts and commands rendered (missing values as named fill-ins),
        ``run_at: source`` made concrete, ``run_at: evidence_node`` as the node of the evidence's
        ``side`` (templates read it as ``evidence_side``), and a warning on a command that changes
        the system."""
        out = []
        ctx = dict(self.ctx, evidence_side=side)
        for i, s in enumerate(steps):
            loc = f"{where}[{i}]"
            run_at = self.source_vantage() if s.run_at == "source" else f"{side}_node" if s.run_at == "evidence_node" else s.run_at
            command = render_command(s.command, ctx, f"{loc}.command") if s.command else None
            out.append(
                NeutralStep(
                    text=self.localized(s.text, self.ctx, f"{loc}.text"),
                    command=command,
                    run_at=run_at,
                    run_on=self.host_for(run_at),
                    warning=_warnings(s.command, s.warning) if s.command else None,
                    fill_in=fill_in_list(command),
                )
            )
        return out

    def source_vantage(self) -> str:
        """Where a ``run_at: source`` command runs: kubectl (``kubectl exec`` into the source Pod)
        or the source node itself."""
        return "source_node" if self.ctx["src"].get("kind") == "node" else "control_plane"

    def host_for(self, at: str | None) -> str | None:
        """The name of the machine or Pod a vantage point stands for in this case, if known."""
        ctx = self.ctx
        names = {
            "source_node": ctx["src_node"].get("name"),
            "destination_node": ctx["dst_node"].get("name"),
            "source_pod": ctx["src"].get("name") if ctx["src"].get("kind") == "pod" else None,
            "destination_pod": ctx["backend"].get("pod") or (ctx["dst"].get("name") if ctx["dst"].get("kind") == "pod" else None),
        }
        return names.get(at or "")

    def text(self, template: str, where: str, target_role: str | None = None) -> str:
        """A language-neutral template (a command) rendered for the case."""
        return render(template, probe_context(self.ctx, target_role), where)

    def localized(self, texts: Text, ctx: dict[str, Any] | None, where: str) -> Localized:
        """A text of the knowledge rendered for the case in every language; an observation's role
        (``at: source_node``...) reads as the words of that language, and a sentence that starts
        with one starts with a capital."""
        out: Localized = {}
        for lang in LANGS:
            words, used = _in_language(self.ctx if ctx is None else ctx, lang, self._words)
            text = render(texts.get(lang), words, f"{where}.{lang}")
            if any(text.startswith(w) for w in used):
                text = text[:1].upper() + text[1:]
            out[lang] = _tight(text, used)
        return out


def merge_evidence(items: Any) -> list[NeutralEvidence]:
    """One entry per rule (a rule that matched several fact combinations lists all their
    observations), in a stable order: for before against, stronger first, then by rule id."""
    merged: dict[str, NeutralEvidence] = {}
    for ev in items:
        if ev.rule in merged:
            merged[ev.rule].observations.extend(ev.observations)
        else:
            merged[ev.rule] = ev
    for ev in merged.values():
        ev.observations = sorted(set(ev.observations), key=_path_order)
    return sorted(merged.values(), key=lambda e: (e.direction != "for", -abs(e.weight or 0), e.rule))


def _firing_order(firing: Firing) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Matches of one rule in observation order (then context facts), whatever order the
    engine fired them in."""
    ixs = sorted(firing.fact_indexes.values())
    return tuple(i for i in ixs if i >= 0), tuple(i for i in ixs if i < 0)


def _path_order(path: str) -> tuple[int, str, int]:
    """Context paths first, then observations: by index in the fact file, or by file and line of the raw input."""
    if path.startswith("$.observations["):
        return (int(path[len("$.observations[") : -1]), "", 0)
    file, _, line = path.rpartition(":")
    if not path.startswith("$") and line.isdigit():
        return (0, file, int(line))
    return (-1, path, 0)


def _warnings(command: str | None, own: Text | None) -> Localized | None:
    """The warning printed before a command that changes the system, in every language (None if harmless)."""
    texts = {lang: warning_for(command, lang, own) for lang in LANGS}
    return None if any(t is None for t in texts.values()) else texts  # type: ignore[return-value]
