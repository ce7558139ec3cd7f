"""Typed domain models shared by the engines, the session service, the UI, the CLI and tests."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

Language = Literal["python", "javascript"]
LANGUAGE_NAMES: dict[str, str] = {"python": "Python", "javascript": "JavaScript"}  # the one list of supported languages
VERDICT_WORDS: dict[str, str] = {  # how a run that did not finish is described, in chat, report and UI alike
    "timeout": "ran out of time", "memory": "ran out of memory", "crashed": "crashed", "error": "didn't run"}


class Strict(BaseModel):
    """Base for models that cross a boundary: unknown fields are an error."""

    model_config = ConfigDict(extra="forbid")


class Kind(StrEnum):
    """What sort of question it is; decides which rubric applies."""

    behavioral = "behavioral"
    technical = "technical"
    situational = "situational"
    coding = "coding"


class Intent(StrEnum):
    """What a candidate's message is trying to do."""

    answer = "answer"
    clarify = "clarify"
    hint = "hint"
    repeat = "repeat"
    skip = "skip"
    end = "end"
    off_topic = "off_topic"
    out_of_scope = "out_of_scope"
    manipulation = "manipulation"
    empty = "empty"
    gibberish = "gibberish"
    other_language = "other_language"  # an answer in a language other than English: not scored
    code = "code"  # a code submission from the editor (never detected from chat text)


class TalkingPoint(Strict):
    """One thing a strong answer covers, with the words that show it is covered."""

    id: str = Field(pattern=r"^[a-z0-9_]+$", description="Stable id, unique within the question.")
    label: str = Field(min_length=3, description="What the point is, said to the candidate.")
    keywords: list[str] = Field(min_length=2, description="Words or phrases (synonyms) that cover it.")
    weight: int = Field(default=1, ge=1, le=3, description="Importance: 3 is essential.")
    follow_up: str = Field(min_length=10, description="Question asked when the point is missing.")


class Flaw(Strict):
    """A misconception (a claim that contradicts the facts) or a red flag (conduct an interviewer counts against)."""

    id: str = Field(pattern=r"^[a-z0-9_]+$", description="Stable id, unique within the question.")
    claim: str = Field(min_length=10, description="The wrong claim or the conduct, as a candidate might put it.")
    correction: str = Field(min_length=10, description="What is true, or what a strong candidate does instead; shown in the report.")
    triggers: list[str] = Field(min_length=1, description=(
        "Phrases that show the flaw, matched per sentence after light stemming; 'a + b' needs both in one sentence. "
        "A phrase right after a negation ('not', 'never', 'instead of') does not count."))
    follow_up: str = Field(min_length=10, description="Question asked when an answer shows the flaw.")


class Question(Strict):
    """A question from the bank (or made up for a custom role)."""

    id: str = Field(pattern=r"^[a-z0-9_\-]+$")
    text: str = Field(min_length=10)
    kind: Kind
    difficulty: int = Field(ge=1, le=5)
    topic: str = Field(default="", description="Short topic tag, e.g. 'debugging'.")
    clarification: str = Field(min_length=10, description="The question said another way.")
    hint: str = Field(min_length=10, description="A nudge that does not give the answer away.")
    points: list[TalkingPoint] = Field(min_length=1)
    model_answer: list[str] = Field(min_length=2, description="Outline of a strong answer.")
    misconceptions: list[Flaw] = Field(default_factory=list, description="Wrong claims (technical questions need one).")
    red_flags: list[Flaw] = Field(default_factory=list, description="Conduct counted against (behavioral and situational questions need one).")
    role_id: str = Field(default="", description="Bank the question came from.")
    reference_answer: str = Field(default="", max_length=20_000,
                                  description="A full answer supplied with an off-bank question (evaluate --reference); scored against.")


class Role(Strict):
    """A role the candidate can practise for."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str = Field(min_length=2)
    description: str = ""
    technical: bool = False
    keywords: list[str] = Field(default_factory=list, description="Vocabulary that marks the role.")


class RoleBank(Strict):
    """One data file of the question bank."""

    role: Role
    questions: list[Question]


class Evidence(Strict):
    """A quote from the candidate's answer that a score rests on."""

    quote: str
    note: str = ""


