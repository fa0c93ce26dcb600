"""Results as people report them: a precise mode, or only "it fails", or "it works sometimes".

Tickets say "fails" far more often than "times out" or "refused". Every probe kind therefore
accepts ``failed`` (a failure of unknown mode) and ``intermittent`` (works sometimes, with an
optional ``success_ratio``) besides its precise modes, and derives ``outcome``, the family of its
result: ``ok``, ``failed`` or ``intermittent``. Rules test the family (``outcome: failed``) where
any failure establishes a symptom, and a precise mode (``result: timeout``) where the mode is the
evidence (a DROP rule gives a timeout, a REJECT gives refused).
"""

from __future__ import annotations

from typing import Literal

Outcome = Literal["ok", "failed", "intermittent"]
"""The family of a probe's result."""

FAILED = "failed"
"""The result word for a failure whose mode (timeout, refused, ...) the reporter did not give."""
INTERMITTENT = "intermittent"
"""The result word for "works sometimes"."""

SUCCESS_RATIO_DOC = "For result 'intermittent': the share of attempts that succeeded (0..1), when known."


def outcome_of(result: str | None, ok: tuple[str, ...], intermittent: tuple[str, ...] = (INTERMITTENT,)) -> Outcome | None:
    """The family of ``result``: ``ok`` for the words in ``ok``, ``intermittent`` for those in
    ``intermittent``, ``failed`` for every other word; None when there is no result."""
    if result is None:
        return None
    if result in ok:
        return "ok"
    if result in intermittent:
        return "intermittent"
    return "failed"


def check_success_ratio(result: str | None, ratio: float | None) -> None:
    """A success ratio belongs to an intermittent result, and is strictly between 0 and 1."""
    if ratio is None:
        return
    if result != INTERMITTENT:
        raise ValueError(f"success_ratio is given for result 'intermittent' only, not {result!r}")
    if not 0 < ratio < 1:
        raise ValueError("success_ratio of an intermittent result lies strictly between 0 and 1")
