"""Parts of the ``firewall`` observation: the raw ruleset it was read from, the vantage point's
routes (which interfaces a flow crosses), and the verdict for each of the case's flows.

The verdicts are traced by :mod:`podnet.netfilter` (see :mod:`podnet.facts.verdicts`, called
from :mod:`podnet.reasoning.enrich`): a healthy node's DROP rules (kube-proxy's INVALID drop, an
allow-list's last DROP, a DROP after an ACCEPT) no longer count as blocking every flow.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ..limits import max_fact_bytes
from .values import IfName, IPAddressStr, IPNetworkStr, ShortText, Text

def max_ruleset() -> int:
    """Characters of a ruleset dump a fact file may hold: as many as the fact file itself
    (``PODNET_MAX_FACT_BYTES``; a large kube-proxy node prints megabytes)."""
    return max_fact_bytes()


def _ruleset_text(value: str) -> str:
    if len(value) > max_ruleset():
        raise ValueError(f"ruleset longer than {max_ruleset()} characters (PODNET_MAX_FACT_BYTES)")
    if "\x00" in value:
        raise ValueError("ruleset holds a NUL character")
    return value


RulesetText = Annotated[str, AfterValidator(_ruleset_text)]
RulesetFormat = Literal["iptables-save", "ip6tables-save", "iptables-list", "nft-json"]
Verdict = Literal["accept", "drop", "reject", "undecided"]
FlowRole = Literal["destination", "backend", "icmp", "dns", "overlay"]


class RouteLine(BaseModel):
    """One route of the vantage point's main table (as ``ip route`` shows it)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    destination: IPNetworkStr
    via: IPAddressStr | None = None
    dev: IfName | None = None
    kind: Literal["unicast", "blackhole", "unreachable", "prohibit", "throw", "local"] = "unicast"
    metric: int = Field(0, ge=0)


class FlowVerdict(BaseModel):
    """What the rules do with one of the case's flows at this vantage point, and which rule decides."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    flow: ShortText = Field(description="The flow as traced, e.g. 'tcp 10.244.1.5 -> 10.96.0.10:80 (forward)'.")
    role: FlowRole = Field(description="destination/backend: the case's connection; icmp: its ping; dns: to the "
                           "cluster DNS; overlay: the VXLAN/IPIP packets between the nodes.")
    protocol: Literal["tcp", "udp", "icmp", "ipip"]
    src: IPAddressStr | None = None
    dst: IPAddressStr
    port: int | None = Field(None, ge=1, le=65535)
    verdict: Verdict
    reject_with: ShortText | None = None
    table: ShortText | None = None
    chain: ShortText | None = None
    rule: Text | None = Field(None, description="The deciding rule as the dump prints it (or ':CHAIN POLICY').")
    line: int | None = Field(None, ge=1, description="Its line in the dump.")
    reason: Text | None = None
    dnat: list[ShortText] = Field(default_factory=list, description="Where DNAT sends it (ip:port), every backend.")
    service: Literal["dnat", "no_rule"] | None = Field(
        None, description="For an address in the Service CIDR: DNATed, or no rule for this Service.")

    @property
    def blocked(self) -> bool:
        return self.verdict in ("drop", "reject")
