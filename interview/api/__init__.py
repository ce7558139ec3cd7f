"""The REST API over the session service (FastAPI): OpenAPI at /openapi.json, interactive docs at /docs.

    python -m interview serve [--host 127.0.0.1] [--port 8000] [--workers N] [--keep-alive SECONDS]

    GET   /roles                               built-in roles
    POST  /sessions                            start: InterviewOptions as JSON -> 201 session, with its token
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
    POST  /api/start                           the seed's API (interview/api/seed.py): InterviewOptions -> session_id,
    POST  /api                                 token, first question; {"session_id", "token", "message"} -> reply;
    POST  /api/feedback                        {"session_id", "token"} -> report; GET /health: what the server runs on
    GET   /health

Every /sessions/{id} route needs ``Authorization: Bearer <token>``, the token POST /sessions returned (the seed's
routes take it in the body). A wrong or missing token is answered exactly as an unknown session: 404.

Errors come back as {"error": "..."} with 400 (bad input: not UTF-8 JSON, or a value the service refuses), 404 (unknown
session or turn, or a wrong token), 409 (the interview has ended, the open question is not a coding exercise, code
execution is turned off on this server, or the session was changed by another writer since it was loaded), 413 (body
too large: refused as it streams in), 422 (invalid fields) or 503
(the sandbox could not run the code, or every code runner is busy: Retry-After says when to try again).
A coding problem is shown without its hidden tests, reference or deliberately wrong solution. The service's blocking
work runs in worker threads, one write at a time per session (see interview/api/sessions.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from .. import semantic
from ..bank import builtin_roles
from ..coding.flow import call, problem_of, work_of
from ..coding.problems import starter_code
from ..models import LANGUAGE_NAMES, AskedQuestion, Report, Role, SessionState
from ..report import report_markdown
from ..service import InterviewService, evaluate_answer, open_coding
from ..settings import Settings
from . import guard, seed
from .guard import MAX_BODY, SafeJSONRoute
from .schemas import (
    MAX_ANSWER_CHARS,
    MAX_QUESTION_CHARS,
    CodeIn,
    EditIn,
    EditOut,
    EvaluateIn,
    EvaluationOut,
    ExampleView,
    MessageIn,
    ProblemView,
    RunOut,
    SessionSummary,
    StartIn,
    StartOut,
    SubmissionOut,
    SubmitOut,
    TurnOut,
    errors,
)
from .sessions import CODE_SLOTS, CODE_WAIT, THREADS, Gate, gate_of

# POST /evaluate may carry up to three long texts: room for all of them at their limits even when every character
# arrives escaped as \uXXXX, so a valid body is never refused as too large.
MAX_EVALUATE_BODY = 6 * (MAX_QUESTION_CHARS + 2 * MAX_ANSWER_CHARS + 80) + 1_000

_bearer = HTTPBearer(auto_error=False, description="The token POST /sessions returned.")


async def _token(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> str | None:  # async: no thread hop
    return credentials.credentials if credentials else None


GateDep = Annotated[Gate, Depends(gate_of)]
TokenDep = Annotated[str | None, Depends(_token)]
Sid = Annotated[str, PathParam(description="The session id POST /sessions returned.")]
BODY = errors(400, 422)
SESSION = errors(400, 404, 422)
router = APIRouter(route_class=SafeJSONRoute)


def _json(model: BaseModel, status: int = 200) -> Response:
    """Serialise in the worker thread, so the event loop only sends bytes."""
    return Response(model.model_dump_json(), status_code=status, media_type="application/json")


@router.get("/roles", response_model=list[Role], responses=errors(), tags=["rest"])
async def roles(gate: GateDep) -> Response:
    """The built-in roles."""
    return await gate.call(lambda: JSONResponse([r.model_dump(mode="json") for r in builtin_roles()]))


@router.post("/sessions", status_code=201, response_model=StartOut, responses=BODY, tags=["rest"])
async def start(body: StartIn, gate: GateDep) -> Response:
    """Start an interview: the first question, and the token every later call on the session needs."""
    def work() -> Response:
        state, token = gate.start(body.options())
        return _json(StartOut(**SessionSummary.of(state), opening=state.opening, token=token), 201)
    return await gate.call(work)


@router.get("/sessions/{sid}", response_model=SessionState, responses=SESSION, tags=["rest"])
async def get_session(sid: Sid, gate: GateDep, token: TokenDep) -> Response:
    """The whole session state."""
    return await gate.read(sid, token, lambda s: Response(s.model_dump_json(exclude={"token_hash"}), media_type="application/json"))


@router.post("/sessions/{sid}/messages", response_model=TurnOut, responses=errors(400, 404, 409, 422), tags=["rest"])
async def message(sid: Sid, body: MessageIn, gate: GateDep, token: TokenDep) -> Response:
    """Send the candidate's message; the interviewer's turn comes back."""
    def work(state: SessionState) -> Response:
        result = gate.service.submit(state, body.message)
        return _json(TurnOut(**SessionSummary.of(result.state), turn=result.turn, notice=result.notice))
    return await gate.write(sid, token, work)


@router.patch("/sessions/{sid}/turns/{index}", response_model=EditOut, responses=errors(400, 404, 409, 422),
              tags=["rest"])
async def edit(sid: Sid, index: Annotated[int, PathParam(ge=0, le=10_000)], body: EditIn, gate: GateDep, token: TokenDep) -> Response:
    """Correct an earlier answer's transcript; its question is re-scored."""
    def work(state: SessionState) -> Response:
        state = gate.service.edit_answer(state, index, body.text)
        return _json(EditOut(**SessionSummary.of(state), turn=state.turns[index]))
    return await gate.write(sid, token, work)


