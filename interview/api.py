"""A small REST API over the session service (Starlette, which Streamlit already installs).

    python -m interview serve [--host 127.0.0.1] [--port 8000]

    GET   /roles                               built-in roles
    POST  /sessions                            start: InterviewOptions as JSON -> 201 session
    GET   /sessions/{id}                       the whole session state
    POST  /sessions/{id}/messages              {"message": "..."} -> the interviewer's turn
    PATCH /sessions/{id}/turns/{index}         {"text": "..."} -> correct an answer; re-scored
    GET   /sessions/{id}/code                  the open coding exercise: statement, examples, starter code
    POST  /sessions/{id}/code/run              {"code", "language"} -> the visible tests, case by case
    POST  /sessions/{id}/code/submit           {"code", "language"} -> hidden-test counts and the interviewer's turn
    POST  /sessions/{id}/finish                end the interview -> report
    GET   /sessions/{id}/report[?format=markdown]
    POST  /evaluate                            {"question", "answer", "role"?, "reference_answer"?} -> score with evidence
                                               (question 10-2,000 characters, answer and reference_answer up to
                                               20,000; role defaults to "general"; reference_answer is scored against)

Errors come back as {"error": "..."} with 400 (bad input), 404 (unknown session or turn),
409 (the interview has ended, the open question is not a coding exercise, or code execution is turned
off on this server), 413 (body too large), 422 (invalid fields) or 503 (the sandbox could not run the code; try again).
A coding problem is shown without its hidden tests, reference or deliberately wrong solution.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from . import semantic
from .bank import builtin_roles
from .coding.flow import call, problem_of, work_of
from .coding.problems import starter_code
from .errors import CodeExecutionDisabled, InterviewError, NotCodingQuestion, SandboxError, SessionFinished, StoreError, TurnNotFound
from .models import AskedQuestion, InterviewOptions
from .report import report_markdown
from .service import InterviewService, current_prompt, evaluate_answer, open_coding

MAX_BODY = 64_000
MAX_QUESTION_CHARS = 2_000
MAX_ANSWER_CHARS = 20_000  # an answer, and a reference answer
# POST /evaluate may carry up to three long texts: room for all of them at their limits even when every character
# arrives escaped as \uXXXX, so a valid body is never refused as too large.
MAX_EVALUATE_BODY = 6 * (MAX_QUESTION_CHARS + 2 * MAX_ANSWER_CHARS + 80) + 1_000


class MessageIn(BaseModel):
    """Body of POST /sessions/{id}/messages."""

    model_config = ConfigDict(extra="forbid")
    message: str


class EditIn(BaseModel):
    """Body of PATCH /sessions/{id}/turns/{index}."""

    model_config = ConfigDict(extra="forbid")
    text: str


class CodeIn(BaseModel):
    """Body of POST /sessions/{id}/code/run and /code/submit."""

    model_config = ConfigDict(extra="forbid")
    code: str
    language: Literal["python", "javascript"] = "python"


class EvaluateIn(BaseModel):
    """Body of POST /evaluate."""

    model_config = ConfigDict(extra="forbid")
    role: str = Field(default="general", min_length=1, max_length=80, description="Built-in role id or name, or a custom role name.")
    question: str = Field(min_length=10, max_length=MAX_QUESTION_CHARS)  # every question the scorer knows is 10+ characters
    answer: str = Field(max_length=MAX_ANSWER_CHARS)
    reference_answer: str | None = Field(default=None, max_length=MAX_ANSWER_CHARS, description="A reference answer to score against.")


def _status(exc: Exception) -> int:
    if isinstance(exc, (StoreError, TurnNotFound)):
        return 404
    if isinstance(exc, (SessionFinished, NotCodingQuestion, CodeExecutionDisabled)):
        return 409
    if isinstance(exc, SandboxError):
        return 503
    return 400


async def _body(request: Request, model: type[BaseModel], limit: int = MAX_BODY) -> Any:
    raw = await request.body()
    if len(raw) > limit:
        raise _HTTPError(413, f"Request body over {limit:,} bytes.")
    try:
        return model.model_validate(json.loads(raw or b"{}"))
    except json.JSONDecodeError as exc:
        raise _HTTPError(400, f"Body is not JSON: {exc.msg}.") from exc
    except ValidationError as exc:
        raise _HTTPError(422, _errors(exc)) from exc


def _errors(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors())


class _HTTPError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _summary(state) -> dict:
    current = state.current
    return {"id": state.id, "role": state.role.name, "status": state.status, "engine": state.engine,
            "question_number": len(state.asked), "planned": state.planned, "difficulty": state.difficulty,
            "prompt": current_prompt(state), "coding": current is not None and current.code is not None}


def _problem_view(asked: AskedQuestion, execution: bool) -> dict:
    """What the candidate may see of the open coding problem (never its hidden tests or solutions), and the editor's state."""
    problem, work = problem_of(asked), work_of(asked)
    return {"problem_id": problem.id, "title": problem.title, "difficulty": problem.difficulty, "topics": problem.topics,
            "statement": problem.statement, "function": problem.function, "params": problem.params,
            "signature": problem.signature.model_dump(),
            "examples": [{"call": call(problem, e.args), **e.model_dump(mode="json")} for e in problem.examples],
            "starter_code": {lang: starter_code(problem, lang) for lang in ("python", "javascript")},
            "language": work.language, "draft": work.draft, "runs": len(work.attempts) - len(work.submissions),
            "submissions": len(work.submissions), "last_run": work.last_run.model_dump(mode="json") if work.last_run else None,
            "code_execution": execution}


