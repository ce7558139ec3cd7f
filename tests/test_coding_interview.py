"""Coding questions in the interview: the plan, the assessment, the interviewer's decisions, the service, the report."""

from __future__ import annotations

import pytest

from interview import InterviewOptions, InterviewService, JsonFileStore, Kind, get_engine
from interview.coding import flow
from interview.coding.assess import (
    assess_code,
    code_clarity,
    correctness,
    efficiency,
    growth,
    measured_slow,
    stated_complexity,
)
from interview.coding.judge import SandboxJudge
from interview.coding.problems import load_problems, starter_code
from interview.errors import CodeExecutionDisabled, NotCodingQuestion, SessionError, SessionFinished
from interview.models import CodeAttempt, CodeWork, DeliveryMetrics
from interview.plan import kinds_plan, resolve_role
from interview.report import build_report, report_markdown

pytestmark = pytest.mark.sandbox

PROBLEMS = load_problems()
EXPLAIN = ("I keep a dictionary from each value to its index and scan the list once, because then each lookup of the "
           "complement is constant time. It's O(n) time and O(n) space. For edge cases, duplicates work since I check "
           "before inserting, and there is always exactly one pair.")


def _start(service: InterviewService, *, questions: int = 2, coding: int = 1, role: str = "software_engineer", seed: int = 3):
    return service.start(InterviewOptions(role=role, num_questions=questions, coding_questions=coding, seed=seed))


def _to_coding(service: InterviewService, state):
    while state.current is not None and state.current.code is None:
        state = service.submit(state, "skip").state
    assert state.current is not None, "the interview ended before its coding question"
    return state


@pytest.fixture(scope="module")
def judge():
    return SandboxJudge()


@pytest.fixture
def service(judge):
    return InterviewService(judge=judge)


# --- the plan -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("total", "coding", "slots"), [(6, 1, [3]), (6, 2, [2, 4]), (2, 1, [1]), (1, 1, [0]), (3, 5, [0, 1, 2])])
def test_coding_questions_are_spread_after_the_opening(total, coding, slots):
    plan = kinds_plan(InterviewOptions(role="x", num_questions=total, coding_questions=coding), technical=True)
    assert [i for i, k in enumerate(plan) if k is Kind.coding] == slots
    assert len(plan) == total


def test_non_technical_roles_get_no_coding_and_plans_without_coding_are_unchanged():
    options = InterviewOptions(role="x", num_questions=6, coding_questions=2, seed=5)
    assert Kind.coding not in kinds_plan(options, technical=False)
    assert kinds_plan(options, technical=False) == kinds_plan(options.model_copy(update={"coding_questions": 0}), technical=True)


def test_a_technical_role_interview_asks_a_problem_from_the_bank(service):
    state = _to_coding(service, _start(service))
    current = state.current
    problem = PROBLEMS[current.code.problem_id]
    assert current.question.kind is Kind.coding
    assert problem.statement in current.question.text
    assert flow.INSTRUCTIONS in state.turns[-1].reply


def test_marketing_gets_no_coding_question(service):
    state = _start(service, role="marketing", questions=3, coding=2)
    assert Kind.coding not in state.kinds_plan


def test_problems_follow_the_difficulty_and_never_repeat(service):
    state = _start(service, questions=5, coding=5)
    seen = []
    while state.current is not None:
        seen.append(state.current.code.problem_id)
        state = service.submit(state, "skip").state
    assert len(seen) == len(set(seen)) == 5
    easy_first = _start(service, questions=1, coding=1, seed=1).current.code.problem_id
    assert PROBLEMS[easy_first].difficulty in ("easy", "medium")  # start difficulty 2 -> easy


# --- complexity and the assessment ------------------------------------------------------------------
@pytest.mark.parametrize(("expr", "rank"), [
    ("O(1)", (0, 0)), ("O(log n)", (0, 1)), ("O(n)", (1, 0)), ("linear", (1, 0)), ("O(n log n)", (1, 1)),
    ("O(n^2)", (2, 0)), ("O(n squared)", (2, 0)), ("quadratic", (2, 0)), ("O(n + e)", (1, 0)), ("O(rows * cols)", (2, 0)),
    ("O((k + 1) * len(flights))", (2, 0)), ("O(w) for the widest level", (1, 0)), ("O(2^n)", (99, 0)), ("O(n * k log k)", (2, 1)),
])
def test_growth_classes_compare(expr, rank):
    assert growth(expr) == rank


