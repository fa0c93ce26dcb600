"""Output whose shape names its command, pasted without the command line (issue #13, session 7): a
routing table (``route -n``, ``netstat -rn`` with ``MSS Window irtt``), ``ip route`` lines after
another command's output, a net-tools ``ifconfig`` stanza. Each is read with a located warning that
the command was inferred. Lab outputs come from ``tests/ingest/corpus/capture_shapes.sh``; public
pastes keep their source URL beside them."""

from __future__ import annotations

from pathlib import Path

from podnet.inputs.model import IngestWarning, Record

from .conftest import read_paste

CORPUS = Path(__file__).resolve().parent / "corpus"


_read = read_paste


def _routes(records: list[Record]) -> list[tuple[str, str | None, str | None, int]]:
    return [(r["destination"], r.get("via"), r.get("dev"), r["line"]) for rec in records if rec.type == "routes" for r in rec.data["routes"]]


def _codes(warnings: list[IngestWarning]) -> list[tuple[str, str]]:
    return [(w.code, w.location.rsplit(":", 1)[1]) for w in warnings]


def test_ip_route_lines_after_ping_statistics_are_routes(tmp_path: Path) -> None:
    text = (CORPUS / "captured" / "ping-lost-then-ip-route-no-command.txt").read_text()
    records, warnings = _read(text, tmp_path)
    [ping] = [r for r in records if r.type == "ping"]
    assert ping.data["result"] == "lost" and ping.data["packets_sent"] == 3 and ping.run.command == "ping -c 3 -W 1 198.18.223.2"
    assert _routes(records) == [("0.0.0.0/0", "198.18.220.1", "eth0", 7), ("198.18.220.0/24", None, "eth0", 8),
                                ("198.18.221.0/24", None, "cni0", 9), ("198.18.222.0/24", "198.18.222.0", "flannel.1", 10),
                                ("198.18.223.0/24", "198.18.223.0", "flannel.1", 11)]
    assert _codes(warnings) == [("command_inferred", "7")]


def test_a_table_or_stanza_alone_says_its_command_was_inferred(tmp_path: Path) -> None:
    records, warnings = _read((CORPUS / "captured" / "netstat-rn-mss-window-irtt-no-command.txt").read_text(), tmp_path)
    assert len(_routes(records)) == 5 and _codes(warnings) == [("command_inferred", "1")]
    records, warnings = _read((CORPUS / "captured" / "ifconfig-flannel-1-stanza-no-command.txt").read_text(), tmp_path)
    [iface] = [i for r in records if r.type == "addresses" for i in r.data["interfaces"]] or [None]
    assert iface is not None and (iface["name"], iface["mtu"], iface["addresses"]) == ("flannel.1", 1450, ["198.18.221.0/32"])
    assert _codes(warnings) == [("command_inferred", "1")]


def test_a_route_table_from_its_column_header_and_a_named_gateway(tmp_path: Path) -> None:
    # https://github.com/flannel-io/flannel/issues/1387 (`route` without -n: names and `*`; holdout2's sample, read
    # here also as copied from its column header on, the form the new sniffer and jc's title line fix read)
    text = (CORPUS / "holdout2" / "route-without-n-names-and-stars.txt").read_text()
    for body, first in ((text, 3), (text.split("\n", 1)[1], 2)):
        records, warnings = _read(body, tmp_path)
        assert [r[:3] for r in _routes(records)] == [("0.0.0.0/0", None, "eth0"), ("10.33.188.0/24", None, "eth0"),
                                                     ("10.244.0.0/24", "10.244.0.0", "flannel.1"), ("10.244.1.0/24", None, "cni0"),
                                                     ("172.17.0.0/16", None, "docker0")]
        # the default route's next hop is a name, not an address: read without it, and said so at its line
        assert ("route_gateway_named", str(first)) in _codes(warnings)


def test_near_misses_are_not_routes(tmp_path: Path) -> None:
    """Output that merely mentions a device, and a second routing table after the first, stay what they are."""
    # prose after ping statistics is not a route; an `ip route` run after ip route output is one run
    text = (CORPUS / "captured" / "ping-lost-then-ip-route-no-command.txt").read_text()
    head = text.split("\ndefault via", 1)[0]
    records, warnings = _read(head + "\nthe route to 198.18.223.0/24 goes via dev flannel.1\n", tmp_path)
    assert _routes(records) == [] and "command_inferred" not in [c for c, _ in _codes(warnings)]
    records, _ = _read("$ ip route\ndefault via 198.18.220.1 dev eth0\n\n198.18.222.0/24 via 198.18.222.0 dev flannel.1 onlink\n", tmp_path)
    assert {rec.run.command for rec in records} == {"ip route"} and len(_routes(records)) == 2
