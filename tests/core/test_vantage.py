"""One definition of a vantage point: the ``Vantage`` literal of podnet.facts.base, which the live
collector, the ingestion of pasted output, the triage and the knowledge's observation kinds use."""

from __future__ import annotations

from typing import get_args

import pytest
from pydantic import ValidationError

from podnet.facts.base import Vantage
from podnet.knowledge.model import ObservationKind

VANTAGES = set(get_args(Vantage))


def test_collect_runs_at_vantage_points_and_the_cli_offers_the_same():
    from podnet.cli.collect_cmd import ROLES as CLI_ROLES  # a copy: `podnet --help` loads no fact model
    from podnet.collect import ROLES

    assert set(ROLES) <= VANTAGES
    assert CLI_ROLES == ROLES


def test_ingest_folder_names_map_to_vantage_points():
    from podnet.inputs.vantage import FOLDER_VANTAGES

    assert {v for v in FOLDER_VANTAGES.values() if v is not None} <= VANTAGES


def test_triage_reads_the_vantage_point_of_a_place():
    from podnet.triage.answers import vantage

    assert vantage("source_node>destination_node") == "source_node"
    assert vantage("control_plane") == "control_plane"


@pytest.mark.parametrize(("place", "word"), [("sourc_pod", "'sourc_pod' is not a vantage point"),
                                              ("source_node>destination_nod", "'destination_nod' is not a role")])
def test_an_observation_kind_observed_at_an_unknown_place_is_refused(place, word):
    data = {"kind": "ping", "title": {"en": "t", "zh": "t"}, "question": {"en": "q", "zh": "q"}, "order": 1,
            "how": {place: {"command": "ping -c 3 {target}"}}}
    with pytest.raises(ValidationError, match=word):
        ObservationKind.model_validate(data)
    data["how"] = {"source_pod": {"command": "ping -c 3 {target}"}}
    assert ObservationKind.model_validate(data).how
