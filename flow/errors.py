"""Refusals: each a stable code, its parameters, and a sentence a nurse can read.

Every error is a `FlowError` raised with a code of the catalogue (`flow/refusals.toml`) and
the parameters that code carries: `BedTakenError("bed_taken", bed="3", unit="Rehab")`. The
class says what kind of refusal it is, and the web layer answers by it: `NotFoundError` 404,
`NotPermittedError` 403, `NotAuthenticatedError` 401, `UnusableTextError` 422,
`TooManyError` 429, every other `FlowError` 409.
"""

from __future__ import annotations

from functools import partial

from flow.refusals import Param, sentence


class FlowError(Exception):
    """A command that the current state does not allow; nothing was recorded."""

    def __init__(self, code: str, /, **params: Param) -> None:
        self.code = code
        self.params = params
        #: The sentence in bokmål; other languages make theirs from the code and parameters.
        self.message = sentence(code, params)
        super().__init__(self.message)

    def __reduce__(self) -> tuple[partial[FlowError], tuple[()]]:
        """Pickled (to another process) as its code and parameters, not its sentence."""
        return partial(type(self), self.code, **self.params), ()


class NotFoundError(FlowError):
    """The thing asked for does not exist in the actor's municipality."""


class NotPermittedError(FlowError):
    """The actor's role may not give this command."""


class NotAuthenticatedError(FlowError):
    """Nobody logged in: no session, no valid bearer token."""


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
    """A text or value breaks its grammar: a checklist template, a hospital message, a period."""


class DuplicateError(FlowError):
    """Something with that code or identity is registered already."""


class TooManyError(FlowError):
    """One user asks for more at once than anyone needs (open live streams): later, or fewer."""
