"""One mapping from refusals to HTTP: 404, 403, 401, or 409 with the guard's sentence, and
422 with a Norwegian message per field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, Match

from boards.web.security import log_refusal
from flow.errors import (
    FlowError,
    NotAuthenticatedError,
    NotFoundError,
    NotPermittedError,
    UnusableTextError,
)

#: Pydantic's error types in bokmål; `{…}` are filled from the error's context.
FIELD_MESSAGES = {
    "missing": "Feltet mangler.",
    "extra_forbidden": "Feltet er ukjent.",
    "enum": "Må være en av {expected}.",
    "literal_error": "Må være en av {expected}.",
    "string_type": "Må være tekst.",
    "string_too_short": "Må ha minst {min_length} tegn.",
    "string_too_long": "Kan ha høyst {max_length} tegn.",
    "bool_type": "Må være true eller false.",
    "bool_parsing": "Må være true eller false.",
    "int_type": "Må være et heltall.",
    "int_parsing": "Må være et heltall.",
    "uuid_type": "Må være en UUID.",
    "uuid_parsing": "Må være en UUID.",
    "date_type": "Må være en dato (ÅÅÅÅ-MM-DD).",
    "date_parsing": "Må være en dato (ÅÅÅÅ-MM-DD).",
    "date_from_datetime_parsing": "Må være en dato (ÅÅÅÅ-MM-DD).",
    "date_from_datetime_inexact": "Må være en dato uten klokkeslett.",
    "datetime_type": "Må være et tidspunkt (ISO 8601 med tidssone).",
    "datetime_parsing": "Må være et tidspunkt (ISO 8601 med tidssone).",
    "datetime_from_date_parsing": "Må være et tidspunkt (ISO 8601 med tidssone).",
    "timezone_aware": "Tidspunktet må ha tidssone.",
    "model_type": "Må være et JSON-objekt.",
    "model_attributes_type": "Må være et JSON-objekt.",
    "dict_type": "Må være et JSON-objekt.",
    "json_invalid": "Ugyldig JSON.",
}


def status_of(error: FlowError) -> int:
    if isinstance(error, NotFoundError):
        return 404
    if isinstance(error, NotPermittedError):
        return 403
    if isinstance(error, NotAuthenticatedError):
        return 401
    if isinstance(error, UnusableTextError):
        return 422
    return 409


def field_message(error: Mapping[str, Any]) -> str:
    english = str(error["msg"]).removeprefix("Value error, ")
    try:
        return FIELD_MESSAGES[error["type"]].format(**(error.get("ctx") or {}))
    except KeyError:
        return english


async def _flow_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, FlowError)
    status = status_of(error)
    if status in {401, 403, 404}:
        await log_refusal(request, status)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"detail": error.message}, status_code=status, headers=headers)


async def _validation_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    detail = [
        {"loc": list(e["loc"]), "msg": field_message(e), "type": e["type"]} for e in error.errors()
    ]
    return JSONResponse({"detail": detail}, status_code=422)


async def _http_error(request: Request, error: Exception) -> Response:
    """A body FastAPI cannot even decode (bad UTF-8, nesting too deep) is a shape error too."""
    assert isinstance(error, HTTPException)
    if error.status_code == 400:
        problem = {"loc": ["body"], "msg": FIELD_MESSAGES["json_invalid"], "type": "json_invalid"}
        return JSONResponse({"detail": [problem]}, status_code=422)
    if error.status_code in {401, 403}:
        await log_refusal(request, error.status_code)
    if error.status_code == 405:
        allowed = ", ".join(sorted(_methods_at(request)))
        return JSONResponse(
            {"detail": "Metoden er ikke tillatt her."}, status_code=405, headers={"Allow": allowed}
        )
    return await http_exception_handler(request, error)


def _methods_at(request: Request) -> set[str]:
    """Every method the path takes: Starlette's `Allow` names only the first route's."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        if isinstance(route, BaseRoute) and route.matches(request.scope)[0] != Match.NONE:
            methods |= getattr(route, "methods", None) or set()
    return methods


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(FlowError, _flow_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