def create_app(service: InterviewService) -> Starlette:
    """Build the API app around one service; sessions are read from and written to its store."""
    semantic.warm_up()  # the embedding model loads in the background; answers before it is ready wait for it
    # Handlers are async and never await between loading a session and saving it, so on the one event
    # loop a session's read-modify-write is never interleaved with another request's.

    async def roles(_: Request):
        return JSONResponse([r.model_dump(mode="json") for r in builtin_roles()])

    async def start(request: Request):
        state = service.start(await _body(request, InterviewOptions))
        return JSONResponse({**_summary(state), "opening": state.opening}, status_code=201)

    async def get_session(request: Request):
        return JSONResponse(service.resume(request.path_params["sid"]).model_dump(mode="json"))

    async def message(request: Request):
        body = await _body(request, MessageIn)
        sid = request.path_params["sid"]
        result = service.submit(service.resume(sid), body.message)
        return JSONResponse({**_summary(result.state), "turn": result.turn.model_dump(mode="json"), "notice": result.notice})

    async def edit(request: Request):
        body = await _body(request, EditIn)
        sid = request.path_params["sid"]
        state = service.edit_answer(service.resume(sid), int(request.path_params["index"]), body.text)
        return JSONResponse({**_summary(state), "turn": state.turns[int(request.path_params["index"])].model_dump(mode="json")})

    async def code(request: Request):
        asked = open_coding(service.resume(request.path_params["sid"]))
        return JSONResponse(_problem_view(asked, service.judge is not None))

    async def run_code(request: Request):
        body = await _body(request, CodeIn)
        state, result = service.run_code(service.resume(request.path_params["sid"]), body.code, body.language)
        return JSONResponse({**_summary(state), "run": result.model_dump(mode="json")})

    async def submit_code(request: Request):
        body = await _body(request, CodeIn)
        result = service.submit_code(service.resume(request.path_params["sid"]), body.code, body.language)
        attempt = work_of(result.state.asked[result.turn.question_index]).submissions[-1]
        return JSONResponse({**_summary(result.state), "turn": result.turn.model_dump(mode="json"),
                             "submission": attempt.model_dump(mode="json", exclude={"code"})})

    async def finish(request: Request):
        sid = request.path_params["sid"]
        _, report = service.finish(service.resume(sid))
        return JSONResponse(report.model_dump(mode="json"))

    async def report(request: Request):
        rep = service.report(service.resume(request.path_params["sid"]))
        if request.query_params.get("format") == "markdown":
            return PlainTextResponse(report_markdown(rep), media_type="text/markdown")
        return JSONResponse(rep.model_dump(mode="json"))

    async def evaluate(request: Request):
        body = await _body(request, EvaluateIn, MAX_EVALUATE_BODY)
        try:
            result = evaluate_answer(body.role, body.question, body.answer, reference=body.reference_answer)
        except ValidationError as exc:  # a value the scorer's own models refuse: the caller's input, not a server fault
            raise _HTTPError(422, _errors(exc)) from exc
        return JSONResponse(result)

    async def on_error(request: Request, exc: Exception):
        if isinstance(exc, _HTTPError):
            return JSONResponse({"error": str(exc)}, status_code=exc.status)
        return JSONResponse({"error": str(exc)}, status_code=_status(exc))

    routes = [
        Route("/roles", roles), Route("/sessions", start, methods=["POST"]),
        Route("/sessions/{sid}", get_session), Route("/sessions/{sid}/messages", message, methods=["POST"]),
        Route("/sessions/{sid}/turns/{index:int}", edit, methods=["PATCH"]),
        Route("/sessions/{sid}/code", code), Route("/sessions/{sid}/code/run", run_code, methods=["POST"]),
        Route("/sessions/{sid}/code/submit", submit_code, methods=["POST"]),
        Route("/sessions/{sid}/finish", finish, methods=["POST"]), Route("/sessions/{sid}/report", report),
        Route("/evaluate", evaluate, methods=["POST"]),
    ]
    return Starlette(routes=routes, exception_handlers={InterviewError: on_error, _HTTPError: on_error})
