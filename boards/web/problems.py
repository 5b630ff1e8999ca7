"""One mapping from refusals to HTTP: RFC 9457 problem details (`application/problem+json`).

Every refusal answers with `type` (`tag:pasientflyt.no,2026:problem:<code>`, a name for the
kind of problem, not an address to fetch), `title` (the code's short title), `status`,
`detail` (the sentence), `code` (stable: what a client acts on) and `params` (the refusal's
plain values). Title and sentence are in the user's language (`answer_language`). A 422 for
the request's shape keeps FastAPI's list of fields as `detail`, each `msg` in that language,
with the code `invalid_request`. The status follows from the refusal's class: `NotFoundError`
404, `NotPermittedError` 403, `NotAuthenticatedError` 401, `UnusableTextError` 422,
`TooManyError` 429 (with `Retry-After`), any other refusal 409.

A browser's own navigation to a page (it asks for `text/html` first, outside `/api/`) gets a
page of its own with the title, the sentence and the way back. A page's own request (htmx,
`HX-Request`, outside `/api/`) gets the sentence as HTML instead,
told to land in the page's notice line (`#notice`, `role="alert"` in `base.html`): whatever
refused it — an expired form, a task that is gone, a role that may not — the user reads why
where she is, and the board she clicked in stays as it was (htmx swaps a refusal that names
its place, whatever its status: `boards/static/pasientflyt.js`). A page's route that knows a
better place (the card's or the task's line) answers there itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, Match

from boards.shapes import field_message
from boards.web.security import log_refusal
from boards.web.translations import answer_language, language_of, translator
from flow.errors import (
    FlowError,
    NotAuthenticatedError,
    NotFoundError,
    NotPermittedError,
    TooManyError,
    UnusableTextError,
)
from flow.refusals import Param, sentence, title

PROBLEM_JSON = "application/problem+json"
#: A problem's `type` is this and its code: a tag URI (RFC 4151) names, it does not resolve.
#: RFC 9457 §3.1.1 takes any URI reference as `type` and lets consumers use it only as the
#: problem type's identifier, never fetching it; §4 asks each new type to document its URI,
#: title and status, which `flow/refusals.toml` and `status_of` do. The extension members
#: (§3.2) `code` and `params` are named as §4 asks of additional members: a letter first,
#: letters, digits and "_", three characters or more.
PROBLEM_TYPE = "tag:pasientflyt.no,2026:problem:"
#: When a client refused for asking too much at once (429) may ask again.
RETRY_AFTER_SECONDS = 10


def status_of(error: FlowError) -> int:
    if isinstance(error, NotFoundError):
        return 404
    if isinstance(error, NotPermittedError):
        return 403
    if isinstance(error, NotAuthenticatedError):
        return 401
    if isinstance(error, UnusableTextError):
        return 422
    if isinstance(error, TooManyError):
        return 429
    return 409


def said(error: FlowError, language: str) -> str:
    """The refusal's sentence in `language`."""
    return sentence(error.code, error.params, translator(language))


def problem(
    code: str, params: Mapping[str, Param], status: int, language: str, detail: object = None
) -> dict[str, Any]:
    """The problem details of a refusal; `detail` its sentence unless given."""
    translate = translator(language)
    return {
        "type": PROBLEM_TYPE + code,
        "title": title(code, translate),
        "status": status,
        "detail": sentence(code, params, translate) if detail is None else detail,
        "code": code,
        "params": dict(params),
    }


def answer(
    request: Request,
    error: FlowError,
    status: int,
    *,
    detail: object = None,
    headers: dict[str, str] | None = None,
) -> Response:
    request.state.problem_code = error.code  # the outcome `boards/web/metrics.py` counts
    if _browsed(request):  # in the pages' language, as the page would have been
        language = language_of(request)
        body = problem(error.code, error.params, status, language, detail)
        return _as_page(body, status, headers, language)
    body = problem(error.code, error.params, status, answer_language(request), detail)
    if _from_page(request):
        return _in_notice(body, status, headers)
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def _from_page(request: Request) -> bool:
    return bool(request.headers.get("HX-Request")) and not request.url.path.startswith("/api/")