@router.get("/sessions/{sid}/code", response_model=ProblemView, responses=errors(404, 409), tags=["rest"])
async def code(sid: Sid, gate: GateDep, token: TokenDep) -> Response:
    """The open coding exercise as the candidate may see it, and the editor's state."""
    return await gate.read(sid, token, lambda s: _json(problem_view(open_coding(s), gate.service.judge is not None)))


@router.post("/sessions/{sid}/code/run", response_model=RunOut, responses=errors(400, 404, 409, 422, 503), tags=["rest"])
async def run_code(sid: Sid, body: CodeIn, gate: GateDep, token: TokenDep) -> Response:
    """Run code on the visible tests, case by case (saved as the draft)."""
    def work(state: SessionState) -> Response:
        state, result = gate.service.run_code(state, body.code, body.language)
        return _json(RunOut(**SessionSummary.of(state), run=result))
    return await gate.write(sid, token, work, code=True)


@router.post("/sessions/{sid}/code/submit", response_model=SubmitOut, responses=errors(400, 404, 409, 422, 503), tags=["rest"])
async def submit_code(sid: Sid, body: CodeIn, gate: GateDep, token: TokenDep) -> Response:
    """Submit code: it runs on the hidden tests (counts only come back) and the interviewer replies."""
    def work(state: SessionState) -> Response:
        result = gate.service.submit_code(state, body.code, body.language)
        attempt = work_of(result.state.asked[result.turn.question_index]).submissions[-1]
        submission = SubmissionOut(**attempt.model_dump(exclude={"code"}))
        return _json(SubmitOut(**SessionSummary.of(result.state), turn=result.turn, submission=submission))
    return await gate.write(sid, token, work, code=True)


@router.post("/sessions/{sid}/finish", response_model=Report, responses=errors(404, 409), tags=["rest"])
async def finish(sid: Sid, gate: GateDep, token: TokenDep) -> Response:
    """End the interview (if still on) and return the report."""
    return await gate.write(sid, token, lambda s: _json(gate.service.finish(s)[1]))