@pytest.mark.parametrize(("text", "time", "space"), [
    ("It is O(n) time and O(1) space.", "O(n)", "O(1)"),
    ("The space complexity is O(n), and the time complexity is O(n log n).", "O(n log n)", "O(n)"),
    ("It runs in linear time with constant extra space.", "linear", "constant extra space"),
    ("Time is O(n^2) because of the nested loops; memory O(1).", "O(n^2)", "O(1)"),
    ("Each lookup is constant, so it's fast.", None, None),
    ("I used a stack.", None, None),
])
def test_stated_complexity_is_read_from_the_explanation(text, time, space):
    stated = stated_complexity(text)
    assert (stated.time, stated.space) == (time, space)


def _attempt(verdict="passed", passed=6, total=6, **kw) -> CodeAttempt:
    return CodeAttempt(mode="submit", language="python", code=kw.pop("code", PROBLEMS["two_sum"].reference.python), verdict=verdict,
                       passed=passed, total=total, **kw)


def test_correctness_comes_from_the_tests_only():
    assert correctness(None).score == 1
    assert correctness(_attempt()).score == 5
    assert correctness(_attempt("failed", 5, 6, first_failure="duplicates")).score == 4
    assert correctness(_attempt("failed", 3, 6)).score == 3
    assert correctness(_attempt("failed", 0, 6)).score == 1
    assert correctness(_attempt("error", 0, 0, message="SyntaxError")).score == 1
    assert correctness(_attempt("timeout", 0, 0, message="took longer than 10 s")).score == 2


def test_efficiency_uses_the_measured_large_input_and_the_stated_complexity():
    problem = PROBLEMS["two_sum"]
    fast = _attempt(large_ms=3.0, reference_large_ms=2.0)
    slow = _attempt(large_ms=400.0, reference_large_ms=2.0)
    assert not measured_slow(fast) and measured_slow(slow)
    assert efficiency(problem, fast, stated_complexity("O(n) time")).score == 5
    assert efficiency(problem, slow, stated_complexity("O(n) time")).score == 2  # the measurement wins over the claim
    assert efficiency(problem, fast, stated_complexity("O(n^2) time")).score == 3
    assert efficiency(problem, fast, stated_complexity("")).score == 4
    assert "400 ms" in efficiency(problem, slow, stated_complexity("")).rationale


def test_code_clarity_reads_the_code():
    assert code_clarity(starter_code(PROBLEMS["two_sum"], "python"), "python").score == 1
    assert code_clarity(PROBLEMS["two_sum"].reference.python, "python").score >= 4
    assert code_clarity(PROBLEMS["two_sum"].reference.javascript, "javascript").score >= 4
    nested = ("def f(nums):\n    for a in nums:\n        for b in nums:\n            if a:\n                if b:\n"
              "                    while a:\n                        a -= 1\n    return 0\n")
    messy = "def f(nums):\n    foo = 1\n    z = 2\n    tmp = 3\n    return foo + z + tmp\n"
    deep = code_clarity(nested, "python")
    assert deep.score < 5 and "nesting" in deep.rationale.lower()
    assert "names like" in code_clarity(messy, "python").rationale.lower()


def test_the_assessment_combines_four_dimensions_and_leaves_correctness_out_when_code_cannot_run():
    problem = PROBLEMS["two_sum"]
    work = CodeWork(problem_id="two_sum", attempts=[_attempt(large_ms=3.0, reference_large_ms=2.0)])
    strong = assess_code(problem, work, EXPLAIN)
    assert [d.dimension for d in strong.dimensions] == ["correctness", "efficiency", "code_clarity", "explanation"]
    assert strong.overall >= 90
    quotes = [e.quote for d in strong.dimensions for e in d.evidence]
    assert any("O(n) time" in q for q in quotes)
    silent = assess_code(problem, work, "")
    assert silent.overall < strong.overall and silent.dimension("explanation").score == 1
    unrun = assess_code(problem, CodeWork(problem_id="two_sum", attempts=[_attempt("not_run", 0, 0)]), EXPLAIN, execution=False)
    assert "correctness" not in [d.dimension for d in unrun.dimensions]
    failing = assess_code(problem, CodeWork(problem_id="two_sum", attempts=[_attempt("failed", 2, 6)]), EXPLAIN)
    assert failing.overall < strong.overall and "correctness" in failing.missing_point_ids


