"""How the domain's own value types are stored in the event log as JSON."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Transcoding


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class DataclassAsDict(Transcoding):
    """A frozen dataclass as a dict of its fields; nested values are transcoded too."""

    def __init__(self, cls: type[Any]) -> None:
        self.type = cls
        self.name = cls.__qualname__

    def encode(self, obj: Any) -> dict[str, Any]:
        return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}

    def decode(self, data: dict[str, Any]) -> Any:
        return self.type(**data)


def register(transcoder: JSONTranscoder, *dataclass_types: type[Any]) -> None:
    transcoder.register(DateAsISO())
    for cls in dataclass_types:
        transcoder.register(DataclassAsDict(cls))
