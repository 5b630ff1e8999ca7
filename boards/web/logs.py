"""The server's logs: what they are written as, and what they must never hold.

`log_config` is uvicorn's logging set-up with a handler for every other logger: warnings and
worse of any (the follower's failures, the libraries'), and the security log
(`pasientflyt.access`: logins, refusals) from INFO — Python's default would drop its INFO
lines and print warnings bare — and, when `PASIENTFLYT_LOG_FORMAT=json`, every line as one
JSON object (python-json-logger) for a log collector.

The access log must never hold a display device's address (its token is a key to the unit's
wall until it is spent), a password setup link, nor an OpenID Connect callback's code and
state. The request line
keeps its method, path shape and status."""

from __future__ import annotations

import copy
import logging
import re
from typing import Any, Literal

from uvicorn.config import LOGGING_CONFIG

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


LogFormat = Literal["text", "json"]
_JSON = {
    "()": "pythonjsonlogger.json.JsonFormatter",
    "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
    "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
}
_TEXT = {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}


def log_config(log_format: LogFormat) -> dict[str, Any]:
    """uvicorn's own logging configuration, with the app's loggers, in text or JSON."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["app"] = _JSON if log_format == "json" else _TEXT
    config["handlers"]["app"] = {
        "formatter": "app",
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
    }
    config["root"] = {"handlers": ["app"], "level": "WARNING"}
    config["loggers"]["pasientflyt"] = {"level": "INFO"}
    if log_format == "json":
        config["formatters"]["default"] = config["formatters"]["access"] = _JSON
    else:  # uvicorn's lines with the moment they were written (ASVS 16.2.1)
        for name in ("default", "access"):
            config["formatters"][name]["fmt"] = "%(asctime)s " + config["formatters"][name]["fmt"]
    return config