class DimensionScore(Strict):
    """A 1-5 score on one rubric dimension, with the words it rests on."""

    dimension: str
    score: int = Field(ge=1, le=5)
    rationale: str
    evidence: list[Evidence] = Field(default_factory=list)


class FlawNote(Strict):
    """A misconception or red flag an answer showed, with the sentence that showed it and the correction."""

    id: str
    kind: Literal["misconception", "red_flag"]
    claim: str
    correction: str
    quote: str = Field(description="The candidate's sentence, verbatim.")
    follow_up: str = ""


class Assessment(Strict):
    """The scoring of one answer (or of a question's answers taken together)."""

    dimensions: list[DimensionScore]
    overall: int = Field(ge=0, le=100, description="Computed from the dimensions, never invented.")
    covered_points: list[str] = Field(default_factory=list, description="Talking point ids covered.")
    missing_points: list[str] = Field(default_factory=list, description="Talking point labels missing.")
    missing_point_ids: list[str] = Field(default_factory=list)
    word_count: int = 0
    scored_by: str = Field(default="offline", description="Engine whose scores these are.")
    flaws: list[FlawNote] = Field(default_factory=list, description="Misconceptions and red flags found (score capped).")
    off_question: str = Field(default="", description="The other question the answer fits better, when it was capped for that.")
    echo: bool = Field(default=False, description="True when the answer only repeats the question.")
    assessor: str = Field(default="", description="What judged the answer: the rubric, with or without the embedding model.")

    def dimension(self, name: str) -> DimensionScore:
        """Return the score for one dimension by name."""
        return next(d for d in self.dimensions if d.dimension == name)


Action = Literal["follow_up", "next_question", "stay", "end"]


class Word(Strict):
    """One recognised word with its timing in the recording."""

    text: str
    start: float = Field(ge=0, description="Seconds from the start of the recording.")
    end: float = Field(ge=0)
    probability: float | None = None


class Transcript(Strict):
    """What speech-to-text heard, with word timings."""

    text: str
    words: list[Word] = Field(default_factory=list)
    duration: float = Field(ge=0, description="Length of the recording in seconds.")
    speech_spans: list[tuple[float, float]] = Field(default_factory=list,
                                                    description="Where the audio itself has speech (start, end), from its energy.")
    backend: str = ""
    model: str = ""


class DeliveryMetrics(Strict):
    """How a spoken answer was delivered, measured from word timestamps (never estimated)."""

    words: int
    duration_s: float = Field(description="Length of the recording.")
    speaking_time_s: float = Field(description="From the first word's start to the last word's end.")
    words_per_minute: float | None = Field(description="Words over speaking time; None when under a second was spoken.")
    time_to_first_word_s: float
    long_pauses: int = Field(description="Silences between words longer than the threshold.")
    longest_pause_s: float
    pause_threshold_s: float
    fillers_per_100_words: float
    filler_counts: dict[str, int]


class Turn(Strict):
    """One exchange: the candidate's message and the interviewer's reply."""

    index: int
    question_index: int = Field(description="Which asked question (0-based) the turn belongs to.")
    question_id: str
    message: str
    intent: Intent
    reply: str
    action: Action
    follow_up: bool = Field(default=False, description="True when the message answered a follow-up.")
    scored: bool = False
    score: int | None = Field(default=None, description="Question score after this turn, 0-100.")
    difficulty: int = Field(ge=1, le=5)
    engine: str = "offline"
    truncated: bool = False
    edited: bool = False
    notice: str = Field(default="", description="What the candidate was told about this turn (e.g. a fallback).")
    input_mode: Literal["typed", "voice", "code"] = "typed"
    delivery: DeliveryMetrics | None = Field(default=None, description="Measured delivery of a spoken message.")


class CaseResult(BaseModel):
    """One visible test case as run: what went in, what was expected, what came back."""

    input: list[Any]
    expected: Any
    actual: Any = None
    ok: bool
    error: str = ""
    output: str = Field(default="", description="What the code printed during this case (capped).")
    ms: float = 0.0


Verdict = Literal["passed", "failed", "timeout", "memory", "crashed", "error"]