# --- the interviewer's decisions, through the service with the real sandbox ------------------------
def test_a_wrong_submission_gets_the_failing_case_then_a_fix_and_an_explanation_finish_it(service):
    state = _to_coding(service, _start(service))
    problem = PROBLEMS[state.current.code.problem_id]
    state, report = service.run_code(state, problem.wrong.python, "python")
    assert report.verdict == "passed" and report.cases and all(c.ok for c in report.cases)  # wrong passes the visible tests
    assert state.current.code.last_run.verdict == "passed"
    result = service.submit_code(state, problem.wrong.python, "python")
    turn = result.turn
    assert turn.intent.value == "code" and turn.input_mode == "code" and turn.message == problem.wrong.python
    assert f"of {result.state.current.code.submissions[-1].total} tests pass" in turn.reply and turn.action == "stay"
    state = service.submit(result.state, "My first version misses a case; I'll fix it.").state
    assert "fails on" in state.turns[-1].reply  # the interviewer asks about the failing case
    result = service.submit_code(state, problem.reference.python, "python")
    assert "tests pass" in result.turn.reply and "All" in result.turn.reply
    state = result.state
    for _ in range(6):
        if state.current is None or state.current.code is None:
            break
        state = service.submit(state, EXPLAIN).state
    asked = state.asked[-1] if state.current is None else state.asked[-2]
    assert asked.code is not None and asked.status == "answered"
    assert asked.assessment.dimension("correctness").score == 5


def test_explaining_before_submitting_asks_for_the_code(service):
    state = _to_coding(service, _start(service))
    state = service.submit(state, EXPLAIN).state
    assert "Submit" in state.turns[-1].reply and state.turns[-1].action == "follow_up"
    assert state.current.code is not None


def test_missing_complexity_and_edge_cases_are_followed_up(service):
    state = _to_coding(service, _start(service))
    problem = PROBLEMS[state.current.code.problem_id]
    state = service.submit_code(state, problem.reference.python, "python").state
    assert "walk me through" in state.turns[-1].reply.lower()
    state = service.submit(state, "I loop over the input and keep what I have seen, because that avoids a second pass.").state
    assert "complexity" in state.turns[-1].reply.lower()
    state = service.submit(state, "It is O(n) time and O(n) space.").state
    assert "edge cases" in state.turns[-1].reply.lower()


def test_hints_come_from_the_problem_and_run_out(service):
    state = _to_coding(service, _start(service))
    problem = PROBLEMS[state.current.code.problem_id]
    replies = []
    for _ in range(3):
        state = service.submit(state, "Can I get a hint?").state
        replies.append(state.turns[-1].reply)
    assert problem.hints[0] in replies[0] and problem.hints[1] in replies[1]
    assert "all the hints" in replies[2]


def test_clarify_restates_the_function_and_an_example(service):
    state = _to_coding(service, _start(service))
    problem = PROBLEMS[state.current.code.problem_id]
    state = service.submit(state, "Sorry, can you clarify the question?").state
    assert f"{problem.function}(" in state.turns[-1].reply and state.turns[-1].action == "stay"


def test_skipping_a_coding_question_without_trying_it_is_skipped_and_unscored(service):
    state = _to_coding(service, _start(service, questions=3, coding=1))
    index = len(state.asked) - 1
    state = service.submit(state, "skip").state
    assert state.asked[index].status == "skipped" and state.asked[index].assessment is None


def test_ending_after_a_submission_counts_it(service):
    state = _to_coding(service, _start(service))
    problem = PROBLEMS[state.current.code.problem_id]
    state = service.submit_code(state, problem.reference.python, "python").state
    state, report = service.finish(state)
    entry = next(q for q in report.questions if q.coding is not None)
    assert entry.status == "answered" and entry.coding.verdict == "passed" and entry.score is not None


