"""`TaskState.actions`: what the lists offer is exactly what the commands accept, and an open
loop can be moved on by its owner (open) or its receiver (done), by no one else."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

from hypothesis import given
from hypothesis import strategies as st

from flow.closed_loops import Party, Task, TaskState
from flow.errors import FlowError
from flow.vocabulary import TaskAction, TaskStatus

UNITS = [UUID(int=n) for n in range(1, 4)]
parties = st.sampled_from([None, *UNITS]).map(Party)
roles = st.sampled_from(["allocation", "nurse", "homecare", "leader", "admin"])


def state(owner: Party, receiver: Party | None, status: str) -> TaskState:
    task = Task(uuid4(), "c", "k", "t", "Tittel", "Title", owner, receiver,
                datetime(2026, 3, 2, tzinfo=UTC), None)  # fmt: skip
    return TaskState(task, status)


def accepted(s: TaskState, role: str, member_of: frozenset[UUID]) -> tuple[TaskAction, ...]:
    """What the commands' own checks let through, one by one."""
    found = []
    for action in TaskAction:
        try:
            if action == TaskAction.COMPLETE:
                s.check_completable(role, member_of)
            else:
                s.check_answerable(role, member_of, action)
        except FlowError:
            continue
        found.append(action)
    return tuple(found)


@given(
    parties,
    st.none() | parties,
    st.sampled_from(list(TaskStatus)),
    roles,
    st.frozensets(st.sampled_from(UNITS)),
)
def test_the_offered_actions_are_those_the_commands_accept_and_only_the_waiting_party_s(
    owner: Party,
    receiver: Party | None,
    status: TaskStatus,
    role: str,
    member_of: frozenset[UUID],
) -> None:
    if role in ("allocation", "leader", "admin"):
        member_of = frozenset()
    s = state(owner, receiver, status.value)
    offered = s.actions(role, member_of)
    assert offered == accepted(s, role, member_of)

    def acts(party: Party) -> bool:
        return role == "allocation" if party.unit_id is None else party.unit_id in member_of

    if status == TaskStatus.OPEN:
        assert offered == ((TaskAction.COMPLETE,) if acts(owner) else ())
    elif status == TaskStatus.COMPLETED and receiver is not None and acts(receiver):
        assert offered == (TaskAction.ACKNOWLEDGE, TaskAction.REJECT)
    else:
        assert offered == ()