class TestReport(BaseModel):
    """The result of running code against a problem's tests."""

    __test__ = False  # not a pytest class

    verdict: Verdict
    message: str = ""
    cases: list[CaseResult] = Field(default_factory=list, description="Per-case results ('run' only; 'submit' shows counts).")
    passed: int = 0
    total: int = 0
    first_failure: str | None = None
    stdout: str = ""
    stderr: str = ""
    duration_ms: float = 0.0
    large_ms: float | None = Field(default=None, description="Time of the large hidden input, when the problem has one.")


class CodeAttempt(Strict):
    """One press of Run or Submit: the code and how it did."""

    mode: Literal["run", "submit"]
    language: Language
    code: str
    verdict: Verdict | Literal["not_run"] = Field(description="'not_run' when code execution is disabled on the server.")
    passed: int = 0
    total: int = 0
    message: str = ""
    first_failure: str | None = None
    large_ms: float | None = None
    reference_large_ms: float | None = Field(default=None, description="The reference solution's time on the same large input.")
    at: str = ""
    turn: int | None = Field(default=None, description="The turn a submission created.")


class CodeWork(Strict):
    """A coding question's editor state and attempts."""

    problem_id: str
    language: Language = "python"
    draft: str = Field(default="", description="The latest code seen from the editor.")
    attempts: list[CodeAttempt] = Field(default_factory=list)
    last_run: TestReport | None = None

    @property
    def submissions(self) -> list[CodeAttempt]:
        """Return the Submit attempts, oldest first."""
        return [a for a in self.attempts if a.mode == "submit"]


class AskedQuestion(Strict):
    """A question as put to the candidate, with what happened to it."""

    question: Question
    difficulty: int = Field(ge=1, le=5, description="Interview difficulty when it was asked.")
    follow_ups: list[str] = Field(default_factory=list, description="Follow-up prompts asked.")
    asked_point_ids: list[str] = Field(default_factory=list)
    answers: list[int] = Field(default_factory=list, description="Turn indexes of scored answers.")
    status: Literal["open", "answered", "skipped", "unanswered"] = "open"
    assessment: Assessment | None = None
    code: CodeWork | None = Field(default=None, description="Set for a coding question.")

    @property
    def prompt(self) -> str:
        """What the candidate is answering: the last follow-up while the question is open, else the question."""
        return self.follow_ups[-1] if self.follow_ups and self.status == "open" else self.question.text


class InterviewOptions(Strict):
    """What the candidate chose on the setup form."""

    role: str = Field(min_length=1, max_length=80, description="Built-in role id or a custom role name.")
    job_description: str = Field(default="", max_length=20_000)
    num_questions: int = Field(default=6, ge=1, le=15)
    kinds: list[Kind] = Field(default_factory=lambda: [Kind.behavioral, Kind.technical, Kind.situational])
    start_difficulty: int = Field(default=2, ge=1, le=5)
    seed: int = 0
    candidate_name: str = Field(default="", max_length=80)
    coding_questions: int = Field(default=0, ge=0, le=5, description="Coding exercises among the questions (technical roles only).")


SCHEMA_VERSION = 1  # of SessionState as stored: a change to its stored shape adds a migration (interview/migrations.py)


class SessionState(Strict):
    """Everything about one interview; serialisable to JSON and back."""

    schema_version: int = Field(default=SCHEMA_VERSION, ge=0,
                                description="Shape of the stored session; an older one is migrated on load.")
    version: int = Field(default=0, ge=0,
                         description="Times saved: a save from a copy older than the stored one is refused.")
    id: str
    created_at: str
    updated_at: str = ""
    options: InterviewOptions
    role: Role
    engine: str = "offline"
    kinds_plan: list[Kind] = Field(description="Kind of each planned question, in order.")
    asked: list[AskedQuestion] = Field(default_factory=list)
    turns: list[Turn] = Field(default_factory=list)
    difficulty: int = Field(ge=1, le=5)
    hints_given: int = Field(default=0, description="Hints given on the current question.")
    status: Literal["active", "finished"] = "active"
    opening: str = ""
    pending: str | None = Field(default=None, description="A message saved before its reply finished; resent on resume.")
    pending_delivery: DeliveryMetrics | None = Field(default=None, description="The pending message's delivery, if spoken.")
    summary: str = Field(default="", description="The report's narrative summary, once written.")
    summary_source: str = Field(default="", description="Who wrote the summary: an engine name, or 'code'.")
    # Never sent: the REST API leaves it out of every response and out of its schema.
    token_hash: SkipJsonSchema[str] = Field(default="", description="SHA-256 (hex) of the token that opens the session over the "
                                             "REST API; empty for a session the app started, which the API does not serve.")

    @property
    def current(self) -> AskedQuestion | None:
        """Return the question being asked, if the interview is still on."""
        if self.status == "active" and self.asked and self.asked[-1].status == "open":
            return self.asked[-1]
        return None

    @property
    def planned(self) -> int:
        """Return how many questions the interview plans to ask."""
        return len(self.kinds_plan)


