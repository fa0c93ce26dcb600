"""Component log messages distinctive enough to be recognised on a line of their own, without the
log's level, time or file prefix (a reporter often pastes only the message: ``Failed to check
br_netfilter: stat /proc/sys/net/bridge/bridge-nf-call-iptables: no such file or directory``).

Kept apart from :mod:`components` so that recognising a pasted file's command (``commands``) does
not import every parser.
"""

from __future__ import annotations

import re

BARE_MESSAGE = re.compile(
    r"^(?:Failed to check br_netfilter: |Error registering network: |Failed to create SubnetManager: |"
    r"failed to acquire lease: |node \"[\w.-]+\" pod cidr not assigned|"
    r"Failed to find any valid interface to use: |plugin/loop: Loop \(|Calico node failed to start|"
    r"calico/node is not ready: BIRD is not ready: |Failed to execute iptables-restore: |"
    r"Network \S+ overlaps with existing route \S+ on host|"
    r"Failed to delete stale service IP \S+ connections, error: |conntrack returned error: error looking for path of conntrack|"
    r"(?:\[(?:ERROR|WARNING|INFO)\] \d+ \S+ )?[A-Z]{1,5}: unreachable backend: )"
)
"""A bare known message of flannel, CoreDNS, calico-node, kube-proxy or weave (kube-proxy's conntrack
messages as its iptables proxier (1.10) and conntrack.go (1.6) print them; CoreDNS's old proxy plugin's
``[ERROR] 2 NAME. AAAA: unreachable backend: ...``, also cut to its tail ``A: unreachable backend: ...``)."""


JOURNAL_STAMP = r"(?:[^\W\d_]{3,4}\.?|\d{1,2}[月월]) +\d+ [\d:]+"
"""The time at the start of a syslog/journald line, its month as the locale wrote it: ``Sep 06 14:15:54``,
``Dez 05 ...`` (German), ``déc. 05 ...`` (French), ``сен 06 ...`` (Russian), ``9月 06 ...`` (Chinese, Japanese),
``9월 06 ...`` (Korean). A regular expression fragment, shared by the recognisers and the parsers."""