def test_javascript_submissions_are_judged(service):
    state = _to_coding(service, _start(service))
    problem = PROBLEMS[state.current.code.problem_id]
    state, report = service.run_code(state, problem.reference.javascript, "javascript")
    assert report.verdict == "passed"
    result = service.submit_code(state, problem.reference.javascript, "javascript")
    assert result.state.asked[-1].code.language == "javascript" or result.state.current.code.language == "javascript"
    assert "All" in result.turn.reply


def test_bad_code_input_gets_a_clear_message_and_changes_nothing(service):
    state = _to_coding(service, _start(service))
    before = state.model_dump()
    for code, language, match in [("", "python", "empty"), ("   \n", "python", "empty"), ("x = 1", "ruby", "Python or JavaScript"),
                                  ("#" * 20_001, "python", "longer than")]:
        with pytest.raises(SessionError, match=match):
            service.submit_code(state, code, language)
        with pytest.raises(SessionError, match=match):
            service.run_code(state, code, language)
    assert state.model_dump() == before


def test_code_for_a_question_that_is_not_coding_is_refused(service):
    state = _start(service, questions=2, coding=0)
    with pytest.raises(NotCodingQuestion, match="not a coding exercise"):
        service.submit_code(state, "def f(): pass", "python")
    finished = service.submit(state, "end").state
    with pytest.raises(SessionFinished):
        service.run_code(finished, "def f(): pass", "python")


def test_with_execution_off_run_is_refused_and_submissions_are_kept_unrun():
    service = InterviewService(judge=None)
    state = _to_coding(service, _start(service))
    problem = PROBLEMS[state.current.code.problem_id]
    with pytest.raises(CodeExecutionDisabled, match="turned off"):
        service.run_code(state, problem.reference.python, "python")
    result = service.submit_code(state, problem.reference.python, "python")
    assert "haven't run it" in result.turn.reply
    assert result.state.current.code.submissions[-1].verdict == "not_run"
    state, report = service.finish(result.state)
    entry = next(q for q in report.questions if q.coding is not None)
    assert entry.coding.verdict == "not_run" and "correctness" not in [d.dimension for d in entry.dimensions]


class _ExplodingJudge:
    def run(self, problem, code, language, mode):
        raise RuntimeError("the machine fell over mid-run")

    def reference_large_ms(self, problem, language):
        return None


def test_submitted_code_is_saved_before_it_runs(tmp_path):
    store = JsonFileStore(tmp_path)
    service = InterviewService(get_engine("offline"), store, judge=_ExplodingJudge())
    state = _to_coding(service, _start(service))
    with pytest.raises(RuntimeError):
        service.submit_code(state, "def kept(): return 42\n", "python")
    assert store.load(state.id).current.code.draft == "def kept(): return 42\n"


def test_a_slow_solution_is_measured_and_asked_to_go_faster(service, judge):
    state = service.start(InterviewOptions(role="software_engineer", num_questions=1, coding_questions=1, seed=0))
    # Force the two_sum problem, which has a large input, by replacing the open question's problem.
    state.asked[0] = flow.new_asked(flow.problem_question(PROBLEMS["two_sum"]), state.difficulty)
    quadratic = ("def two_sum(nums, target):\n    for i in range(len(nums)):\n        for j in range(i + 1, len(nums)):\n"
                 "            if nums[i] + nums[j] == target:\n                return [i, j]\n")
    state = service.submit_code(state, quadratic, "python").state
    attempt = state.current.code.submissions[-1]
    assert attempt.verdict == "passed" and attempt.large_ms is not None and attempt.reference_large_ms is not None
    assert attempt.large_ms > 10 * attempt.reference_large_ms
    state = service.submit(state, "Two nested loops check every pair, because that's simple. It's O(n^2) time and O(1) space.").state
    assert "faster approach" in state.turns[-1].reply
    assert state.current.assessment.dimension("efficiency").score == 2


# --- corrections and the report -----------------------------------------------------------------------
def test_correcting_the_explanation_rescores_the_coding_question(service):
    state = _to_coding(service, _start(service))
    problem = PROBLEMS[state.current.code.problem_id]
    state = service.submit_code(state, problem.reference.python, "python").state
    state = service.submit(state, "I loop once.").state
    turn = state.turns[-1]
    before = state.current.assessment.overall
    state = service.edit_answer(state, turn.index, EXPLAIN)
    assert state.current.assessment.overall > before
    assert state.turns[turn.index].score == state.current.assessment.overall
    with pytest.raises(SessionError):  # a code submission is not an editable answer
        service.edit_answer(state, turn.index - 1, "x")


