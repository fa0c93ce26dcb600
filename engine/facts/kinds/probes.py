"""What a ticket says about traffic without naming a tool: reachability between places, payload
sizes that pass or hang, and slowness with its pattern."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, computed_field, model_validator

from .. import names
from ..base import Observation, TargetRole
from ..names import NameScope
from ..outcome import SUCCESS_RATIO_DOC, Outcome, check_success_ratio, outcome_of
from ..values import DnsName, HostStr, IPAddressStr

ReachScope = Literal[
    "same_node", "cross_node", "to_service", "to_external", "node_to_node", "to_apiserver", "node_to_pod", "pod_to_node"
]
"""Which traffic a statement is about: Pod to Pod on one node or across nodes, Pod to a Service
ClusterIP, Pod to outside the cluster, node to node, to the API server, node to Pod, Pod to node."""

Protocol = Literal["tcp", "udp", "icmp", "http", "https", "grpc", "dns", "any"]


class Reachability(Observation):
    """Whether traffic gets through, as a ticket states it without a tool or protocol ("Pods on
    different nodes cannot talk", "the Service does not answer", "egress to the internet fails")."""

    kind: Literal["reachability"]
    scope: ReachScope = Field(description="Which traffic: same_node, cross_node, to_service, to_external, node_to_node, to_apiserver, node_to_pod, pod_to_node.")
    result: Literal["ok", "failed", "intermittent", "timeout", "refused", "reset", "no_route"] = Field(
        description="failed: does not get through, how not stated; intermittent: gets through sometimes."
    )
    success_ratio: float | None = Field(None, ge=0, le=1, description=SUCCESS_RATIO_DOC)
    from_host: HostStr | None = Field(None, description="The Pod or node (name or address) the traffic starts from.")
    to_host: HostStr | None = Field(None, description="The Pod, Service, node or external host (name or address) it goes to.")
    target: IPAddressStr | None = Field(None, description="The address it goes to, when known.")
    port: int | None = Field(None, ge=1, le=65535)
    protocol: Protocol | None = None
    target_role: TargetRole | None = Field(None, description="Derived from target.")

    @model_validator(mode="after")
    def _ratio(self) -> "Reachability":
        check_success_ratio(self.result, self.success_ratio)
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def outcome(self) -> Outcome | None:
        """ok, intermittent, or failed (every failure word)."""
        return outcome_of(self.result, ("ok",))


class PayloadSize(Observation):
    """Small payloads pass and large ones hang, or not: big HTTP responses, uploads, TLS handshakes
    with large certificates, large DNS answers, ``scp`` that stalls after a few kilobytes."""

    kind: Literal["payload_size"]
    operation: Literal["http", "tls_handshake", "tcp_transfer", "ping", "dns", "file_copy", "other"] | None = None
    small_result: Literal["ok", "failed", "intermittent"] = Field(description="What small requests/responses do.")
    large_result: Literal["ok", "failed", "intermittent"] = Field(description="What large ones do.")
    large_symptom: Literal["hangs", "timeout", "reset", "truncated", "slow"] | None = None
    small_bytes: int | None = Field(None, ge=0, description="A size that passes, when known.")
    large_bytes: int | None = Field(None, ge=0, description="A size that fails, when known.")
    target: IPAddressStr | None = None
    port: int | None = Field(None, ge=1, le=65535)
    target_role: TargetRole | None = Field(None, description="Derived from target.")

    @model_validator(mode="after")
    def _sizes(self) -> "PayloadSize":
        if self.small_bytes is not None and self.large_bytes is not None and self.large_bytes <= self.small_bytes:
            raise ValueError("large_bytes must be larger than small_bytes")
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def large_only_fails(self) -> bool:
        """Small payloads pass while large ones fail or pass only sometimes: the large-packet pattern."""
        return self.small_result == "ok" and self.large_result in ("failed", "intermittent")


class Latency(Observation):
    """Slowness, with its value and pattern: "5 s on some lookups", "the first connection takes 1 s
    (first SYN lost)", "every TLS handshake takes 3 s"."""

    kind: Literal["latency"]
    operation: Literal["dns_lookup", "tcp_connect", "tls_handshake", "http_request", "ping", "other"]
    value_ms: float | None = Field(None, ge=0, description="The typical slow duration, in milliseconds.")
    noticeable: bool | None = Field(
        None, description="Stated without a value: the delay is noticeable (true) or there is none to notice (false); no value implied."
    )
    pattern: Literal["every_request", "some_requests", "first_attempt", "periodic", "under_load"] | None = Field(
        None, description="When it is slow: every request, some, the first attempt, periodically, under load."
    )
    slow_fraction: float | None = Field(None, ge=0, le=1, description="Share of requests that are slow, when known.")
    name: DnsName | None = Field(None, description="The name looked up (dns_lookup).")
    target: IPAddressStr | None = None
    port: int | None = Field(None, ge=1, le=65535)
    target_role: TargetRole | None = Field(None, description="Derived from target.")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def name_scope(self) -> NameScope | None:
        """For a lookup: cluster, short (one label) or external name; None without a name."""
        return None if self.name is None else names.name_scope(self.name)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def name_dots(self) -> int | None:
        """Dots in the looked-up name, a final dot not counted; None without a name."""
        return None if self.name is None else names.name_dots(self.name)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def fully_qualified(self) -> bool | None:
        """The name was written with a final dot (the search list is not tried); None without a name."""
        return None if self.name is None else self.name.endswith(".")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def name_key(self) -> str | None:
        """The name without its final dot, lower case; None without a name."""
        return None if self.name is None else names.name_key(self.name)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def resolver_timeout_like(self) -> bool | None:
        """About 5 s (or 10 s): glibc/musl's resolver timeout before it retries, the mark of a lost
        UDP DNS query; None without a value."""
        if self.value_ms is None:
            return None
        return any(abs(self.value_ms - t) <= 600 for t in (5000, 10000))

    @computed_field  # type: ignore[prop-decorator]
    @property
    def syn_retransmit_like(self) -> bool | None:
        """About 1 s or 3 s on a connect: the first SYN (or its reply) was lost and TCP retransmitted;
        None without a value, or for lookups and pings."""
        if self.value_ms is None or self.operation in ("dns_lookup", "ping"):
            return None
        return any(abs(self.value_ms - t) <= 250 for t in (1000, 3000))
