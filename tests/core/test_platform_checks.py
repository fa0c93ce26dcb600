"""Where the nodes run (``cluster.platform``) decides which provider's CLI the cloud firewall check
prints: a GCE customer gets gcloud, an Azure one az, an OpenStack one the openstack client; without a
platform the AWS command stays (the most common report), never a placeholder."""

from __future__ import annotations

import pytest
from podnet import diagnose
from podnet.facts.model import FactFile


def _check(platform: str | None) -> str:
    cluster = {"cni": "calico", "mode": "ipip"} | ({"platform": platform} if platform else {})
    facts = FactFile.model_validate({
        "case": {"id": "platform-check"}, "cluster": cluster,
        "endpoints": {"source": {"kind": "node", "name": "node-a", "ip": "198.18.100.1"}, "destination": {"kind": "pod", "ip": "198.18.2.20"}},
        "observations": [{"kind": "reachability", "at": "source_node", "scope": "node_to_pod", "result": "failed"},
                         {"kind": "reachability", "at": "source_node", "scope": "node_to_node", "result": "ok"}],
    })
    checks = [c for c in diagnose(facts).next_checks if c.kind == "cloud_firewall"]
    assert checks, "the cloud firewall check is offered"
    return checks[0].command


@pytest.mark.parametrize(("platform", "cli"), [("gcp", "gcloud compute firewall-rules list"), ("gke", "gcloud compute firewall-rules list"),
                                              ("azure", "az network nsg list"), ("openstack", "openstack security group rule list"),
                                              ("aws", "aws ec2 describe-security-groups"), (None, "aws ec2 describe-security-groups")])
def test_the_firewall_check_uses_the_platforms_cli(platform: str | None, cli: str) -> None:
    command = _check(platform)
    assert command.startswith(cli), command
    assert "<" not in command and "{{" not in command