class Highlight(Strict):
    """A strength or an improvement, quoting the candidate."""

    title: str
    detail: str
    quote: str = ""
    quote_label: str = Field(default="You said", description="Where the quote comes from: the candidate's words, code or tests.")
    question_index: int | None = None
    dimension: str = Field(default="", description="The rubric dimension it is about; empty for a flaw or missing points.")
    kind: Literal["dimension", "misconception", "red_flag", "missing_points"] = "dimension"


class CodingReport(Strict):
    """How the code did on a coding question."""

    problem: str
    language: str
    verdict: str = Field(description="Of the last submission; 'not_submitted' or 'not_run' when there is no result.")
    passed: int = 0
    total: int = 0
    first_failure: str | None = None
    submissions: int = 0
    runs: int = 0
    large_ms: float | None = None
    reference_large_ms: float | None = None
    expected_time: str
    expected_space: str
    stated_time: str | None = None
    stated_space: str | None = None
    code: str = ""


class QuestionReport(Strict):
    """The report's entry for one asked question."""

    index: int
    question: str
    kind: Kind
    difficulty: int
    status: str
    answer: str
    follow_ups: list[str]
    score: int | None
    dimensions: list[DimensionScore] = Field(default_factory=list)
    missing_points: list[str] = Field(default_factory=list)
    model_answer: list[str] = Field(default_factory=list)
    coding: CodingReport | None = None
    flaws: list[FlawNote] = Field(default_factory=list, description="Misconceptions and red flags the answer showed, with corrections.")
    off_question: str = Field(default="", description="The other question the answer seems to address, when it was capped for that.")
    echo: bool = Field(default=False, description="True when the answer only repeated the question.")
    capped: list[str] = Field(default_factory=list, description="Why the score was capped, said to the candidate.")
    assessor: str = Field(default="", description="What judged the answer.")


class CommunicationStats(Strict):
    """How the candidate communicated, measured over the scored answers."""

    answers: int
    total_words: int
    words_per_answer: float
    fillers_per_100_words: float
    filler_counts: dict[str, int]
    hedges_per_100_words: float
    hedge_counts: dict[str, int]
    speaking_rate_wpm: float | None = Field(default=None, description="None for typed answers: not measured.")
    spoken_answers: int = 0
    long_pauses: int | None = Field(default=None, description="Long pauses over the spoken answers; None if none spoken.")
    time_to_first_word_s: float | None = Field(default=None, description="Mean over spoken answers; None if none spoken.")
    delivery_note: str = "Speaking rate and pauses: not measured (typed answers)."


class Report(Strict):
    """The feedback report at the end of an interview."""

    role: str
    engine: str
    overall: int | None = Field(description="Mean of the answered questions' scores; None when nothing was answered.")
    dimensions: dict[str, float] = Field(description="Mean 1-5 score per dimension over answered questions.")
    asked: int
    answered: int
    skipped: int
    questions: list[QuestionReport]
    strengths: list[Highlight]
    improvements: list[Highlight]
    communication: CommunicationStats
    practice_plan: list[str]
    notes: list[str] = Field(default_factory=list)
    summary: str = Field(default="", description="A short narrative of the interview.")
    summary_source: str = Field(default="code", description="'code', or the engine that wrote the summary.")
    assessor: str = Field(default="", description="The distinct assessors of the scored answers, e.g. 'rubric + multilingual-e5-small'.")
