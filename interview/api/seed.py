"""The seed's API, beside the REST resources: one call to start, one per message, one for the feedback, and /health.

    POST /api/start      InterviewOptions -> {"session_id", "token", "question", ...}
    POST /api            {"session_id", "token", "message"} -> {"reply", "intent", "follow_up", "question", "difficulty", "done", ...}
    POST /api/feedback   {"session_id", "token"} -> the report (the interview is finished first if it is still on)
    GET  /health         engine, embeddings, speech backend, code runner isolation, store

The token comes back once, from /api/start; a wrong or missing one is answered as an unknown session (404).
"""

from __future__ import annotations

import os
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from .. import semantic
from ..coding import runner
from ..coding.judge import SandboxJudge
from ..models import Report, SessionState
from ..service import InterviewService, current_prompt
from .guard import SafeJSONRoute
from .schemas import HealthOut, SeedMessageIn, SeedReplyOut, SeedSessionIn, SeedStartOut, StartIn, errors
from .sessions import Gate, gate_of

GateDep = Annotated[Gate, Depends(gate_of)]
router = APIRouter(route_class=SafeJSONRoute, tags=["seed"])


def _json(model: Any, status: int = 200) -> Response:
    return Response(model.model_dump_json(), status_code=status, media_type="application/json")


@router.post("/api/start", status_code=201, response_model=SeedStartOut, responses=errors(400, 422))
async def start(body: StartIn, gate: GateDep) -> Response:
    """Start an interview; keep session_id and token for the calls that follow."""
    def work() -> Response:
        state, token = gate.start(body.options())
        return _json(SeedStartOut(session_id=state.id, token=token, question=current_prompt(state), opening=state.opening,
                                  question_number=len(state.asked), planned=state.planned, difficulty=state.difficulty,
                                  coding=state.current is not None and state.current.code is not None), 201)
    return await gate.call(work)


@router.post("/api", response_model=SeedReplyOut, responses=errors(400, 404, 409, 422))
async def message(body: SeedMessageIn, gate: GateDep) -> Response:
    """Send one message; the interviewer's reply comes back with what it is asking now."""
    def work(state: SessionState) -> Response:
        result = gate.service.submit(state, body.message)
        turn, after = result.turn, result.state
        return _json(SeedReplyOut(reply=turn.reply, intent=turn.intent, action=turn.action, follow_up=turn.action == "follow_up",
                                  question=current_prompt(after), question_number=len(after.asked), difficulty=after.difficulty,
                                  score=turn.score if turn.scored else None, notice=result.notice, done=result.finished))
    return await gate.write(body.session_id, body.token, work)


@router.post("/api/feedback", response_model=Report, responses=errors(400, 404, 409, 422))
async def feedback(body: SeedSessionIn, gate: GateDep) -> Response:
    """The report; an interview still on is finished first."""
    return await gate.write(body.session_id, body.token, lambda state: _json(gate.service.finish(state)[1]))


@router.get("/health", response_model=HealthOut, responses=errors())
async def health(request: Request, gate: GateDep) -> Response:
    """What this server runs on: engine, embedding model, speech backend, code runner isolation, store."""
    settings = request.app.state.settings
    return await gate.call(lambda: _json(_health(gate.service, settings.stt_backend)))


def _health(service: InterviewService, stt: str) -> HealthOut:
    store = _store(service)
    return HealthOut(status="ok" if store.get("writable", True) else "degraded", engine=service.engine.name,
                     embeddings=semantic.status(), speech={"stt": stt}, runner=_runner(service), store=store)


def _runner(service: InterviewService) -> dict[str, Any]:
    judge = service.judge
    if judge is None:
        return {"code_execution": False}
    report = getattr(runner, "isolation_report", None)
    if report is None or not isinstance(judge, SandboxJudge):
        return {"code_execution": True, "isolation_proven": None, "mechanisms": []}
    found = report(judge.pool)
    return {"code_execution": True, "isolation_proven": bool(found.get("proven")), "mechanisms": list(found.get("mechanisms", []))}


def _store(service: InterviewService) -> dict[str, Any]:
    directory = getattr(service.store, "directory", None)
    if directory is None:
        return {"kind": type(service.store).__name__}
    existing = next((p for p in (directory, *directory.parents) if p.exists()), directory)
    return {"kind": type(service.store).__name__, "writable": existing.is_dir() and os.access(existing, os.W_OK)}
