"""One mapping from domain refusals to HTTP: 404, 403, or 409 with the guard's sentence."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from flow.errors import FlowError, NotFoundError, NotPermittedError


def status_of(error: FlowError) -> int:
    if isinstance(error, NotFoundError):
        return 404
    if isinstance(error, NotPermittedError):
        return 403
    return 409


async def _flow_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, FlowError)
    return JSONResponse({"detail": error.message}, status_code=status_of(error))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(FlowError, _flow_error)
