"""A DF ping lost on a path that loses packets anyway is not an MTU limit (real ping output, namespace lab).

The lab's 198.18.200.4 drops every second ICMP echo (netlab.py). A DF size whose every packet
was lost counts as a size limit only when the loss measured to the same address from the same
vantage could not explain it; an error such as "message too long" always counts.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from . import netlab
from .conftest import context, ingest_text, observations
from .netlab import B_LOSSY

PROMPT = "[root@lab-a ~]# "


def _next_echo_dropped(lab: netlab.Lab) -> None:
    """Bring the every-second-echo counter to the phase where the next echo is dropped (the output
    of these pings is not part of the transcript)."""
    for _ in range(2):
        out = lab.run(lab.a, ["ping", "-c", "1", "-W", "1", B_LOSSY], targets=(B_LOSSY,))
        if " 1 received" in out:
            return
    raise AssertionError("the lossy address answered no echo twice in a row")


def _run(lab: netlab.Lab, argv: list[str]) -> str:
    return f"{PROMPT}{shlex.join(argv)}\n{lab.run(lab.a, argv, targets=(B_LOSSY,))}"


def _df(size: int) -> list[str]:
    return ["ping", "-c", "1", "-W", "1", "-M", "do", "-s", str(size), B_LOSSY]


def test_a_df_size_lost_where_half_the_pings_are_lost_is_not_a_limit(lab: netlab.Lab, tmp_path: Path) -> None:
    measured = _run(lab, ["ping", "-c", "10", "-i", "0.2", "-W", "1", B_LOSSY])  # 50 %, the counter's phase kept
    _next_echo_dropped(lab)
    text = measured + _run(lab, _df(1350)) + _run(lab, _df(1300))
    result = ingest_text(tmp_path, text, context(B_LOSSY))
    sizes = [(p["size"], p["result"]) for p in observations(result, "ping") if p["dont_fragment"]]
    assert sizes == [(1350, "lost"), (1300, "ok")], text
    assert observations(result, "mtu_probe") == []  # nothing about sizes is known
    (warning,) = [w for w in result.warnings if "1350" in w.message]
    assert "50 %" in warning.message and "transcript.txt:" in warning.location


def test_without_a_loss_measurement_the_lost_size_counts(lab: netlab.Lab, tmp_path: Path) -> None:
    """Near miss: the same two DF pings, with no plain ping to show the path loses packets."""
    _next_echo_dropped(lab)
    text = _run(lab, _df(1350)) + _run(lab, _df(1300))
    result = ingest_text(tmp_path, text, context(B_LOSSY))
    (probe,) = observations(result, "mtu_probe")
    assert (probe["largest_ok_size"], probe["first_failed_size"]) == (1300, 1350)
    assert not [w for w in result.warnings if "1350" in w.message]


def test_a_local_error_counts_despite_the_loss(lab: netlab.Lab, tmp_path: Path) -> None:
    """Near miss: 'message too long' (the lab client's MTU is 1400) is a size limit whatever the loss."""
    measured = _run(lab, ["ping", "-c", "10", "-i", "0.2", "-W", "1", B_LOSSY])
    _next_echo_dropped(lab)
    lab.run(lab.a, ["ping", "-c", "1", "-W", "1", B_LOSSY], targets=(B_LOSSY,))  # dropped: the next one passes
    text = measured + _run(lab, _df(1300)) + _run(lab, _df(1472))
    result = ingest_text(tmp_path, text, context(B_LOSSY))
    assert [p["result"] for p in observations(result, "ping") if p["dont_fragment"]] == ["ok", "error"], text
    (probe,) = observations(result, "mtu_probe")
    assert (probe["largest_ok_size"], probe["first_failed_size"]) == (1300, 1472)
