"""Every open task can be acted on by exactly its owner's and its receiver's roles, from their
own pages, and by no one else (issue 23).

Random histories of a municipality of its own (`support/loop_histories.py`: flows opened,
decided, placed, sent home, readmitted, closed; tasks done, sent back and confirmed through
the API by the users whose they are; time passing and loops falling overdue) on a real
SQLite file, through the real app. Then for every open loop and every member of the
municipality (the office, a nurse of each unit, a home-care user of each zone, a leader, an
admin who holds every place) the oracle — the office acts for a task of no unit, a unit's or
zone's user for her place's; the owner completes an open task, the receiver confirms or sends
back a done one — is held against what each channel offers:

- the board the member lands on (`/`) and the patient's page: the task's row offers exactly
  the oracle's actions as forms, and no page of a member without any has a button for it;
- `GET /api/v1/tasks`: the task is in the lists the oracle names, with the same actions;
- the API: every action not offered is refused (403, 404 or 409, as a problem) and records
  nothing; and one offered action per task, posted from the member's board by its form, is
  accepted and moves the loop on.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, example, given, note, settings
from hypothesis import strategies as st
from lxml import html
from support.loop_histories import Member, Municipality, municipality, step, steps, tell
from support.world import World, build_world

from access.accounts import Role, User
from boards.pages.boards import TASK_ACTIONS
from flow.closed_loops import Party, TaskState
from flow.vocabulary import TaskAction, TaskStatus

#: A tenth of the profile's examples (`tests/conftest.py`): 20 in CI, 5 by default. Each is a
#: municipality told, then read and tried by seven users through every channel: some 50 s of
#: one core in CI.
EXAMPLES = max(5, settings().max_examples // 10)
#: The API's path for each action, and a body it accepts.
API = {
    TaskAction.COMPLETE: ("completion", {"note": "Gjort"}),
    TaskAction.ACKNOWLEDGE: ("acknowledgement", {}),
    TaskAction.REJECT: ("rejection", {"reason": "Mangler"}),
}
WORD = {action: word for word, action in TASK_ACTIONS.items()}
LISTS = ("to_do", "to_confirm", "waiting_for_others")
TOTALS: Counter[str] = Counter()
SECONDS: list[float] = []


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    # Not started as a server (no lifespan): its deadline process would mark loops overdue
    # by the test's clock while they are read; the histories run it themselves.
    built = build_world(f"sqlite:///{tmp_path_factory.mktemp('loops') / 'loops.db'}")
    yield built
    built.system.close()
    print(f"\nloops by role, {len(SECONDS)} histories in {sum(SECONDS):.1f} s: {dict(TOTALS)}")


# -- the oracle --------------------------------------------------------------------------------


def acts_for(user: User, party: Party) -> bool:
    if user.role not in (Role.ALLOCATION, Role.NURSE, Role.HOMECARE):
        return False
    if party.unit_id is None:
        return user.role == Role.ALLOCATION
    return party.unit_id in user.unit_ids


def allowed(state: TaskState, user: User) -> tuple[TaskAction, ...]:
    task = state.task
    if state.status == TaskStatus.OPEN and acts_for(user, task.owner):
        return (TaskAction.COMPLETE,)
    receiver = task.receiver
    if state.status == TaskStatus.COMPLETED and receiver and acts_for(user, receiver):
        return (TaskAction.ACKNOWLEDGE, TaskAction.REJECT)
    return ()


def listed_in(state: TaskState, user: User) -> set[str]:
    """The lists of the member's tasks the loop belongs in."""
    task, done = state.task, state.status == TaskStatus.COMPLETED
    found = set()
    if state.status == TaskStatus.OPEN and acts_for(user, task.owner):
        found.add("to_do")
    if done and task.receiver and acts_for(user, task.receiver):
        found.add("to_confirm")
    if done and task.receiver and acts_for(user, task.owner):
        found.add("waiting_for_others")
    return found


# -- what each channel offers --------------------------------------------------------------


def offered_in(page: html.HtmlElement, task_id: UUID, row_id: str) -> tuple[TaskAction, ...]:
    """The task's actions a page offers as forms, each inside the task's row."""
    found = []
    for form in page.iter("form"):
        path = form.get("action", "")
        prefix = f"/oppgaver/{task_id}/"
        if not path.startswith(prefix):
            continue
        rows = [a for a in form.iterancestors("li") if a.get("id") == row_id]
        assert rows, f"a form for {task_id} outside its row {row_id}"
        found.append(TASK_ACTIONS[path.removeprefix(prefix)])
    return tuple(sorted(found))


