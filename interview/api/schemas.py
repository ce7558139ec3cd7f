"""The REST API's request and response bodies: every route's input and output is one of these, so /openapi.json is real."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..models import Action, Intent, InterviewOptions, Language, SessionState, TestReport, Turn
from ..service import current_prompt

MAX_QUESTION_CHARS = 2_000
MAX_ANSWER_CHARS = 20_000  # an answer, and a reference answer
MAX_MESSAGE_CHARS = 64_000  # as the body cap: the service cuts longer messages itself, with a notice
MAX_CODE_CHARS = 60_000  # the service refuses over 20,000 with a clear 400; this keeps absurd values out of the validator
TOKEN_CHARS = 128  # a session token is 43 characters; anything longer cannot be one


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MessageIn(_In):
    """Body of POST /sessions/{id}/messages."""

    message: str = Field(max_length=MAX_MESSAGE_CHARS, description="The candidate's message: an answer, or a request (hint, repeat, skip...).")


class EditIn(_In):
    """Body of PATCH /sessions/{id}/turns/{index}."""

    text: str = Field(max_length=MAX_MESSAGE_CHARS, description="The corrected answer.")


class CodeIn(_In):
    """Body of POST /sessions/{id}/code/run and /code/submit."""

    code: str = Field(max_length=MAX_CODE_CHARS, json_schema_extra={"pattern": r"\S"},  # blank code: 400, the editor is empty
                      description="The whole program, up to 20,000 characters (more is refused with 400).")
    language: Language = "python"


ROLE_PATTERN = r"\S[\s\S]*\S"  # two visible characters at least: the service makes a custom role of any such name


class StartIn(InterviewOptions):
    """Body of POST /sessions and POST /api/start: the interview's options."""

    role: str = Field(min_length=1, max_length=80, description="Built-in role id or name, or a job title (a custom role).",
                      json_schema_extra={"pattern": ROLE_PATTERN})

    @field_validator("role")
    @classmethod
    def _role_has_a_name(cls, role: str) -> str:
        if problem := role_problem(role):
            raise ValueError(problem)
        return role

    def options(self) -> InterviewOptions:
        """The options as the service takes them."""
        return InterviewOptions.model_validate(self.model_dump())


class EvaluateIn(_In):
    """Body of POST /evaluate."""

    role: str = Field(default="general", min_length=1, max_length=80, description="Built-in role id or name, or a custom role name.",
                      json_schema_extra={"pattern": ROLE_PATTERN})
    question: str = Field(min_length=10, max_length=MAX_QUESTION_CHARS,  # every question the scorer knows is 10+ characters
                          json_schema_extra={"pattern": r"\S[\s\S]{8,}\S"})
    answer: str = Field(max_length=MAX_ANSWER_CHARS)
    reference_answer: str | None = Field(default=None, max_length=MAX_ANSWER_CHARS, description="A reference answer to score against.")

    @field_validator("role")
    @classmethod
    def _role_has_a_name(cls, role: str) -> str:
        return StartIn._role_has_a_name(role)

    @field_validator("question")
    @classmethod
    def _question_has_words(cls, question: str) -> str:
        if len(question.strip()) < 10:
            raise ValueError("give the question itself: at least 10 characters besides spaces")
        return question


def role_problem(role: str) -> str:
    """Why a role name cannot name a role (the service makes a custom role of any name of 2+ visible characters), or ''."""
    return "" if len(role.strip()) >= 2 else "give a built-in role id or a job title of at least 2 characters"


class SeedSessionIn(_In):
    """A session and the token returned when it started (body of POST /api/feedback)."""

    session_id: str = Field(max_length=64)
    token: str = Field(max_length=TOKEN_CHARS, description="The token POST /api/start returned; never logged.")


class SeedMessageIn(SeedSessionIn):
    """Body of POST /api."""

    message: str = Field(max_length=MAX_MESSAGE_CHARS)


class ErrorOut(BaseModel):
    """Every error: what went wrong and what to do."""

    error: str


_WHY = {400: "Bad input: the body is not UTF-8 JSON, or the service refused a value (the message says which).",
        404: "No such session or turn; a wrong or missing token gets this same answer.",
        409: "The interview has ended, the open question is not a coding exercise, code execution is off here, or the "
             "session changed since it was loaded (another tab or server process): reload it and try again.",
        413: "The body is over the cap; it was refused without being read.",
        422: "A field is missing, unknown or invalid (the message names it).",
        503: "The sandbox could not run the code, or every runner is busy (see Retry-After)."}


def errors(*codes: int) -> dict[int | str, dict]:
    """OpenAPI responses for these error statuses (every error is ErrorOut)."""
    return {code: {"model": ErrorOut, "description": _WHY[code]} for code in (*codes, 413)}