_MARKDOWN: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/markdown": {"schema": {"type": "string"}}}, "description": "The report, as JSON or Markdown."}}


@router.get("/sessions/{sid}/report", response_model=Report, responses={**_MARKDOWN, **errors(404, 422)}, tags=["rest"])
async def report(sid: Sid, gate: GateDep, token: TokenDep,
                 fmt: Annotated[str | None, Query(alias="format", max_length=20, description="'markdown' for Markdown")] = None) -> Response:
    """The report for the session as it stands."""
    def work(state: SessionState) -> Response:
        rep = gate.service.report(state)
        return PlainTextResponse(report_markdown(rep), media_type="text/markdown") if fmt == "markdown" else _json(rep)
    return await gate.read(sid, token, work)


@router.post("/evaluate", response_model=EvaluationOut, responses=BODY, tags=["rest"])
async def evaluate(body: EvaluateIn, gate: GateDep) -> Response:
    """Score one answer to any question, with evidence per dimension (against reference_answer when given)."""
    return JSONResponse(await gate.call(lambda: evaluate_answer(body.role, body.question, body.answer, reference=body.reference_answer)))


def problem_view(asked: AskedQuestion, execution: bool) -> ProblemView:
    """What the candidate may see of the open coding problem (never its hidden tests or solutions), and the editor's state."""
    problem, work = problem_of(asked), work_of(asked)
    return ProblemView(problem_id=problem.id, title=problem.title, difficulty=problem.difficulty, topics=problem.topics,
                       statement=problem.statement, function=problem.function, params=problem.params,
                       signature=problem.signature.model_dump(),
                       examples=[ExampleView(call=call(problem, e.args), **e.model_dump(mode="json")) for e in problem.examples],
                       starter_code={lang: starter_code(problem, lang) for lang in LANGUAGE_NAMES},
                       language=work.language, draft=work.draft, runs=len(work.attempts) - len(work.submissions),
                       submissions=len(work.submissions), last_run=work.last_run, code_execution=execution)


def create_app(service: InterviewService, *, settings: Settings | None = None, threads: int = THREADS, code_slots: int = CODE_SLOTS,
               code_wait: float = CODE_WAIT, lock_dir: Path | None = None) -> FastAPI:
    """Build the API around one service; sessions are read from and written to its store.

    ``threads`` bounds the worker threads for turns, ``code_slots`` those for code runs (a run waits ``code_wait``
    seconds at most for one, then 503); ``lock_dir`` adds file locks for several processes sharing the store
    (``--workers``). ``settings`` only feeds GET /health.
    """
    semantic.warm_up()  # the embedding model loads in the background; answers before it is ready wait for it
    app = FastAPI(title="Interview Practice Partner", version="0.1.0", strict_content_type=False,
                  description="Rehearse a job interview over HTTP. Every /sessions/{id} route needs the session's token "
                              "as `Authorization: Bearer <token>`; errors are `{\"error\": \"...\"}`.")
    app.state.gate = Gate(service, threads=threads, code_slots=code_slots, code_wait=code_wait, lock_dir=lock_dir)
    app.state.settings = settings or Settings()
    guard.install(app, {"/evaluate": MAX_EVALUATE_BODY})
    app.include_router(router)
    app.include_router(seed.router)
    return app


def service_from_settings(settings: Settings) -> InterviewService:
    """Build the API's service: engine, file store, message cap, and the judge unless code execution is off."""
    from ..compose import build_service

    return build_service(settings)


def app_factory() -> FastAPI:
    """Build the app from the environment's settings (``uvicorn --factory``: each worker process calls it).

    Several processes may share the data directory, so writes also take a file lock per session there.
    """
    settings = Settings.from_sources()
    return create_app(service_from_settings(settings), settings=settings, lock_dir=settings.data_dir / ".locks")


__all__ = ["MAX_BODY", "MAX_EVALUATE_BODY", "app_factory", "create_app", "problem_view", "router", "service_from_settings"]
