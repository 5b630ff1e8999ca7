"""Refusals, each with a sentence a nurse can read.

Every error is a `FlowError`; the web layer maps `NotFoundError` to 404,
`NotPermittedError` to 403, `UnusableTextError` to 422 and every other `FlowError` to 409.
"""

from __future__ import annotations


class FlowError(Exception):
    """A command that the current state does not allow; nothing was recorded."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFoundError(FlowError):
    """The thing asked for does not exist in the actor's municipality."""


class NotPermittedError(FlowError):
    """The actor's role may not give this command."""


class IllegalTransitionError(FlowError):
    """The flow's state does not allow the command."""


class FlowClosedError(IllegalTransitionError):
    """A closed flow accepts nothing."""


class BedTakenError(FlowError):
    """The bed holds another reservation or patient, or is blocked."""


class StaleVersionError(FlowError):
    """The command was made against an older version than the stored one."""


class ConcurrentChangeError(FlowError):
    """Someone else changed the same flow or unit at the same moment."""


class UnusableTextError(FlowError):
    """A text to be put in force (checklist templates) breaks its grammar."""


class DuplicateError(FlowError):
    """Something with that code or identity is registered already."""
