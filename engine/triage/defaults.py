"""Triage's defaults, in a module of their own so that the command line can show them without
loading triage (``podnet --help`` imports nothing else of it)."""

DEFAULT_THRESHOLD = 0.5
"""Posterior the top cause needs before triage stops: more likely than all other causes together;
the rule engine must rank it first too. ``bench/triage_bench.py`` gave no wrong confident answer
with thresholds from 0.5 to 0.8; lower values stop sooner and reach more cases."""

RULE_FLOOR = 0.5
"""Confidence the rule engine must give the posterior's top cause before triage stops on it: at
least even odds from the rules' own evidence. Ranked first at 0.15 was enough before, and the
blind lab's second run stopped "confident" on a cause one weak rule gave 0.15 while the decisive
reading was missing (bench/blind_lab/TRIAGE.md)."""
