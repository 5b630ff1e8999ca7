"""Seeing is not commanding: the nurse of a unit the patient left keeps seeing the patient
for 72 hours, and in that window gives no command (403, and a sentence that says why); the
nurse of the unit the patient is on now does. Over HTTP, both stores."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from support.api_client import Api

if TYPE_CHECKING:
    from support.world import World

#: The commands a nurse's role gives, each with a body the flow's state would take
#: (`None`: the zone the patient goes home to, filled in).
NURSE_COMMANDS: list[tuple[str, dict[str, Any]]] = [
    ("move", {"bed": "2"}),
    ("discharge-plan", {"on": "2026-03-06", "destination": "home", "zone_id": None}),
    ("discharge", {}),
    ("safety-flags", {"flag": "fall"}),
]


def moved_to_utred(api: Api) -> str:
    """A patient who stayed on KORT (the nurse `sykepleier`'s unit), went back to hospital
    and is now on a stay on UTRED, bed 1, planned home to Sone Nord."""
    flow_id = api.on_stay()
    api.command(flow_id, "readmission", {"hospital": "Sykehuset"})
    utred = api.unit_id("UTRED")
    decision = {"service": "short_term_stay", "unit_id": utred, "starts_on": "2026-03-03"}
    api.command(flow_id, "decision", decision)
    api.command(flow_id, "reservation", {"unit_id": utred, "bed": "1"})
    api.command(flow_id, "arrival")
    plan = {"on": "2026-03-05", "destination": "home", "zone_id": api.unit_id("NORD")}
    api.command(flow_id, "discharge-plan", plan)
    return flow_id


@pytest.mark.parametrize(("path", "body"), NURSE_COMMANDS, ids=[p for p, _ in NURSE_COMMANDS])
def test_the_nurse_of_the_unit_the_patient_left_sees_but_does_not_command(
    world: World, path: str, body: dict[str, Any]
) -> None:
    api = Api(world)
    flow_id = moved_to_utred(api)
    body = {k: v or api.unit_id("NORD") for k, v in body.items()}
    recorded = api.recorded()

    assert api.get(f"/flows/{flow_id}", user="sykepleier").status_code == 200
    refused = api.post(f"/flows/{flow_id}/{path}", body, user="sykepleier")

    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "command_not_tied_here"
    assert "ikke reservert til eller innlagt på enheten din" in refused.json()["detail"]
    assert "72 timer" in refused.json()["detail"]
    assert api.recorded() == recorded


def test_the_window_refuses_in_english_to_whoever_asks_for_it(world: World) -> None:
    api = Api(world)
    flow_id = moved_to_utred(api)
    refused = api.post(
        f"/flows/{flow_id}/discharge", user="sykepleier", headers={"Accept-Language": "en"}
    )
    assert refused.status_code == 403
    assert refused.json()["detail"].startswith(
        "Cannot discharge: the patient is not reserved to or staying on your unit"
    )


def test_the_nurse_of_the_unit_the_patient_is_on_commands(world: World) -> None:
    api = Api(world)
    flow_id = api.on_stay()
    flagged = api.post(f"/flows/{flow_id}/safety-flags", {"flag": "fall"}, user="sykepleier")
    assert flagged.status_code == 200, flagged.text


def test_a_command_the_role_does_not_give_is_refused_for_the_role(world: World) -> None:
    api = Api(world)
    flow_id = moved_to_utred(api)
    refused = api.post(f"/flows/{flow_id}/closing", {"reason": "completed"}, user="sykepleier")
    assert refused.status_code == 403
    assert refused.json()["code"] == "command_not_for_role"