def _browsed(request: Request) -> bool:
    """A browser's own navigation to a page (an address typed or a link or GET form
    followed), which shows what it gets: it asks for HTML first, and htmx does not ask."""
    accepted = request.headers.get("accept", "")
    return (
        accepted.startswith("text/html")
        and not request.headers.get("HX-Request")
        and not request.url.path.startswith("/api/")
    )


def _as_page(
    body: dict[str, Any], status: int, headers: dict[str, str] | None, language: str
) -> HTMLResponse:
    """The refusal as a page of its own in the user's language, with the way back: what a
    browser shows of a page it was refused (a moment before the municipality's start, a
    patient no longer hers, an address that is no page), not the problem's JSON."""
    detail = body["detail"]
    if not isinstance(detail, str):
        detail = "; ".join(str(field.get("msg", "")) for field in detail)
    back = translator(language)("Til forsiden")
    page = (
        f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(body['title'])} · Pasientflyt</title>"
        '<link rel="stylesheet" href="/static/pasientflyt.css"></head>'
        f'<body><main class="refused"><h1>{escape(body["title"])}</h1>'
        f'<p role="alert">{escape(detail)}</p><p><a href="/">{escape(back)}</a></p>'
        "</main></body></html>"
    )
    return HTMLResponse(page, status_code=status, headers=headers)


def _in_notice(body: dict[str, Any], status: int, headers: dict[str, str] | None) -> Response:
    detail = body["detail"]
    if not isinstance(detail, str):  # a 422's fields: each one's message
        detail = "; ".join(str(field.get("msg", "")) for field in detail)
    return in_place(detail, status, "#notice", headers)


def in_place(
    text: str, status: int, target: str, headers: dict[str, str] | None = None
) -> HTMLResponse:
    """A refusal's sentence for htmx to put into `target` (the page's notice line, a card's
    or a task's line), whatever its status (`boards/static/pasientflyt.js`)."""
    swap = {"HX-Retarget": target, "HX-Reswap": "innerHTML", "HX-Reselect": ".refusal-text"}
    return HTMLResponse(
        f'<span class="refusal-text">{escape(text)}</span>',
        status_code=status,
        headers={**(headers or {}), **swap},
    )


async def _flow_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, FlowError)
    status = status_of(error)
    if status in {401, 403, 404}:
        await log_refusal(request, status)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if status == 429:
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return answer(request, error, status, headers=headers)


async def _validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    return _invalid(request, error.errors())


def _invalid(request: Request, errors: Any) -> Response:
    """422 for the request's shape: FastAPI's list of fields, in the user's language."""
    language = answer_language(request)
    fields = [
        {"loc": list(e["loc"]), "msg": field_message(e, translator(language)), "type": e["type"]}
        for e in errors
    ]
    return answer(request, UnusableTextError("invalid_request"), 422, detail=fields)


async def _http_error(request: Request, error: Exception) -> Response:
    """Starlette's and FastAPI's own refusals (no such path, a method the path does not take,
    a body that is not even JSON) as problems too."""
    assert isinstance(error, HTTPException)
    status = error.status_code
    if status in {204, 304}:
        return await http_exception_handler(request, error)
    if status == 400:
        return _invalid(request, [{"loc": ["body"], "type": "json_invalid", "msg": ""}])
    if status in {401, 403}:
        await log_refusal(request, status)
    if status == 404:
        return answer(request, NotFoundError("not_found", thing="page"), 404)
    if status == 405:
        allowed = {"Allow": ", ".join(sorted(_methods_at(request)))}
        return answer(request, FlowError("method_not_allowed"), 405, headers=allowed)
    headers = dict(error.headers) if error.headers else None
    return answer(request, FlowError("http_error", status=status), status, headers=headers)


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
    _document_problems(app)


_PROBLEM = "#/components/schemas/Problem"


def _document_problems(app: FastAPI) -> None:
    """The OpenAPI document says what the handlers answer: every refusal documented (a 4xx,
    FastAPI's own 422 among them) is `application/problem+json` of the `Problem` model."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            for path in schema.get("paths", {}).values():
                for operation in path.values():
                    for status, response in operation.get("responses", {}).items():
                        if status.startswith("4"):
                            response["content"] = {PROBLEM_JSON: {"schema": {"$ref": _PROBLEM}}}
            models = schema.get("components", {}).get("schemas", {})
            for unused in ("HTTPValidationError", "ValidationError"):
                models.pop(unused, None)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
