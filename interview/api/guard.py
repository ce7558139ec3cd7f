"""Cheap refusal at the door: bodies capped while they stream in, JSON that cannot blow up, one error shape.

``BodyLimit`` reads a request's body before any route sees it and answers 413 as soon as the declared length or the
bytes received pass the path's cap, without reading the rest (and closes the connection, so the server does not
drain it either). ``SafeJSONRoute`` parses bodies with ``parse_json``: UTF-8 only, standard JSON only (no NaN), no
integer over 32 digits, no nesting past 32 levels, no lone surrogate in any string (such a string cannot be saved).
Every error leaves as ``{"error": "..."}`` with the status the project's error maps to.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import (
    CodeExecutionDisabled,
    InterviewError,
    NotCodingQuestion,
    SandboxBusy,
    SandboxError,
    SessionConflict,
    SessionFinished,
    StoreError,
    TurnNotFound,
)

log = logging.getLogger(__name__)

MAX_BODY = 64_000
MAX_DEPTH = 32  # the deepest body any route takes is 3 levels (options.kinds[...]); 32 leaves room and stops a bomb
MAX_INT_DIGITS = 32  # a seed or a count; a 5,000-digit integer costs quadratic time to convert and fits no field


class BodyLimit:
    """ASGI middleware: refuse a body over its path's cap with 413 before reading the rest of it."""

    def __init__(self, app: ASGIApp, default: int = MAX_BODY, limits: dict[str, int] | None = None) -> None:
        self.app = app
        self.default = default
        self.limits = limits or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cap = self.limits.get(scope["path"], self.default)
        if (_content_length(scope) or 0) > cap:
            await _too_large(send, cap)
            return
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left: no one to answer
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > cap:
                await _too_large(send, cap)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(b"".join(chunks), receive), send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive() that hands the app the whole body once, then passes through (e.g. http.disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


async def _too_large(send: Send, cap: int) -> None:
    body = json.dumps({"error": f"Request body over {cap:,} bytes: send less (an answer or code is far shorter)."}).encode()
    # Connection: close, so the server drops the connection instead of reading (and discarding) the rest of the body.
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class _Refused(ValueError):
    """A body that is JSON by the grammar but not one this API takes."""


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _Refused(f"an integer has {len(text.lstrip('-')):,} digits (at most {MAX_INT_DIGITS})")
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"the number {text[:40]} is out of range")
    return value


def _constant(text: str) -> Any:
    raise _Refused(f"{text} is not a JSON value")


def parse_json(raw: bytes) -> Any:
    """Parse a request body; raise HTTPException(400) saying what is wrong with it."""
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise HTTPException(400, f"The body is not UTF-8 text (byte {exc.start} is not valid): send JSON encoded as UTF-8.") from None
    try:
        value = json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except json.JSONDecodeError as exc:
        raise HTTPException(400, f"Body is not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).") from None
    except _Refused as exc:
        raise HTTPException(400, f"Body refused: {exc}.") from None
    except RecursionError:
        raise HTTPException(400, f"Body refused: nested deeper than {MAX_DEPTH} levels.") from None
    _check_values(value)
    return value


def _check_values(value: Any) -> None:
    """Refuse nesting past MAX_DEPTH and strings that are not valid Unicode (lone surrogates), walking without recursion."""
    todo = [(value, 1)]
    while todo:
        item, depth = todo.pop()
        if isinstance(item, str):
            if not item.isascii():
                _check_text(item)
            continue
        if not isinstance(item, dict | list):
            continue
        if depth > MAX_DEPTH:
            raise HTTPException(400, f"Body refused: nested deeper than {MAX_DEPTH} levels.")
        items = [*item.keys(), *item.values()] if isinstance(item, dict) else item
        todo.extend((x, depth + 1) for x in items)


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(text[exc.start])
        raise HTTPException(400, f"Body refused: a string holds a lone surrogate (\\u{code:04x}), which is not text: "
                                 "send valid Unicode (each \\ud8xx-\\udbxx escape followed by its \\udcxx-\\udfxx pair).") from None


class _SafeJSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = parse_json(await self.body())
        return self._json


class SafeJSONRoute(APIRoute):
    """A route whose JSON body goes through ``parse_json``."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            return await handler(_SafeJSONRequest(request.scope, request.receive))

        return route


def status_of(exc: Exception) -> int:
    """The HTTP status for one of the project's errors."""
    if isinstance(exc, StoreError | TurnNotFound):
        return 404
    if isinstance(exc, SessionFinished | NotCodingQuestion | CodeExecutionDisabled | SessionConflict):
        return 409
    if isinstance(exc, SandboxError):
        return 503
    return 400


def error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The one error shape."""
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def field_errors(exc: ValidationError | RequestValidationError) -> str:
    """'field: what is wrong; ...', never the value sent (it may be a token)."""
    parts = []
    for e in exc.errors():
        loc = [str(x) for x in e["loc"]]
        if loc[:1] == ["body"]:
            loc = loc[1:]
        parts.append(f"{'.'.join(loc) or 'body'}: {e['msg'].removeprefix('Value error, ')}")
    return "; ".join(parts)


async def _on_project_error(_: Request, exc: Exception) -> Response:
    if isinstance(exc, SandboxBusy):
        wait = max(1, math.ceil(exc.retry_after))
        return error(503, f"The code runners are all busy, so nothing was run: try again in {wait} s.", {"Retry-After": str(wait)})
    return error(status_of(exc), str(exc))


async def _on_invalid(_: Request, exc: Exception) -> Response:
    if isinstance(exc, RequestValidationError) and isinstance(exc.body, bytes | bytearray):
        return error(400, "The body was not read as JSON: send it with Content-Type: application/json.")
    assert isinstance(exc, ValidationError | RequestValidationError)
    return error(422, field_errors(exc))


async def _on_http(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    message = exc.detail if isinstance(exc.detail, str) else "Request refused."
    if exc.status_code == 404 and message == "Not Found":
        message = "No such route: see /docs for the API's routes."
    return error(exc.status_code, message, dict(exc.headers or {}))


async def _on_crash(request: Request, exc: Exception) -> Response:
    log.exception("Unhandled error on %s %s", request.method, request.url.path)
    return error(500, "Internal error: the request was not completed. Try again; if it persists, tell the operator.")


def install(app: FastAPI, limits: dict[str, int]) -> None:
    """Add the body cap and the error handlers to an app."""
    app.add_middleware(BodyLimit, default=MAX_BODY, limits=limits)
    app.add_exception_handler(InterviewError, _on_project_error)
    app.add_exception_handler(RequestValidationError, _on_invalid)
    app.add_exception_handler(ValidationError, _on_invalid)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(Exception, _on_crash)