def test_the_report_shows_each_coding_question_and_mixes_dimensions(service):
    state = _start(service, questions=2, coding=1)
    state = service.submit(state, "At my last job I led the migration of our billing service; I wrote the plan, ran it and "
                                  "as a result we cut costs by 20% in three months.").state
    state = _to_coding(service, state)
    problem = PROBLEMS[state.current.code.problem_id]
    state = service.submit_code(state, problem.reference.python, "python").state
    state = service.submit(state, EXPLAIN).state
    state, report = service.finish(state)
    entry = next(q for q in report.questions if q.coding is not None)
    assert entry.coding.problem == problem.title and entry.coding.passed == entry.coding.total > 0
    assert entry.coding.code == problem.reference.python and entry.coding.expected_time == problem.complexity.time
    assert {"correctness", "explanation", "relevance"} <= set(report.dimensions)
    markdown = report_markdown(report)
    assert f"**{problem.title}**" in markdown.replace("\\", "") and "```python" in markdown
    labels = {h.title: h.quote_label for h in report.strengths + report.improvements}
    assert labels.get("Correctness (tests)") == "Tests"  # test counts are never presented as the candidate's words
    assert all(h.quote_label == "Tests" for h in report.strengths + report.improvements if "tests passed" in h.quote)
    assert "Tests: `" in markdown and "You said: `" not in markdown.split("tests passed")[0][-40:]
    assert build_report(state).overall == report.overall


def test_candidate_code_stays_text_in_the_markdown_export(service):
    state = _to_coding(service, _start(service))
    problem = PROBLEMS[state.current.code.problem_id]
    code = problem.reference.python + "\n# ``` <script>alert(1)</script>\n"
    state = service.submit_code(state, code, "python").state
    _, report = service.finish(state)
    markdown = report_markdown(report)
    block = markdown.split("```python", 1)[1].split("\n```", 1)[0]
    assert "<script>alert(1)</script>" in block and "```" not in block


@pytest.mark.parametrize("language", ["python", "javascript"])
def test_every_reference_solution_reads_as_clear_code(language):
    low = {p.id: code_clarity(p.reference.get(language), language).score for p in PROBLEMS.values()}
    assert min(low.values()) >= 3, low


@pytest.mark.parametrize("message", ["It's O(n)", "O(n) time, O(1) space.", "linear"])
def test_a_short_complexity_answer_counts_as_an_answer_on_a_coding_question(service, message):
    state = _to_coding(service, _start(service))
    state = service.submit(state, message).state
    assert state.turns[-1].intent.value == "answer" and state.turns[-1].scored


@pytest.mark.parametrize(("name", "technical"), [("Backend Developer", True), ("ML Engineer", True), ("Nurse", False),
                                                 ("Marketing Manager", False), ("Chef", False)])
def test_custom_roles_are_technical_by_their_name(name, technical):
    options = InterviewOptions(role=name, num_questions=3, coding_questions=1)
    assert (Kind.coding in kinds_plan(options, technical=resolve_role(options).technical)) is technical


def test_a_spoken_explanation_of_a_coding_solution_keeps_its_delivery(service):
    state = _to_coding(service, _start(service))
    problem = PROBLEMS[state.current.code.problem_id]
    state = service.submit_code(state, problem.reference.python, "python").state
    delivery = DeliveryMetrics(words=38, duration_s=16.0, speaking_time_s=15.0, words_per_minute=152.0, time_to_first_word_s=0.6,
                               long_pauses=1, longest_pause_s=2.4, pause_threshold_s=2.0, fillers_per_100_words=2.6,
                               filler_counts={"um": 1})
    result = service.submit(state, EXPLAIN, delivery=delivery)
    assert result.turn.input_mode == "voice" and result.turn.delivery == delivery and result.turn.scored
    _, report = service.finish(result.state)
    assert report.communication.spoken_answers == 1 and report.communication.speaking_rate_wpm == 152
