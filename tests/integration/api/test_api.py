"""The JSON API over HTTP, on SQLite and on PostgreSQL: the contract other programs rely on."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

import pytest
from support.api_client import API, KARI, Api, referral, short_term_stay

from flow.national_id import with_check_digits

if TYPE_CHECKING:
    from support.world import World


@pytest.fixture
def api(world: World) -> Api:
    return Api(world)


# Every command of the contract, with a body whose shape is valid in any world, so the
# only reason to refuse it is who asks, which flow, or the flow's state.
Body = Callable[[Api], dict[str, Any]]
COMMANDS: dict[str, Body] = {
    "admission": lambda a: {"hospital": "Ahus"},
    "ready-for-discharge": lambda a: {"estimate": True},
    "ready-for-discharge/withdrawal": lambda a: {"reason": "Feber"},
    "hospital-answer": lambda a: {"can_receive": False, "note": "Ingen ledig seng"},
    "wait-reason": lambda a: {"reason": "no_bed"},
    "decision": lambda a: short_term_stay(a.unit_id("KORT")),
    "reservation": lambda a: {"unit_id": a.unit_id("KORT"), "bed": "1"},
    "reservation/cancellation": lambda a: {"reason": "Feil seng"},
    "arrival": lambda a: {},
    "move": lambda a: {"bed": "2"},
    "discharge-plan": lambda a: {
        "on": "2026-03-20",
        "destination": "home",
        "zone_id": a.unit_id("NORD"),
    },
    "discharge": lambda a: {},
    "home-care-start": lambda a: {},
    "readmission": lambda a: {"hospital": "Ahus"},
    "safety-flags": lambda a: {"flag": "fall"},
    "safety-flags/fall/clearing": lambda a: {},
    "closing": lambda a: {"reason": "completed"},
}


def flows_allowing_every_command(api: Api) -> dict[str, str]:
    """For each command, a flow whose state allows it, so only who asks can refuse it.

    KORT ends with bed 1 and 2 free (for the reservation and the move), 3 reserved, 4 occupied.
    """
    kort, nord = api.unit_id("KORT"), api.unit_id("NORD")
    in_hospital = api.open_flow()
    ready = api.open_flow()
    api.command(ready, "ready-for-discharge")
    decided = api.decided_for("KORT")
    reserved = api.decided_for("KORT")
    api.command(reserved, "reservation", {"unit_id": kort, "bed": "3"})
    on_stay = api.on_stay("4")
    api.command(on_stay, "safety-flags", {"flag": "fall"})
    api.command(on_stay, "discharge-plan", COMMANDS["discharge-plan"](api))
    home = api.on_stay("1")
    api.command(
        home, "discharge-plan", {"on": "2026-03-05", "destination": "home", "zone_id": nord}
    )
    api.command(home, "discharge")
    flows = {
        "admission": in_hospital,
        "ready-for-discharge": in_hospital,
        "ready-for-discharge/withdrawal": ready,
        "hospital-answer": ready,
        "wait-reason": ready,
        "decision": in_hospital,
        "reservation": decided,
        "reservation/cancellation": reserved,
        "arrival": reserved,
        "move": on_stay,
        "discharge-plan": on_stay,
        "discharge": on_stay,
        "home-care-start": home,
        "readmission": home,
        "safety-flags": in_hospital,
        "safety-flags/fall/clearing": on_stay,
        "closing": on_stay,
    }
    for command, flow_id in flows.items():
        assert command.replace("/fall", "") in api.flow(flow_id)["allowed_commands"], command
    return flows


class TestOpeningAFlow:
    def test_a_hospital_referral_opens_in_hospital_at_version_one(self, api: Api) -> None:
        response = api.post("/flows", referral())

        assert response.status_code == 201
        assert response.json()["version"] == 1
        flow = api.flow(response.json()["id"])
        assert flow["phase"] == "in_hospital"
        assert flow["national_id"] == KARI
        assert flow["name"] == "Kari Nordmann"
        assert flow["location"] == "Ahus, medisinsk avdeling"
        assert api.events(flow["id"]) == ["FlowOpened"]

    def test_a_referral_from_home_opens_as_referred(self, api: Api) -> None:
        flow_id = api.open_flow(source="home")

        assert api.flow(flow_id)["phase"] == "referred"

    def test_a_d_number_is_accepted_as_national_identity(self, api: Api) -> None:
        d_number = next(n for n in map(with_check_digits, ["418545100", "418545101"]) if n)

        response = api.post("/flows", referral(national_id=d_number))

        assert response.status_code == 201, response.text

    def test_a_referral_missing_a_field_is_refused_naming_that_field(self, api: Api) -> None:
        fields = ["national_id", "name", "source", "location", "need"]
        before = api.recorded()

        named = {
            field: [
                e["loc"]
                for e in api.post(
                    "/flows", {k: v for k, v in referral().items() if k != field}
                ).json()["detail"]
            ]
            for field in fields
        }

        assert named == {field: [["body", field]] for field in fields}
        assert api.recorded() == before

    def test_a_referral_with_an_unknown_source_is_refused_and_nothing_is_recorded(
        self, api: Api
    ) -> None:
        before = api.recorded()

        response = api.post("/flows", referral(source="ambulance"))

        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "source"]
        assert api.recorded() == before

    def test_a_bad_national_identity_number_is_refused_and_nothing_is_recorded(
        self, api: Api
    ) -> None:
        bad = {
            "wrong check digit": KARI[:-1] + str((int(KARI[-1]) + 1) % 10),
            "ten digits": KARI[:10],
            "twelve digits": KARI + "0",
            "a letter": KARI[:10] + "X",
            "invented": "12345678901",
            "empty": "",
            "arabic-indic digits": "٠١٨٥٤٥١٠٠٠٠",
            "no such day": with_check_digits("328545100") or "32854510000",
        }
        before = api.recorded()

        refusals = {
            why: api.post("/flows", referral(national_id=number)).json()["detail"][0]["loc"]
            for why, number in bad.items()
        }

        assert refusals == dict.fromkeys(bad, ["body", "national_id"])
        assert api.recorded() == before

    def test_a_referral_with_an_unknown_field_is_refused(self, api: Api) -> None:
        response = api.post("/flows", referral(diagnosis="secret"))

        assert response.status_code == 422

    def test_a_name_with_control_characters_is_refused(self, api: Api) -> None:
        response = api.post("/flows", referral(name="Kari\x00Nordmann"))

        assert response.status_code == 422


class TestAuthentication:
    def test_opening_a_flow_without_a_valid_token_is_refused_and_nothing_is_recorded(
        self, api: Api
    ) -> None:
        attempts = {
            "no header": {},
            "bad token": {"Authorization": "Bearer not-a-token"},
            "empty token": {"Authorization": "Bearer "},
            "basic credentials": {"Authorization": "Basic dTpw"},
        }
        before = api.recorded()

        answers = {
            why: api.post("/flows", referral(), user=None, headers=headers)
            for why, headers in attempts.items()
        }

        assert {why: r.status_code for why, r in answers.items()} == dict.fromkeys(attempts, 401)
        assert all(r.headers["WWW-Authenticate"] == "Bearer" for r in answers.values())
        assert all(isinstance(r.json()["detail"], str) for r in answers.values())
        assert api.recorded() == before

    @pytest.mark.parametrize("token", [None, "x" * 43], ids=["none", "bad"])
    def test_no_command_is_accepted_without_a_valid_token_and_nothing_is_recorded(
        self, api: Api, token: str | None
    ) -> None:
        flows = flows_allowing_every_command(api)
        headers = {} if token is None else {"Authorization": f"Bearer {token}"}
        before = api.recorded()

        statuses = {
            command: api.post(
                f"/flows/{flows[command]}/{command}", body(api), user=None, headers=headers
            ).status_code
            for command, body in COMMANDS.items()
        }

        assert statuses == dict.fromkeys(COMMANDS, 401)
        assert api.recorded() == before

    def test_no_task_command_is_accepted_without_a_token(self, api: Api) -> None:
        task_id = uuid4()
        commands = {"completion": {}, "acknowledgement": {}, "rejection": {"reason": "Ikke gjort"}}

        statuses = {
            command: api.post(f"/tasks/{task_id}/{command}", body, user=None).status_code
            for command, body in commands.items()
        }

        assert statuses == dict.fromkeys(commands, 401)

    def test_every_read_needs_a_token(self, api: Api) -> None:
        flow_id, kort = api.open_flow(), api.unit_id("KORT")
        reads = [f"/flows/{flow_id}", f"/flows/{flow_id}/history", "/units", f"/units/{kort}"]

        statuses = {path: api.get(path, user=None).status_code for path in [*reads, "/zones"]}

        assert statuses == dict.fromkeys([*reads, "/zones"], 401)


class TestTenancy:
    def test_another_municipality_cannot_read_a_flow(self, api: Api) -> None:
        flow_id = api.open_flow()
        unknown = api.get(f"/flows/{uuid4()}")

        for path in (f"/flows/{flow_id}", f"/flows/{flow_id}/history"):
            response = api.get(path, user="saksbehandler2")

            assert response.status_code == 404
            assert response.json() == unknown.json()

    def test_another_municipality_cannot_command_a_flow_and_nothing_is_recorded(
        self, api: Api
    ) -> None:
        flows = flows_allowing_every_command(api)
        before = api.recorded()

        statuses = {
            command: api.post(
                f"/flows/{flows[command]}/{command}", body(api), user="saksbehandler2"
            ).status_code
            for command, body in COMMANDS.items()
        }

        assert statuses == dict.fromkeys(COMMANDS, 404)
        assert api.recorded() == before

    def test_the_unit_list_shows_only_the_own_municipality(self, api: Api) -> None:
        ours = {u["code"] for u in api.get("/units").json()}
        theirs = {u["code"] for u in api.get("/units", user="saksbehandler2").json()}

        assert ours == {"KORT", "UTRED"}
        assert theirs == {"ANNEN"}

    def test_the_zone_list_shows_only_the_own_municipality(self, api: Api) -> None:
        ours = {z["code"] for z in api.get("/zones").json()}
        theirs = {z["code"] for z in api.get("/zones", user="saksbehandler2").json()}

        assert ours == {"NORD", "SOR"}
        assert theirs == {"HELE"}

    def test_another_municipality_cannot_read_a_unit(self, api: Api) -> None:
        response = api.get(f"/units/{api.unit_id('KORT')}", user="saksbehandler2")

        assert response.status_code == 404

    def test_a_decision_cannot_name_a_unit_of_another_municipality(self, api: Api) -> None:
        flow_id = api.open_flow()
        before = api.recorded()

        response = api.post(
            f"/flows/{flow_id}/decision", short_term_stay(api.unit_id("ANNEN", "9997"))
        )

        assert response.status_code == 404
        assert api.recorded() == before

    def test_no_decision_can_name_a_place_of_another_municipality(self, api: Api) -> None:
        annen, hele = api.unit_id("ANNEN", "9997"), api.unit_id("HELE", "9997")
        start = {"starts_on": "2026-03-03"}
        decisions = {
            "short-term stay in their unit": {"service": "short_term_stay", "unit_id": annen},
            "short-term stay, their zone": {
                "service": "short_term_stay",
                "unit_id": api.unit_id("KORT"),
                "zone_id": hele,
            },
            "home care in their zone": {"service": "home_care", "zone_id": hele},
            "long-term care in their unit": {"service": "long_term_care", "unit_id": annen},
        }
        flow_id = api.open_flow()
        before = api.recorded()

        statuses = {
            why: api.post(f"/flows/{flow_id}/decision", {**body, **start}).status_code
            for why, body in decisions.items()
        }

        assert statuses == dict.fromkeys(decisions, 404)
        assert api.recorded() == before

    def test_a_bed_of_another_municipality_cannot_be_reserved(self, api: Api) -> None:
        flow_id = api.decided_for("KORT")
        before = api.recorded()

        response = api.post(
            f"/flows/{flow_id}/reservation",
            {"unit_id": api.unit_id("ANNEN", "9997"), "bed": "1"},
        )

        assert response.status_code == 404
        assert api.recorded() == before


class TestUnknownIds:
    def test_an_unknown_flow_cannot_be_read(self, api: Api) -> None:
        for path in (f"/flows/{uuid4()}", f"/flows/{uuid4()}/history"):
            response = api.get(path)

            assert response.status_code == 404
            assert response.headers["content-type"] == "application/problem+json"
            body = response.json()
            assert (body["detail"], body["code"], body["params"]) == (
                "Forløpet finnes ikke.",
                "not_found",
                {"thing": "flow"},
            )

    def test_an_unknown_flow_cannot_be_commanded_and_nothing_is_recorded(self, api: Api) -> None:
        before = api.recorded()

        statuses = {
            command: api.post(f"/flows/{uuid4()}/{command}", body(api)).status_code
            for command, body in COMMANDS.items()
        }

        assert statuses == dict.fromkeys(COMMANDS, 404)
        assert api.recorded() == before

    def test_a_flow_id_that_is_no_uuid_is_refused_as_malformed(self, api: Api) -> None:
        assert api.get("/flows/seng-1").status_code == 422
        assert api.post("/flows/seng-1/arrival").status_code == 422

    def test_an_unknown_task_cannot_be_moved_on_and_nothing_is_recorded(self, api: Api) -> None:
        commands = {"completion": {}, "acknowledgement": {}, "rejection": {"reason": "Ikke gjort"}}
        before = api.recorded()

        statuses = {
            command: api.post(f"/tasks/{uuid4()}/{command}", body).status_code
            for command, body in commands.items()
        }

        assert statuses == dict.fromkeys(commands, 404)
        assert api.recorded() == before

    def test_an_unknown_unit_cannot_be_read(self, api: Api) -> None:
        response = api.get(f"/units/{uuid4()}")

        assert response.status_code == 404
        body = response.json()
        assert (body["detail"], body["code"], body["params"]) == (
            "Enheten finnes ikke.",
            "not_found",
            {"thing": "unit"},
        )

    def test_a_flow_id_is_not_a_unit_id(self, api: Api) -> None:
        flow_id = api.open_flow()

        assert api.get(f"/units/{flow_id}").status_code == 404
        assert api.get(f"/flows/{api.unit_id('KORT')}").status_code == 404

    def test_an_unknown_bed_cannot_be_reserved_and_nothing_is_recorded(self, api: Api) -> None:
        flow_id = api.decided_for("KORT")
        before = api.recorded()

        response = api.post(
            f"/flows/{flow_id}/reservation", {"unit_id": api.unit_id("KORT"), "bed": "99"}
        )

        assert response.status_code == 404
        assert "99" in response.json()["detail"]
        assert api.recorded() == before
        assert api.flow(flow_id)["reservation"] is None

    def test_a_patient_cannot_move_to_an_unknown_bed(self, api: Api) -> None:
        flow_id = api.on_stay("1")
        before = api.recorded()

        response = api.post(f"/flows/{flow_id}/move", {"bed": "99"})

        assert response.status_code == 404
        assert api.recorded() == before
        assert api.flow(flow_id)["stay"]["bed"] == "1"

    def test_a_decision_for_an_unknown_unit_is_refused(self, api: Api) -> None:
        flow_id = api.open_flow()

        response = api.post(f"/flows/{flow_id}/decision", short_term_stay(str(uuid4())))

        assert response.status_code == 404


class TestIllegalMoves:
    def test_arrival_without_reservation_names_the_state_and_what_is_allowed(
        self, api: Api
    ) -> None:
        flow_id = api.open_flow()
        before = api.recorded()

        response = api.post(f"/flows/{flow_id}/arrival")

        assert response.status_code == 409
        sentence = response.json()["detail"]
        refused, allowed = sentence.split("Tillatt nå:")
        assert "registrere ankomst" in refused
        assert "innlagt på sykehus" in refused
        for text in ("melde utskrivningsklar", "fatte vedtak", "avslutte forløpet"):
            assert text in allowed
        assert "registrere ankomst" not in allowed
        assert api.recorded() == before
        assert api.events(flow_id) == ["FlowOpened"]

    def test_the_refusal_lists_exactly_the_commands_the_flow_allows(self, api: Api) -> None:
        flow_id = api.open_flow()
        allowed = api.flow(flow_id)["allowed_commands"]

        sentence = api.post(f"/flows/{flow_id}/arrival").json()["detail"]

        assert sentence.split("Tillatt nå:")[1].count(",") == len(allowed) - 1

    def test_discharge_before_arrival_is_refused(self, api: Api) -> None:
        flow_id = api.decided_for("KORT")
        api.command(flow_id, "reservation", {"unit_id": api.unit_id("KORT"), "bed": "1"})

        response = api.post(f"/flows/{flow_id}/discharge")

        assert response.status_code == 409
        assert "reservert seng 1" in response.json()["detail"]

    def test_home_care_cannot_start_before_discharge(self, api: Api) -> None:
        flow_id = api.on_stay()

        response = api.post(f"/flows/{flow_id}/home-care-start")

        assert response.status_code == 409
        assert "på korttidsopphold" in response.json()["detail"]

    def test_home_care_cannot_start_after_discharge_to_long_term_care(self, api: Api) -> None:
        flow_id = api.on_stay()
        api.command(
            flow_id, "discharge-plan", {"on": "2026-03-20", "destination": "long_term_care"}
        )
        api.command(flow_id, "discharge")

        response = api.post(f"/flows/{flow_id}/home-care-start")

        assert response.status_code == 409

    def test_a_bed_cannot_be_reserved_without_a_decision(self, api: Api) -> None:
        flow_id = api.open_flow()

        response = api.post(
            f"/flows/{flow_id}/reservation", {"unit_id": api.unit_id("KORT"), "bed": "1"}
        )

        assert response.status_code == 409
        assert "uten vedtak" in response.json()["detail"]
        assert api.bed("KORT", "1")["status"] == "free"

    def test_a_bed_cannot_be_reserved_on_another_unit_than_decided(self, api: Api) -> None:
        flow_id = api.decided_for("KORT")

        response = api.post(
            f"/flows/{flow_id}/reservation", {"unit_id": api.unit_id("UTRED"), "bed": "1"}
        )

        assert response.status_code == 409
        assert api.bed("UTRED", "1")["status"] == "free"

    def test_a_reserved_bed_cannot_be_reserved_by_another_flow(self, api: Api) -> None:
        first, second = api.decided_for("KORT"), api.decided_for("KORT")
        api.command(first, "reservation", {"unit_id": api.unit_id("KORT"), "bed": "1"})
        before = api.recorded()

        response = api.post(
            f"/flows/{second}/reservation", {"unit_id": api.unit_id("KORT"), "bed": "1"}
        )

        assert response.status_code == 409
        assert "Seng 1" in response.json()["detail"]
        assert api.recorded() == before
        assert api.bed("KORT", "1") == {"status": "reserved", "flow_id": first}
        assert api.flow(second)["reservation"] is None

    def test_a_patient_cannot_move_into_an_occupied_bed(self, api: Api) -> None:
        first, second = api.on_stay("1"), api.on_stay("2")
        before = api.recorded()

        response = api.post(f"/flows/{second}/move", {"bed": "1"})

        assert response.status_code == 409
        assert api.recorded() == before
        assert api.bed("KORT", "1") == {"status": "occupied", "flow_id": first}
        assert api.bed("KORT", "2") == {"status": "occupied", "flow_id": second}

    def test_a_patient_cannot_move_into_the_bed_they_lie_in(self, api: Api) -> None:
        flow_id = api.on_stay("1")

        response = api.post(f"/flows/{flow_id}/move", {"bed": "1"})

        assert response.status_code == 409

    def test_a_safety_flag_cannot_be_raised_twice(self, api: Api) -> None:
        flow_id = api.open_flow()
        api.command(flow_id, "safety-flags", {"flag": "delirium"})

        response = api.post(f"/flows/{flow_id}/safety-flags", {"flag": "delirium"})

        assert response.status_code == 409

    def test_a_safety_flag_that_is_not_raised_cannot_be_cleared(self, api: Api) -> None:
        flow_id = api.open_flow()
        api.command(flow_id, "safety-flags", {"flag": "fall"})

        response = api.post(f"/flows/{flow_id}/safety-flags/delirium/clearing")

        assert response.status_code == 409

    def test_a_short_term_decision_cannot_name_a_home_care_zone(self, api: Api) -> None:
        flow_id = api.open_flow()

        response = api.post(f"/flows/{flow_id}/decision", short_term_stay(api.unit_id("NORD")))

        assert response.status_code == 409

    def test_a_discharge_home_must_name_a_zone_not_a_unit(self, api: Api) -> None:
        flow_id = api.on_stay()

        response = api.post(
            f"/flows/{flow_id}/discharge-plan",
            {"on": "2026-03-20", "destination": "home", "zone_id": api.unit_id("KORT")},
        )

        assert response.status_code == 409

    def test_a_closed_flow_refuses_every_command_and_records_nothing(self, api: Api) -> None:
        flow_id = api.decided_for("KORT")
        api.command(flow_id, "safety-flags", {"flag": "fall"})
        api.command(flow_id, "closing", {"reason": "referral_withdrawn"})
        before = api.recorded()

        answers = {
            command: api.post(f"/flows/{flow_id}/{command}", body(api))
            for command, body in COMMANDS.items()
        }

        assert {c: r.status_code for c, r in answers.items()} == dict.fromkeys(COMMANDS, 409)
        assert all("avsluttet" in r.json()["detail"] for r in answers.values())
        assert api.recorded() == before
        assert api.flow(flow_id)["allowed_commands"] == []

    def test_closing_a_flow_with_a_reservation_frees_the_bed(self, api: Api) -> None:
        flow_id = api.decided_for("KORT")
        api.command(flow_id, "reservation", {"unit_id": api.unit_id("KORT"), "bed": "3"})

        api.command(flow_id, "closing", {"reason": "died"})

        assert api.bed("KORT", "3") == {"status": "free", "flow_id": None}


class TestShapes:
    @pytest.mark.parametrize(
        "body",
        [
            pytest.param(b"{", id="cut-short"),
            pytest.param(b'{"name": "\xc3\x28"}', id="not-utf-8"),
            pytest.param(b"[" * 5000 + b"]" * 5000, id="nested-too-deep"),
        ],
    )
    def test_a_body_that_is_no_json_is_refused_as_422_like_any_bad_shape(
        self, api: Api, body: bytes
    ) -> None:
        before = api.recorded()
        headers = {**api.world.headers(), "Content-Type": "application/json"}

        response = api.world.client.post(f"{API}/flows", content=body, headers=headers)

        assert response.status_code == 422, response.text
        assert api.recorded() == before

    def test_a_command_with_an_unknown_field_is_refused_and_nothing_is_recorded(
        self, api: Api
    ) -> None:
        flows = flows_allowing_every_command(api)
        before = api.recorded()

        statuses = {
            command: api.post(
                f"/flows/{flows[command]}/{command}", {**body(api), "unexpected": 1}
            ).status_code
            for command, body in COMMANDS.items()
        }

        assert statuses == dict.fromkeys(COMMANDS, 422)
        assert api.recorded() == before

    def test_a_command_with_a_bad_value_is_refused_and_nothing_is_recorded(self, api: Api) -> None:
        bad: list[tuple[str, dict[str, Any]]] = [
            ("wait-reason", {"reason": "weather"}),
            ("safety-flags", {"flag": "bad_luck"}),
            ("closing", {"reason": "bored"}),
            ("decision", {"service": "spa", "starts_on": "2026-03-03"}),
            ("decision", {"service": "short_term_stay", "starts_on": "2026-03-03"}),
            ("decision", {"service": "home_care", "starts_on": "2026-03-03"}),
            ("decision", {"service": "long_term_care", "starts_on": "3. mars"}),
            ("discharge-plan", {"on": "2026-03-20", "destination": "home"}),
            ("discharge-plan", {"on": "2026-03-20", "destination": "moon"}),
            ("hospital-answer", {"note": "Vi mangler svar"}),
            ("hospital-answer", {"can_receive": "kanskje"}),
            ("admission", {"hospital": ""}),
            ("admission", {"hospital": "Ahus", "admitted_at": "2026-03-02T08:00:00"}),
            ("ready-for-discharge", {"ready_at": "i morgen"}),
            ("reservation", {"unit_id": "KORT", "bed": "1"}),
            ("reservation", {"unit_id": str(uuid4()), "bed": "x" * 21}),
            ("move", {"bed": ""}),
            ("move", {"bed": "1\x07"}),
            ("readmission", {}),
        ]
        flow_id = api.open_flow()
        before = api.recorded()

        statuses = [
            (command, api.post(f"/flows/{flow_id}/{command}", body).status_code)
            for command, body in bad
        ]

        assert statuses == [(command, 422) for command, _ in bad]
        assert api.recorded() == before

    def test_a_decision_that_ends_before_it_starts_is_refused(self, api: Api) -> None:
        flow_id = api.open_flow()
        body = {**short_term_stay(api.unit_id("KORT")), "ends_on": "2026-03-01"}

        response = api.post(f"/flows/{flow_id}/decision", body)

        assert response.status_code == 422

    def test_clearing_an_unknown_kind_of_safety_flag_is_refused(self, api: Api) -> None:
        flow_id = api.open_flow()

        response = api.post(f"/flows/{flow_id}/safety-flags/bad_luck/clearing")

        assert response.status_code == 422

    @pytest.mark.parametrize(
        "moment",
        ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59"],
        ids=["past-year-9999", "before-year-1"],
    )
    def test_an_admission_time_outside_the_calendar_in_utc_is_refused(
        self, api: Api, moment: str
    ) -> None:
        flow_id = api.open_flow()
        before = api.recorded()

        response = api.post(
            f"/flows/{flow_id}/admission", {"hospital": "Ahus", "admitted_at": moment}
        )

        assert response.status_code == 422
        assert api.recorded() == before

    def test_an_admission_time_is_stored_in_utc(self, api: Api) -> None:
        flow_id = api.open_flow()

        api.command(
            flow_id, "admission", {"hospital": "Ahus", "admitted_at": "2026-03-01T23:30:00+01:00"}
        )

        assert api.flow(flow_id)["admitted_at"] == "2026-03-01T22:30:00Z"


class TestIfMatch:
    def test_the_etag_of_a_flow_is_its_version(self, api: Api) -> None:
        flow_id = api.open_flow()
        api.command(flow_id, "admission", {"hospital": "Ahus"})

        response = api.get(f"/flows/{flow_id}")

        assert response.headers["ETag"] == '"2"'
        assert response.json()["version"] == 2

    def test_the_etag_sent_back_as_if_match_is_accepted(self, api: Api) -> None:
        flow_id = api.open_flow()
        etag = api.get(f"/flows/{flow_id}").headers["ETag"]

        response = api.post(f"/flows/{flow_id}/admission", {"hospital": "Ahus"}, if_match=etag)

        assert response.status_code == 200
        assert response.json()["version"] == 2

    def test_a_current_version_is_accepted_in_every_form(self, api: Api) -> None:
        flow_id = api.open_flow()
        forms = {"1": "fall", '"2"': "delirium", 'W/"3"': "malnutrition", ' "4" ': "pressure_ulcer"}

        statuses = [
            api.post(f"/flows/{flow_id}/safety-flags", {"flag": flag}, if_match=form).status_code
            for form, flag in forms.items()
        ]

        assert statuses == [200, 200, 200, 200]
        assert api.flow(flow_id)["version"] == 5

    def test_a_stale_version_is_refused_and_nothing_is_recorded(self, api: Api) -> None:
        flow_id = api.open_flow()
        api.command(flow_id, "admission", {"hospital": "Ahus"})
        before = api.recorded()

        answers = [
            api.post(f"/flows/{flow_id}/ready-for-discharge", {}, if_match=stale)
            for stale in (0, 1, 3, 999_999_999)
        ]

        assert [r.status_code for r in answers] == [409, 409, 409, 409]
        assert all("versjon 2" in r.json()["detail"] for r in answers)
        assert api.recorded() == before
        assert api.events(flow_id) == ["FlowOpened", "HospitalAdmissionNotified"]

    def test_a_stale_reservation_leaves_the_bed_free(self, api: Api) -> None:
        flow_id = api.decided_for("KORT")

        response = api.post(
            f"/flows/{flow_id}/reservation",
            {"unit_id": api.unit_id("KORT"), "bed": "1"},
            if_match=1,
        )

        assert response.status_code == 409
        assert api.bed("KORT", "1") == {"status": "free", "flow_id": None}
        assert len(api.events(flow_id)) == 2

    def test_an_if_match_that_is_no_version_is_refused_as_malformed(self, api: Api) -> None:
        flow_id = api.open_flow()
        values = ["*", "abc", "-1", "1.0", "1234567890", '"', "", "1, 2"]
        before = api.recorded()

        statuses = {
            value: api.post(
                f"/flows/{flow_id}/admission", {"hospital": "Ahus"}, if_match=value
            ).status_code
            for value in values
        }

        assert statuses == dict.fromkeys(values, 422)
        assert api.recorded() == before


class TestPlacesAndBeds:
    def test_a_unit_shows_its_beds_all_free_at_first(self, api: Api) -> None:
        response = api.get(f"/units/{api.unit_id('KORT')}")

        assert response.status_code == 200
        unit = response.json()
        assert (unit["code"], unit["kind"]) == ("KORT", "rehab")
        assert [b["name"] for b in unit["beds"]] == ["1", "2", "3", "4"]
        assert {b["status"] for b in unit["beds"]} == {"free"}

    def test_a_zone_has_no_beds(self, api: Api) -> None:
        zones = api.get("/zones").json()

        assert {z["kind"] for z in zones} == {"home_care_zone"}
        assert all(z["beds"] == [] for z in zones)

    def test_cancelling_a_reservation_frees_the_bed(self, api: Api) -> None:
        flow_id = api.decided_for("KORT")
        api.command(flow_id, "reservation", {"unit_id": api.unit_id("KORT"), "bed": "4"})
        assert api.bed("KORT", "4") == {"status": "reserved", "flow_id": flow_id}

        api.command(flow_id, "reservation/cancellation", {"reason": "Pasienten ble dårligere"})

        assert api.bed("KORT", "4") == {"status": "free", "flow_id": None}
        assert api.flow(flow_id)["reservation"] is None
        assert api.flow_events(flow_id)[-2:] == ["BedReserved", "ReservationCancelled"]

    def test_a_readmission_from_a_unit_frees_the_bed(self, api: Api) -> None:
        flow_id = api.on_stay("2")

        api.command(flow_id, "readmission", {"hospital": "Ahus"})

        assert api.bed("KORT", "2") == {"status": "free", "flow_id": None}
        assert api.flow(flow_id)["phase"] == "in_hospital"

    def test_withdrawing_ready_for_discharge_puts_the_patient_back_in_hospital(
        self, api: Api
    ) -> None:
        flow_id = api.open_flow()
        api.command(flow_id, "ready-for-discharge", {"ready_at": "2026-03-02T07:00:00Z"})
        assert api.flow(flow_id)["phase"] == "ready"

        api.command(flow_id, "ready-for-discharge/withdrawal", {"reason": "Ny infeksjon"})

        flow = api.flow(flow_id)
        assert (flow["phase"], flow["ready"]) == ("in_hospital", None)
        assert api.flow_events(flow_id)[-1] == "ReadyForDischargeWithdrawn"

    def test_a_flow_with_more_events_than_a_snapshot_interval_reads_the_same(
        self, api: Api
    ) -> None:
        flow_id = api.decided_for("KORT")
        api.command(flow_id, "reservation", {"unit_id": api.unit_id("KORT"), "bed": "3"})
        before = api.flow(flow_id)
        for _ in range(30):
            api.command(flow_id, "safety-flags", {"flag": "fall"})
            api.command(flow_id, "safety-flags/fall/clearing")
        api.command(flow_id, "safety-flags", {"flag": "malnutrition"})

        after = api.flow(flow_id)

        assert after["version"] == before["version"] + 61 > 50
        assert after["safety_flags"] == ["malnutrition"]
        assert after["decision"] == before["decision"]
        assert (
            after["reservation"]
            == before["reservation"]
            == {"unit_id": api.unit_id("KORT"), "bed": "3"}
        )
        assert after["tasks"] == before["tasks"]
        assert len(api.events(flow_id)) == after["version"]
        assert api.bed("KORT", "3") == {"status": "reserved", "flow_id": flow_id}

    def test_a_unit_with_more_events_than_its_snapshot_interval_reads_the_same(
        self, api: Api
    ) -> None:
        flow_id = api.decided_for("KORT")
        for _ in range(51):
            api.command(flow_id, "reservation", {"unit_id": api.unit_id("KORT"), "bed": "4"})
            api.command(flow_id, "reservation/cancellation", {"reason": ""})
        api.command(flow_id, "reservation", {"unit_id": api.unit_id("KORT"), "bed": "4"})

        unit_id = UUID(api.unit_id("KORT"))
        snapshots = api.world.flows.snapshots
        assert snapshots is not None and list(snapshots.get(unit_id)), "no snapshot taken"
        assert api.bed("KORT", "4") == {"status": "reserved", "flow_id": flow_id}
        replayed = api.world.flows.unit(unit_id, api.world.actor())
        assert replayed.version > 100


class TestAFullJourney:
    """Hospital, short-term stay, home with home care, back to hospital, closed."""

    def test_a_patient_travels_the_whole_way_over_http(self, api: Api) -> None:
        world, kort, nord = api.world, api.unit_id("KORT"), api.unit_id("NORD")
        flow_id = api.open_flow()
        version = 1
        home = {"on": "2026-03-16", "estimate": False, "destination": "home", "zone_id": nord}
        reserved, occupied = "reserved", "occupied"
        # command, body, phase after, KORT's beds that are not free after
        steps: list[tuple[str, dict[str, Any], str, dict[str, str]]] = [
            ("admission", {"hospital": "Ahus"}, "in_hospital", {}),
            ("ready-for-discharge", {"estimate": True}, "ready", {}),
            ("hospital-answer", {"can_receive": False, "note": "Ingen seng"}, "ready", {}),
            ("wait-reason", {"reason": "no_bed"}, "ready", {}),
            ("decision", short_term_stay(kort), "ready", {}),
            ("reservation", {"unit_id": kort, "bed": "1"}, "ready", {"1": reserved}),
            ("arrival", {}, "on_stay", {"1": occupied}),
            ("move", {"bed": "2"}, "on_stay", {"2": occupied}),
            ("safety-flags", {"flag": "fall"}, "on_stay", {"2": occupied}),
            ("safety-flags/fall/clearing", {}, "on_stay", {"2": occupied}),
            ("discharge-plan", home, "on_stay", {"2": occupied}),
            ("discharge", {}, "discharged", {}),
            ("home-care-start", {}, "home_care", {}),
            ("readmission", {"hospital": "Ahus"}, "in_hospital", {}),
            ("closing", {"reason": "completed", "note": "Ferdig"}, "closed", {}),
        ]
        events = [
            "HospitalAdmissionNotified",
            "ReadyForDischargeNotified",
            "HospitalAnswered",
            "WaitReasonRecorded",
            "ServiceDecided",
            "BedReserved",
            "PatientArrived",
            "PatientMoved",
            "SafetyFlagRaised",
            "SafetyFlagCleared",
            "DischargePlanned",
            "PatientDischarged",
            "HomeCareStarted",
            "PatientReadmitted",
            "FlowClosed",
        ]

        for (command, body, phase, taken), event in zip(steps, events, strict=True):
            world.clock.advance(hours=6)
            response = api.post(f"/flows/{flow_id}/{command}", body, if_match=version)

            assert response.status_code == 200, (command, response.text)
            assert response.json()["id"] == flow_id
            new_version = response.json()["version"]
            assert new_version > version, command
            read = api.get(f"/flows/{flow_id}")
            assert read.headers["ETag"] == f'"{new_version}"', command
            flow = read.json()
            assert (flow["version"], flow["phase"]) == (new_version, phase), command
            in_bed = [name for name, status in taken.items() if status == occupied]
            assert (flow["stay"] or {}).get("bed") == (in_bed[0] if in_bed else None), command
            beds = api.get(f"/units/{kort}").json()["beds"]
            assert {b["name"]: b["status"] for b in beds if b["status"] != "free"} == taken
            assert all(b["flow_id"] == flow_id for b in beds if b["status"] != "free")
            history = api.get(f"/flows/{flow_id}/history").json()
            new = [entry["event"] for entry in history if entry["version"] > version]
            # A command records its event, then the closed-loop tasks that event moved.
            assert new[0] == event and all(name.startswith("Task") for name in new[1:]), new
            version = new_version

        assert api.flow_events(flow_id) == ["FlowOpened", *events]
        history = api.get(f"/flows/{flow_id}/history").json()
        assert [entry["version"] for entry in history] == list(range(1, version + 1))
        assert {entry["user_id"] for entry in history} == {world.actor().user_id}
        assert {entry["role"] for entry in history} == {"allocation"}
        assert history[-1]["at"] == "2026-03-06T02:00:00Z"
        flow = api.flow(flow_id)
        assert flow["closing_reason"] == "completed"
        assert flow["home_care_zone"] == nord
        assert flow["allowed_commands"] == []

    def test_the_history_records_the_moment_and_the_data_of_each_command(self, api: Api) -> None:
        flow_id = api.open_flow()
        api.world.clock.advance(minutes=90)

        api.command(flow_id, "safety-flags", {"flag": "infection_isolation"})

        (opened, raised) = api.get(f"/flows/{flow_id}/history").json()
        assert opened["at"] == "2026-03-02T08:00:00Z"
        assert opened["data"]["patient"]["national_id"] == KARI
        assert raised["at"] == "2026-03-02T09:30:00Z"
        assert raised["data"] == {"flag": "infection_isolation"}
