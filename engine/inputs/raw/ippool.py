"""Calico IP pools (``calicoctl get ippool -o wide``, ``-o yaml``; ``kubectl get ippools`` of
``crd.projectcalico.org``) -> ``egress_nat`` records: whether each pool's Pod traffic to outside the
cluster is source-NATed (the NAT column, ``natOutgoing``).

jc has no calicoctl parser. The wide table's columns are ``NAME CIDR NAT IPIPMODE VXLANMODE DISABLED
[DISABLEBGPEXPORT] SELECTOR``; the YAML is one ``IPPool`` or a list of them (``kind: IPPoolList``,
``items``), read with pyyaml. A pool without ``natOutgoing`` has it off (Calico's default for a pool
created by hand; the default pool calico-node creates has it on).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

import yaml

from ..model import CommandRun, ParseResult
from ._util import positional

_HEADER = re.compile(r"^NAME\s+CIDR\s+NAT\b")
_VALUE_OPTIONS = {"-n", "--namespace", "-o", "--output", "-l", "--selector", "--context", "--kubeconfig", "-c", "--config"}
"""Options of kubectl and calicoctl that take the next word (``kubectl -n kube-system get ippools``)."""


def is_ippool(argv: list[str]) -> bool:
    """``calicoctl get ippool[s] ...``; ``kubectl get ippools[.crd.projectcalico.org] ...``."""
    if not argv:
        return False
    name = argv[0].rsplit("/", 1)[-1]
    words = positional(argv[1:], _VALUE_OPTIONS)
    resource = words[1].split("/")[0].lower() if words[:1] == ["get"] and len(words) > 1 else ""
    if name in ("calicoctl", "calicoctl.exe"):
        return resource in ("ippool", "ippools")
    if name in ("kubectl", "k", "oc"):
        return resource in ("ippools.crd.projectcalico.org", "ippools.projectcalico.org", "ippool.crd.projectcalico.org")
    return False


def parse(run: CommandRun) -> ParseResult:
    res = ParseResult()
    lines = run.nonblank
    header = next((i for i, (_, t) in enumerate(lines) if _HEADER.match(t.strip())), None)
    if header is not None:
        _table(run, lines[header:], res)
    elif any(re.match(r"^\s*(?:natOutgoing:|cidr:|kind:\s*IPPool\b)", t) for _, t in lines):
        _yaml(run, res)
    if not res.records:
        res.warn(run, "ippool_nat_unknown", lines[0][0] if lines else None)
    return res


def _table(run: CommandRun, lines: list[tuple[int, str]], res: ParseResult) -> None:
    columns = lines[0][1].split()
    unknown = []
    for n, text in lines[1:]:
        cells = text.split()
        if len(cells) < 3 or not _is_cidr(cells[1]) or cells[2].lower() not in ("true", "false"):
            unknown.append((n, text))
            continue
        row = dict(zip(columns, cells))
        data: dict[str, Any] = {"masqueraded": row["NAT"].lower() == "true", "how": "ip_pool", "pool": cells[0], "pool_cidr": cells[1]}
        if row.get("DISABLED", "").lower() in ("true", "false"):
            data["disabled"] = row["DISABLED"].lower() == "true"
        res.add(run, "egress_nat", data, n)
    if unknown:
        res.not_understood(run, unknown)


def _yaml(run: CommandRun, res: ParseResult) -> None:
    text = "\n".join(t for _, t in run.output)
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError:
        return  # not YAML after all: parse() warns that no pool was read
    items = doc.get("items") if isinstance(doc, dict) else None
    pools: list[Any] = items if isinstance(items, list) else [doc]
    for pool in pools:
        spec = pool.get("spec") if isinstance(pool, dict) else None
        if not isinstance(spec, dict) or not _is_cidr(str(spec.get("cidr", ""))):
            continue
        meta = pool.get("metadata") if isinstance(pool.get("metadata"), dict) else {}
        data: dict[str, Any] = {"masqueraded": spec.get("natOutgoing") is True, "how": "ip_pool", "pool_cidr": str(spec["cidr"])}
        if meta.get("name"):
            data["pool"] = str(meta["name"])
        if isinstance(spec.get("disabled"), bool):
            data["disabled"] = spec["disabled"]
        # the pool's own cidr line (several pools: each at its own)
        line = next((n for n, t in run.nonblank if t.strip() == f"cidr: {spec['cidr']}"), run.nonblank[0][0])
        res.add(run, "egress_nat", data, line)


def _is_cidr(text: str) -> bool:
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return "/" in text
