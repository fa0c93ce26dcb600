"""Observation kinds that real incidents turn on, beyond the guide's probes (issue 9).

Each module holds the kinds of one area; :data:`KINDS` lists them for the ``AnyObservation``
union in :mod:`podnet.facts.observations`. They build on :class:`podnet.facts.base.Observation`.
"""

from __future__ import annotations

from .change import RecentChange, Workaround
from .dns import CorednsConfig, CorednsLog, NodeResolver, PodDnsPolicy
from .node import (
    BridgePort,
    ChecksumErrors,
    CniNodeAddress,
    ConntrackStats,
    EgressNat,
    IptablesBackend,
    KernelModules,
    NicOffload,
    NodeCidrAllocation,
    NodeConditions,
    SnatPorts,
)
from .policy import CloudAllowance, CloudFirewall, NetworkPolicy
from .probes import Latency, PayloadSize, Reachability
from .service import ServiceSpec

KINDS = (
    Reachability,
    PayloadSize,
    Latency,
    NetworkPolicy,
    CloudFirewall,
    NodeResolver,
    PodDnsPolicy,
    CorednsConfig,
    CorednsLog,
    IptablesBackend,
    KernelModules,
    ConntrackStats,
    NicOffload,
    BridgePort,
    ChecksumErrors,
    NodeConditions,
    NodeCidrAllocation,
    CniNodeAddress,
    SnatPorts,
    EgressNat,
    ServiceSpec,
    RecentChange,
    Workaround,
)
"""The new kinds, in the order ``podnet schema`` lists them."""

__all__ = [m.__name__ for m in KINDS] + ["CloudAllowance", "KINDS"]