def landing(m: Municipality, member: Member) -> tuple[str, html.HtmlElement]:
    """The page the member lands on, and where it is."""
    path = "/"
    answer = m.client.get(path, headers=member.cookie, follow_redirects=False)
    while answer.is_redirect:  # by hand: a redirect drops a Cookie header set per request
        path = answer.headers["location"]
        answer = m.client.get(path, headers=member.cookie, follow_redirects=False)
    assert answer.status_code < 500, answer.text[:300]
    return path, parsed(answer.text)


def parsed(text: str) -> html.HtmlElement:
    """The page, whose ids name one element each (a row, a form's refusal line)."""
    page = html.fromstring(text)
    ids = [str(i) for i in page.xpath("//@id")]
    assert len(ids) == len(set(ids)), sorted(i for i in set(ids) if ids.count(i) > 1)
    return page


def expected_landing(m: Municipality, user: User) -> str | None:
    if user.role == Role.ALLOCATION:
        return "/tildeling"
    if user.role == Role.NURSE:
        return f"/enheter/{user.unit_ids[0]}"
    if user.role == Role.HOMECARE:
        return f"/soner/{user.unit_ids[0]}"
    return None  # a leader's or an admin's: no task list there


def api_lists(m: Municipality, member: Member) -> dict[str, list[dict[str, Any]]] | None:
    answer = m.client.get("/api/v1/tasks", headers=member.bearer)
    if member.user.role in (Role.LEADER, Role.ADMIN):
        assert answer.status_code == 403 and answer.json()["code"] == "no_tasks_for_role"
        return None
    assert answer.status_code == 200, answer.text
    lists: dict[str, list[dict[str, Any]]] = answer.json()
    return lists


# -- the property ------------------------------------------------------------------------------


@pytest.mark.timeout(600)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(history=steps, rng=st.randoms(use_true_random=False))
# Done by the unit and the office, and overdue: the unit's room waits for the office's answer
# in its list and among the broken loops of the board, each with an id of its own.
@example(
    history=[("to_unit", 0, 0), *[("complete", n, 0) for n in range(3)], ("advance", 0, 2)],
    rng=random.Random(0),
)
def test_every_open_loop_is_worked_by_exactly_its_owner_and_receiver_from_their_pages(
    served: World, history: list[tuple[str, int, int]], rng: random.Random
) -> None:
    started = time.monotonic()
    m = municipality(served.system, served.clock, served.client)
    tell(m, history)
    m.sign_in()
    m.system.projector.catch_up()
    loops = m.loops()
    note(f"open loops: {[(s.task.title, s.status) for _, s in loops]}")
    pages = {member.label: landing(m, member) for member in m.members}
    lists = {member.label: api_lists(m, member) for member in m.members}
    patient_pages: dict[tuple[str, UUID], html.HtmlElement | None] = {}
    for flow_id, state in loops:
        version = m.version(flow_id)
        for member in m.members:
            actions = allowed(state, member.user)
            board = pages[member.label]
            patient = patient_page(m, member, flow_id, patient_pages)
            assert_offered(m, member, state, actions, board, patient, lists[member.label])
            refuse_the_rest(m, member, flow_id, state, actions)
            TOTALS["(loop, member) pairs"] += 1
        assert m.version(flow_id) == version, (
            state.task.title,
            "a refused action recorded",
            [type(e).__name__ for e in m.system.flows.events.get(flow_id)][version - 1 :],
        )
    for flow_id, state in rng.sample(loops, len(loops)):
        accept_one(m, flow_id, state, pages, rng)
    TOTALS.update(m.worked)
    TOTALS.update(f"loops {state.status}" for _, state in loops)
    SECONDS.append(time.monotonic() - started)


def patient_page(
    m: Municipality,
    member: Member,
    flow_id: UUID,
    read: dict[tuple[str, UUID], html.HtmlElement | None],
) -> html.HtmlElement | None:
    """The flow's page as the member is shown it (None: not shown), read once."""
    key = (member.label, flow_id)
    if key not in read:
        answer = m.client.get(f"/tildeling/forlop/{flow_id}", headers=member.cookie)
        assert answer.status_code in (200, 403, 404), answer.text[:300]
        read[key] = parsed(answer.text) if answer.is_success else None
    return read[key]


