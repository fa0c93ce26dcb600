"""A netfilter model: iptables/nftables rulesets parsed into chains, and flows traced through them.

Written here because no well-kept Python library does this: python-iptables (``iptc``) reads
the live kernel through libiptc (no dumps pasted by a customer, no nftables), and jc parses only
``iptables -L``, which loses the chain structure. Modules:

* :mod:`.model` — tables, chains (hook, priority, policy), rules (matches, target, source line).
* :mod:`.iptables_save` — ``iptables-save`` / ``ip6tables-save`` / ``iptables -S`` text.
* :mod:`.nft` — ``nft -j list ruleset`` JSON.
* :mod:`.trace` — a flow's verdict (accept, drop, reject, undecided), the deciding rule, DNAT.
* :mod:`.services` — a ClusterIP through kube-proxy's chains or IPVS (:mod:`.ipvs`).
* :mod:`.routes` — longest-prefix match over ``ip route`` entries.
"""

from __future__ import annotations

from .model import Chain, Match, Problem, Rule, Ruleset, Table, Target
from .trace import Flow, RuleRef, Trace, trace

__all__ = ["Chain", "Flow", "Match", "Problem", "Rule", "RuleRef", "Ruleset", "Table", "Target", "Trace", "trace"]
