"""What the web server's access log must never hold: a display device's address (its token
is a key to the unit's wall until it is spent), a password setup link, and an OpenID Connect
callback's code and state. The request line keeps its method, path shape and status."""

from __future__ import annotations

import logging
import re

#: `/skjerm/<token>`, but not the display's own pages (`/skjerm`, `/skjerm/strom`).
_DEVICE_ADDRESS = re.compile(r"^/skjerm/(?!strom(?:[?/]|$))[^/?]+")
#: `/passord/<token>`: a one-time link where a user sets her own password.
_SETUP_LINK = re.compile(r"^/passord/[^/?]+")
#: The query of an OpenID Connect callback.
_CALLBACK_QUERY = re.compile(r"^(/logg-inn/oidc/tilbake)\?.*$")
HIDDEN = "[skjult]"


def without_secrets(path: str) -> str:
    """A request's path and query as a log may show it."""
    path = _DEVICE_ADDRESS.sub(f"/skjerm/{HIDDEN}", path)
    path = _SETUP_LINK.sub(f"/passord/{HIDDEN}", path)
    return _CALLBACK_QUERY.sub(rf"\1?{HIDDEN}", path)


class SecretsFilter(logging.Filter):
    """On uvicorn's access logger: its records' arguments are (client, method, path with
    query, HTTP version, status); the path is written without its secrets."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            record.args = (args[0], args[1], without_secrets(args[2]), args[3], args[4])
        return True


def hide_secrets_in_access_log() -> None:
    """Install the filter on uvicorn's access logger, once per process."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, SecretsFilter) for f in access.filters):
        access.addFilter(SecretsFilter())
