"""Combine rule weights into one confidence per cause (certainty factors, order-independent).

Each rule that fires for a cause contributes its weight once (a rule is one argument, however
many fact combinations match it). Weights in (0, 1] argue for the cause, weights in [-1, 0)
against it. Supporting weights combine as ``CF+ = 1 - prod(1 - w)``, opposing ones as
``CF- = 1 - prod(1 - |w|)``, and the two as MYCIN does:

    CF = (CF+ - CF-) / (1 - min(CF+, CF-))

which is independent of the order rules fire in. The confidence shown is ``max(0, CF)``;
a cause with ``CF <= 0`` but some support is reported as ruled out.
"""

from __future__ import annotations

from typing import Iterable


def combine(weights: Iterable[float]) -> float:
    """Certainty factor of a set of weights in [-1, 1]."""
    pos_rest = 1.0
    neg_rest = 1.0
    for w in weights:
        if w > 0:
            pos_rest *= 1.0 - w
        elif w < 0:
            neg_rest *= 1.0 + w
    cf_pos = 1.0 - pos_rest
    cf_neg = 1.0 - neg_rest
    denom = 1.0 - min(cf_pos, cf_neg)
    if denom <= 0.0:  # both sides certain: they cancel
        return 0.0
    return (cf_pos - cf_neg) / denom


MAX_RULE_CF = 0.99
"""Rule-engine certainty factors are capped here before they become likelihood ratios (at most 100)."""


def likelihood_ratio(cf: float) -> float:
    """The likelihood ratio a certainty factor stands for (Heckerman 1986): ``1/(1-CF)`` for
    ``CF >= 0``, ``1+CF`` for ``CF < 0``. MYCIN's combination of CFs is the product of these."""
    cf = max(-MAX_RULE_CF, min(MAX_RULE_CF, cf))
    return 1.0 / (1.0 - cf) if cf >= 0 else 1.0 + cf
