"""A card on the allocation board says where the patient is and where she is going: a bed
reserved for a patient still in hospital reads as that unit's bed, never as a hospital's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import html
from support.api_client import reserved_flow
from support.logins import log_in

if TYPE_CHECKING:
    from support.world import World


def test_a_reserved_bed_reads_as_the_unit_s_bed_beside_the_hospital(world: World) -> None:
    flow_id, _ = reserved_flow(world)
    assert log_in(world.client).status_code == 303

    page = html.fromstring(world.client.get("/tildeling").text)

    card = page.get_element_by_id(f"flow-{flow_id}")
    where = card.find_class("where")[0].text_content()
    assert "seng" not in where  # in hospital: the ward, no bed
    reserved = " ".join(card.find_class("reserved")[0].text_content().split())
    assert reserved == "⌂ Seng reservert Korttid Test · seng 1"