def assert_offered(
    m: Municipality,
    member: Member,
    state: TaskState,
    actions: tuple[TaskAction, ...],
    board: tuple[str, html.HtmlElement],
    patient: html.HtmlElement | None,
    lists: dict[str, list[dict[str, Any]]] | None,
) -> None:
    """The member's board, the patient's page and her JSON lists offer exactly `actions`;
    the board and the JSON list the task where the oracle says, and nowhere else."""
    user, label, task_id = member.user, member.label, state.task.id
    why = (label, state.task.title, state.status)
    where, page = board
    if expected_landing(m, user) is not None:
        assert where == expected_landing(m, user), (label, where)
    assert offered_in(page, task_id, f"task-{task_id}") == tuple(sorted(actions)), (*why, "board")
    shown = page.get_element_by_id(f"task-{task_id}", None) is not None
    assert shown == bool(listed_in(state, user)), (*why, "board's row")
    if actions:
        assert patient is not None, (*why, "cannot open the patient's page")
    if patient is not None:
        row = f"patient-task-{task_id}"
        assert offered_in(patient, task_id, row) == tuple(sorted(actions)), (*why, "patient")
    if lists is None:
        return
    rows = {name: [r for r in lists[name] if r["task_id"] == str(task_id)] for name in LISTS}
    assert {name for name, found in rows.items() if found} == listed_in(state, user), why
    for found in rows.values():
        for r in found:
            assert tuple(sorted(r["actions"])) == tuple(sorted(actions)), (*why, r)
            TOTALS["rows sent back"] += r["returned"] is not None


def refuse_the_rest(
    m: Municipality,
    member: Member,
    flow_id: UUID,
    state: TaskState,
    actions: tuple[TaskAction, ...],
) -> None:
    """Each action the member is not offered is refused by the API (that it records nothing,
    the flow's version says once all members have tried)."""
    for action, (path, body) in API.items():
        if action in actions:
            continue
        answer = m.client.post(
            f"/api/v1/tasks/{state.task.id}/{path}", json=body, headers=member.bearer
        )
        assert answer.status_code in (403, 404, 409), (member.label, action, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["status"] == answer.status_code
        TOTALS["refused"] += 1


def accept_one(
    m: Municipality,
    flow_id: UUID,
    state: TaskState,
    pages: dict[str, tuple[str, html.HtmlElement]],
    rng: random.Random,
) -> None:
    """One offered action on the task, posted by its form on the member's board."""
    now = {s.task.id: s for s in m.system.flows.flow(flow_id, m.office).tasks}[state.task.id]
    if now != state:
        return  # an action on another task of the flow moved this one (none does today)
    offered = [(member, action) for member in m.members for action in allowed(state, member.user)]
    assert offered, (state.task.title, state.status, "no one may act on it")
    member, action = rng.choice(offered)
    _, page = pages[member.label]
    path = f"/oppgaver/{state.task.id}/{WORD[action]}"
    (form,) = [f for f in page.iter("form") if f.get("action") == path]
    fields = {i.get("name"): i.get("value") or "" for i in form.iter("input") if i.get("name")}
    if action == TaskAction.REJECT:
        fields["reason"] = "Mangler doseringer"
    before = m.version(flow_id)
    answer = m.client.post(path, data=fields, headers=member.cookie, follow_redirects=False)
    assert answer.status_code == 303, (member.label, action, answer.text[:300])
    assert m.version(flow_id) == before + 1
    after = {s.task.id: s for s in m.system.flows.flow(flow_id, m.office).tasks}[state.task.id]
    moved = {
        TaskAction.COMPLETE: {TaskStatus.COMPLETED, TaskStatus.CLOSED},
        TaskAction.ACKNOWLEDGE: {TaskStatus.CLOSED},
        TaskAction.REJECT: {TaskStatus.OPEN},
    }
    assert after.status in moved[action], (action, after.status)
    TOTALS["accepted"] += 1


def test_a_task_done_on_a_nurse_s_second_unit_answers_with_that_unit_s_board(
    served: World,
) -> None:
    m = municipality(served.system, served.clock, served.client)
    step(m, "on_stay", 0, 1)  # the second unit's patient: its loops are that unit's
    nurse = served.system.accounts.add_user(
        m.spec.id, f"{m.spec.number}-both", Role.NURSE, "Begge", None, m.units, at=m.clock.now
    )
    m.members.append(Member(nurse, {}))
    m.sign_in()
    (flow_id, state), *_ = [(f, s) for f, s in m.loops() if s.task.owner.unit_id == m.units[1]]
    board = f"/enheter/{m.units[1]}"
    page = m.client.get(board, headers=m.members[-1].cookie).text
    (token,) = html.fromstring(page).xpath("//input[@name='csrf_token']/@value")[:1]
    answer = m.client.post(
        f"/oppgaver/{state.task.id}/utfort",
        data={"csrf_token": token},
        headers={**m.members[-1].cookie, "HX-Current-URL": f"http://testserver{board}"},
        follow_redirects=False,
    )
    assert (answer.status_code, answer.headers["location"]) == (303, board)
    done = {s.task.id: s.status for s in served.flows.flow(flow_id, m.office).tasks}
    assert done[state.task.id] in (TaskStatus.COMPLETED, TaskStatus.CLOSED)