class SessionSummary(BaseModel):
    """Where an interview stands: the question being asked and how far along it is."""

    id: str
    role: str
    status: Literal["active", "finished"]
    engine: str
    question_number: int = Field(description="Questions asked so far (the current one included).")
    planned: int = Field(description="Questions the interview plans to ask.")
    difficulty: int
    prompt: str = Field(description="What the candidate is asked now (the question or its follow-up); empty once finished.")
    coding: bool = Field(description="True when the open question is a coding exercise (see GET /sessions/{id}/code).")

    @staticmethod
    def of(state: SessionState) -> dict[str, Any]:
        """The summary's fields for a session."""
        current = state.current
        return {"id": state.id, "role": state.role.name, "status": state.status, "engine": state.engine,
                "question_number": len(state.asked), "planned": state.planned, "difficulty": state.difficulty,
                "prompt": current_prompt(state), "coding": current is not None and current.code is not None}


class StartOut(SessionSummary):
    """A new session: its id, its token, and the interviewer's opening."""

    opening: str
    token: str = Field(description="Send it as 'Authorization: Bearer <token>' on every /sessions/{id} route. It is shown once.")


class TurnOut(SessionSummary):
    """The interviewer's turn and the session after it."""

    turn: Turn
    notice: str = ""


class EditOut(SessionSummary):
    """The corrected turn, re-scored."""

    turn: Turn


class RunOut(SessionSummary):
    """The visible tests, case by case."""

    run: TestReport


class SubmissionOut(BaseModel):
    """A submission's result: counts only (the hidden tests stay hidden), and never the code itself."""

    mode: Literal["run", "submit"]
    language: Language
    verdict: str
    passed: int = 0
    total: int = 0
    message: str = ""
    first_failure: str | None = None
    large_ms: float | None = None
    reference_large_ms: float | None = None
    at: str = ""
    turn: int | None = None


class SubmitOut(SessionSummary):
    """A submission's counts and the interviewer's turn about it."""

    turn: Turn
    submission: SubmissionOut


class ExampleView(BaseModel):
    """One worked example of a coding problem."""

    call: str
    args: list[Any]
    expected: Any
    explanation: str = ""


class ProblemView(BaseModel):
    """The open coding problem as the candidate may see it (never its hidden tests or solutions), and the editor's state."""

    problem_id: str
    title: str
    difficulty: str
    topics: list[str]
    statement: str
    function: str
    params: list[str]
    signature: dict[str, str]
    examples: list[ExampleView]
    starter_code: dict[str, str]
    language: str
    draft: str
    runs: int
    submissions: int
    last_run: TestReport | None = None
    code_execution: bool = Field(description="False when this server records code without running it.")


class EvaluationOut(BaseModel):
    """One answer scored, with evidence per dimension (``score`` is null for an answer in another language)."""

    role: str
    question: str
    question_id: str
    in_bank: bool
    kind: str
    score: int | None
    language: str | None = Field(default=None, description="Set when the answer is not in English: it is not scored.")
    message: str | None = None
    dimensions: list[dict[str, Any]] | None = None
    covered_points: list[str] | None = None
    missing_points: list[str] | None = None
    flaws: list[dict[str, Any]] | None = None
    off_question: str | None = None
    echo: bool | None = None
    assessor: str | None = None
    reference: Literal["supplied", "model answer", "none"] | None = None


class SeedStartOut(BaseModel):
    """A new session over the seed API: keep session_id and token for every later call."""

    session_id: str
    token: str = Field(description="Authorises every later call on this session; it is shown once.")
    question: str = Field(description="The first question.")
    opening: str
    question_number: int
    planned: int
    difficulty: int
    coding: bool


class SeedReplyOut(BaseModel):
    """The interviewer's reply to one message, and what comes next."""

    reply: str
    intent: Intent = Field(description="What the message was taken as: an answer, a hint request, skip, end...")
    action: Action = Field(description="follow_up (same question, a deeper prompt), next_question, stay, or end.")
    follow_up: bool = Field(description="True when the next prompt is a follow-up on the same question.")
    question: str = Field(description="What is asked now: the follow-up or the next question; empty when done.")
    question_number: int
    difficulty: int
    score: int | None = Field(default=None, description="The question's score after this answer, 0-100, when it was scored.")
    notice: str = ""
    done: bool = Field(description="True when the interview has ended: ask POST /api/feedback for the report.")


class HealthOut(BaseModel):
    """What this server runs on."""

    status: Literal["ok", "degraded"]
    engine: str
    embeddings: str
    speech: dict[str, str]
    runner: dict[str, Any] = Field(description="code_execution, and when it is on, whether the sandbox's isolation is proven and how.")
    store: dict[str, Any]


__all__ = ["errors", "role_problem", "StartIn", "CodeIn", "EditIn", "EditOut", "ErrorOut", "EvaluateIn", "EvaluationOut", "ExampleView", "HealthOut",
           "MessageIn", "ProblemView", "RunOut", "SeedMessageIn", "SeedReplyOut", "SeedSessionIn", "SeedStartOut",
           "SessionSummary", "StartOut", "SubmissionOut", "SubmitOut", "TurnOut"]
