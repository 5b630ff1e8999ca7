"""The log's JSON of the domain's values: ids as the library writes them, read back shared."""

from __future__ import annotations

from uuid import UUID, uuid4

from eventsourcing.persistence import JSONTranscoder, UUIDAsHex

from flow import transcodings


def transcoder() -> JSONTranscoder:
    made = JSONTranscoder()
    made.register(UUIDAsHex())  # as the library's application registers it first
    transcodings.register(made)
    return made


def test_an_id_is_written_as_the_library_writes_it_and_read_back_equal() -> None:
    flow_id = uuid4()
    ours, library = transcoder(), JSONTranscoder()
    library.register(UUIDAsHex())
    assert ours.encode({"flow_id": flow_id}) == library.encode({"flow_id": flow_id})
    assert ours.decode(library.encode({"flow_id": flow_id})) == {"flow_id": flow_id}


def test_an_id_read_twice_is_one_object() -> None:
    stored = transcoder().encode([UUID(int=7), UUID(int=7)])
    first, again = transcoder().decode(stored)
    assert first == UUID(int=7)
    assert first is again
