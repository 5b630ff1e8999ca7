"""How a login through the provider fails, and the sentences the user reads when it does."""

from __future__ import annotations


class OidcError(Exception):
    """A login that cannot go on: `message` is for the user, `detail` and `who` for the log."""

    def __init__(self, message: str, detail: str, who: str = "-") -> None:
        super().__init__(detail)
        self.message, self.detail, self.who = message, detail, who


class NotConfiguredError(OidcError):
    pass


class ProviderUnreachableError(OidcError):
    pass


class CallbackError(OidcError):
    """The browser came back without a login this browser started, or without a code."""


class ProviderRefusedError(OidcError):
    """The provider said no, or sent something that does not hold up."""


class LoginRefusedError(OidcError):
    """The provider knows the user, but Pasientflyt gives them no access."""


NOT_SET_UP = "Innlogging med kommunens påloggingstjeneste er ikke ferdig satt opp."
UNREACHABLE = "Påloggingstjenesten svarer ikke. Prøv igjen om litt."
REFUSED = "Påloggingstjenesten godtok ikke innloggingen. Prøv igjen."
INVALID = "Påloggingstjenesten sendte et ugyldig svar. Innloggingen er avvist."
