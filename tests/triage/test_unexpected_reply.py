"""A lookup answered from another address than the server asked (``;; reply from unexpected source``):
read from dig and nslookup, recorded only as said, and weighed for bridge netfilter being off
(rules/cni_failure/cni-br-netfilter-dns-reply-untranslated; rancher/rke#368, kubernetes/kops#4391,
NixOS/nixpkgs#98766)."""

from __future__ import annotations

import pytest
from podnet.errors import FactFileError
from podnet.facts.load import validate_observation
from podnet.reasoning.diagnose import diagnose_facts
from podnet.triage import context as ctx
from podnet.triage.answers import build_observations, observed_answers
from podnet.triage.posterior import build_model
from podnet.triage.questions import knowledge

from podnet.inputs.ingest import ingest

from tests.ingest.conftest import observations
from tests.ingest.corpus.reading import read

LOOKUP = ("dns_lookup", "source_pod")
NSLOOKUP = b"""$ kubectl exec -i -t dnsutils -- nslookup kubernetes.default
;; reply from unexpected source: 198.18.1.3#53, expected 198.19.0.10#53
;; reply from unexpected source: 198.18.1.3#53, expected 198.19.0.10#53
;; connection timed out; no servers could be reached

command terminated with exit code 1
"""


def _facts(observations: list[dict], cni: str = "flannel"):
    head = {"case": {"id": "t"}, "cluster": {"cni": cni, "dns_service_ip": "198.19.0.10"},
            "endpoints": {"source": {"kind": "pod", "namespace": "default", "name": "dnsutils"},
                          "destination": {"kind": "service", "name": "kubernetes", "namespace": "default", "ip": "198.19.0.1", "port": 443, "dns_name": "kubernetes.default"}}}
    return ctx.build_facts(head, [validate_observation(o, i, "t") for i, o in enumerate(observations)])


def test_nslookup_and_dig_keep_the_address_the_reply_came_from(tmp_path):
    got = [o for o in _ingested(tmp_path, NSLOOKUP) if o["kind"] == "dns_lookup"]
    assert [(o["server"], o["result"], o.get("unexpected_reply"), o.get("reply_from")) for o in got] == [("198.19.0.10", "timeout", True, "198.18.1.3")]
    dig = b"""$ dig @198.19.0.10 web.default.svc.cluster.local
;; reply from unexpected source: 198.18.1.3#53, expected 198.19.0.10#53
;; reply from unexpected source: 198.18.1.3#53, expected 198.19.0.10#53
"""
    got = [o for o in _ingested(tmp_path, dig) if o["kind"] == "dns_lookup"]
    assert [(o["server"], o.get("reply_from")) for o in got] == [("198.19.0.10", "198.18.1.3")]
    # near miss: an ordinary timeout names no other address
    plain = NSLOOKUP.replace(b";; reply from unexpected source: 198.18.1.3#53, expected 198.19.0.10#53\n", b"")
    got = [o for o in _ingested(tmp_path, plain) if o["kind"] == "dns_lookup"]
    assert got and got[0].get("unexpected_reply") is None and got[0].get("reply_from") is None
    assert not any("not understood" in str(w) for w in read(NSLOOKUP).warnings)


def _ingested(tmp_path, text: bytes) -> list[dict]:
    """What ``podnet ingest`` reads from the paste (the one reader every input goes through)."""
    path = tmp_path / "paste.txt"
    path.write_bytes(text)
    return observations(ingest(path))


def test_a_reply_address_contradicting_the_statement_or_the_server_is_a_located_error():
    with pytest.raises(FactFileError, match=r"\$\.observations\[0\]: .*unexpected_reply is false"):
        validate_observation({"kind": "dns_lookup", "at": "source_pod", "name": "a.b", "result": "timeout", "reply_from": "198.18.1.3", "unexpected_reply": False}, 0, "t")
    with pytest.raises(FactFileError, match=r"\$\.observations\[0\]: .*is the server asked"):
        validate_observation({"kind": "dns_lookup", "at": "source_pod", "name": "a.b", "server": "198.18.1.3", "result": "timeout", "reply_from": "198.18.1.3"}, 0, "t")


def test_the_answer_is_recognised_and_records_only_what_was_said():
    kb = knowledge()
    seen = _facts([{"kind": "dns_lookup", "at": "source_pod", "name": "kubernetes.default", "server": "198.19.0.10", "result": "timeout", "reply_from": "198.18.1.3"}])
    assert observed_answers(seen, kb.observation_kinds)[LOOKUP] == "unexpected_reply"
    plain = _facts([{"kind": "dns_lookup", "at": "source_pod", "name": "kubernetes.default", "server": "198.19.0.10", "result": "timeout"}])
    assert observed_answers(plain, kb.observation_kinds)[LOOKUP] == "timeout"
    [obs] = build_observations(kb.observation_kinds["dns_lookup"], "source_pod", "unexpected_reply", _facts([]))
    assert obs.unexpected_reply is True and obs.reply_from is None  # which address: not said
    d = diagnose_facts(_facts([]).model_copy(update={"observations": [obs]}))
    assert d.top is not None and d.top.id == "br_netfilter_off" and 0.5 <= d.top.confidence < 0.8  # likely, not decisive
    calico = diagnose_facts(_facts([], cni="calico").model_copy(update={"observations": [obs]}))
    assert calico.top is None or calico.top.id != "br_netfilter_off"


def test_the_answer_is_rare_unless_bridge_netfilter_is_off():
    table = build_model(knowledge()).likelihood[LOOKUP]
    assert table["br_netfilter_off"]["unexpected_reply"] >= 0.25
    assert table["dns_service_down"]["unexpected_reply"] <= 0.02
    assert table["conntrack_dns_race"]["unexpected_reply"] <= 0.02
