"""Rubric scoring of answers to real bank questions and to free-text questions (interview.rubric)."""

from __future__ import annotations

import re

import pytest

from interview.bank import load_bank
from interview.generic import generic_question, guess_kind
from interview.models import Kind, Question
from interview.rubric import DIMENSIONS, PointVerdict, _verified, analyze, overall

pytestmark = pytest.mark.unit

ROLES = ("software_engineer", "customer_support", "product_manager", "marketing", "data_scientist", "general")


def bank_question(role: str, kind: Kind) -> tuple[Question, list[str]]:
    """The first question of a kind in a role's bank (by id), with the role's keywords."""
    bank = load_bank()[role]
    question = min((q for q in bank.questions if q.kind is kind), key=lambda q: q.id)
    return question, bank.role.keywords


CASES = [(role, kind) for role in ROLES for kind in Kind if kind is not Kind.coding]  # coding: tests/test_coding_interview.py
CASE_IDS = [f"{role}-{kind.value}" for role, kind in CASES]


def heaviest(question: Question):
    return sorted(question.points, key=lambda p: (-p.weight, p.id))


def base_answer(question: Question) -> str:
    """A plain answer touching only the most important talking point."""
    return f"In that case the thing I focused on was {heaviest(question)[0].keywords[0]}, and I explained it to the team."


@pytest.mark.parametrize(("role", "kind"), CASES, ids=CASE_IDS)
def test_adding_a_measurable_result_raises_specificity_and_the_score(role, kind):
    question, keywords = bank_question(role, kind)
    plain = base_answer(question)
    measured = plain + " As a result, complaints dropped by 35% within three months."
    before, after = analyze(question, plain, role_keywords=keywords), analyze(question, measured, role_keywords=keywords)
    assert after.dimension("specificity").score > before.dimension("specificity").score
    assert after.overall > before.overall, (before.overall, after.overall)


@pytest.mark.parametrize("result", [
    "We shipped it and support tickets fell from 120 to 40 a week.",
    "It saved the team 6 hours per week.",
    "Churn went down by 2 percent in Q3.",
])
def test_numbers_percentages_and_time_frames_each_count_as_specific(result):
    question, keywords = bank_question("software_engineer", Kind.behavioral)
    plain = base_answer(question)
    before = analyze(question, plain, role_keywords=keywords)
    after = analyze(question, f"{plain} {result}", role_keywords=keywords)
    assert after.dimension("specificity").score > before.dimension("specificity").score
    assert after.overall > before.overall


@pytest.mark.parametrize(("role", "kind"), CASES, ids=CASE_IDS)
def test_a_personal_action_beats_a_we_only_version(role, kind):
    question, keywords = bank_question(role, kind)
    topic = heaviest(question)[0].keywords[0]
    we = f"At my last job we had a problem with {topic}. We looked into it and we changed the process."
    me = f"At my last job we had a problem with {topic}. I looked into it and I changed the process."
    ours, mine = analyze(question, we, role_keywords=keywords), analyze(question, me, role_keywords=keywords)
    assert mine.dimension("ownership").score > ours.dimension("ownership").score
    assert mine.overall > ours.overall, (ours.overall, mine.overall)
    quotes = [e.quote for e in mine.dimension("ownership").evidence]
    assert any("I looked" in q or "I changed" in q for q in quotes), quotes


def test_i_decided_and_i_built_count_as_ownership():
    question, keywords = bank_question("product_manager", Kind.behavioral)
    topic = heaviest(question)[0].keywords[0]
    we = f"We talked about {topic} and we agreed on a plan, then we shipped it."
    me = f"We talked about {topic}. I decided on a plan and I built the first version myself, then we shipped it."
    ours, mine = analyze(question, we, role_keywords=keywords), analyze(question, me, role_keywords=keywords)
    assert ours.dimension("ownership").score <= 2
    assert mine.dimension("ownership").score >= 4
    assert mine.overall > ours.overall


@pytest.mark.parametrize(("role", "kind"), CASES, ids=CASE_IDS)
def test_covering_a_talking_point_raises_depth_and_removes_it_from_missing(role, kind):
    question, keywords = bank_question(role, kind)
    plain = base_answer(question)
    before = analyze(question, plain, role_keywords=keywords)
    point = next(p for p in heaviest(question) if p.id in before.missing_point_ids)
    assert point.label in before.missing_points
    after = analyze(question, f"{plain} I also looked at {point.keywords[0]}.", role_keywords=keywords)
    assert point.id in after.covered_points
    assert point.id not in after.missing_point_ids
    assert point.label not in after.missing_points
    assert after.dimension("depth").score >= before.dimension("depth").score
    assert after.overall > before.overall


def test_covering_a_big_enough_point_always_raises_the_score_across_the_whole_bank():
    """Covering a point that carries a quarter or more of a question's weight raises the score, never lowers depth."""
    failures = []
    for bank in load_bank().values():
        for q in bank.questions:
            total = sum(p.weight for p in q.points)
            for covered in q.points:
                base = f"The part I focused on was {covered.keywords[0]}."
                before = analyze(q, base, role_keywords=bank.role.keywords)
                for p in q.points:
                    if p.id not in before.missing_point_ids or p.weight * 4 < total:
                        continue
                    after = analyze(q, f"{base} I also looked at {p.keywords[0]}.", role_keywords=bank.role.keywords)
                    if p.id in after.covered_points and (after.dimension("depth").score < before.dimension("depth").score
                                                         or after.overall <= before.overall):
                        failures.append(f"{q.id}: {before.covered_points} + {p.id} -> {before.overall} to {after.overall}")
    assert not failures, "\n".join(failures[:20])


@pytest.mark.parametrize("answer", [
    "Honestly I really love pizza and football, and my cat is adorable.",
    "Did you see the match last night? What a goal!",
])
@pytest.mark.parametrize(("role", "kind"), CASES, ids=CASE_IDS)
def test_an_off_topic_answer_scores_low(role, kind, answer):
    question, keywords = bank_question(role, kind)
    result = analyze(question, answer, role_keywords=keywords)
    assert result.overall < 30, result.overall


@pytest.mark.parametrize("answer", ["Yes.", "Teamwork.", "Communication", "Maybe"])
@pytest.mark.parametrize(("role", "kind"), CASES, ids=CASE_IDS)
def test_a_one_word_answer_scores_low(role, kind, answer):
    question, keywords = bank_question(role, kind)
    result = analyze(question, answer, role_keywords=keywords)
    assert result.overall < 30, result.overall
    assert result.dimension("clarity").score < 5  # too short to be clear and complete


def test_a_strong_answer_scores_high_and_beats_a_weak_one():
    question, keywords = bank_question("software_engineer", Kind.behavioral)
    strong = " ".join(question.model_answer)
    weak = "I usually just do my best and it works out."
    s, w = analyze(question, strong, role_keywords=keywords), analyze(question, weak, role_keywords=keywords)
    assert s.overall >= 75
    assert w.overall < 45
    assert not s.missing_points


ANSWERS = [
    "At my last job at Shopify our checkout service in Postgres started failing for 5% of users. I reproduced it with "
    "Datadog traces and found a race condition in the Redis lock. I added a regression test and errors dropped to zero within two days.",
    "First I would talk to the customer and listen. Then I'd escalate to my manager, because the SLA was at risk. "
    "Finally I'd check the CSAT survey a week later to make sure it worked.",
    "Um, basically, I think we kind of, you know, improved things a lot over the year and the team was happy with it, like, really happy.",
    "We used Python and SQL. I built the dashboard in Tableau; conversion went up 12% in Q2, and I presented it to the VP of Sales.",
    "I’d use an A/B test with a 50/50 split, run it for two weeks, and look at the p-value and the confidence interval.",
    "Yes.",
    "At Acme Corp I led a team of 4 engineers. We migrated 3 services to Kubernetes on AWS in 2023, "
    "which cut deploy time from 45 minutes to 6 minutes.\nI also wrote the runbook for the on-call rotation.",
]


@pytest.mark.parametrize("answer", ANSWERS, ids=lambda a: a[:30])
def test_every_evidence_quote_is_an_exact_substring_of_the_answer(answer):
    wrong = []
    for role, kind in CASES:
        question, keywords = bank_question(role, kind)
        result = analyze(question, answer, role_keywords=keywords)
        for d in result.dimensions:
            for e in d.evidence:
                if not e.quote or e.quote not in answer:
                    wrong.append(f"{question.id} {d.dimension} ({e.note}): {e.quote!r}")
    assert not wrong, "quotes not found verbatim in the answer:\n" + "\n".join(dict.fromkeys(wrong))


@pytest.mark.parametrize("answer", ANSWERS, ids=lambda a: a[:30])
@pytest.mark.parametrize(("role", "kind"), CASES, ids=CASE_IDS)
def test_overall_is_0_to_100_and_computed_from_the_dimensions(role, kind, answer):
    question, keywords = bank_question(role, kind)
    result = analyze(question, answer, role_keywords=keywords)
    assert [d.dimension for d in result.dimensions] == list(DIMENSIONS)
    assert all(1 <= d.score <= 5 for d in result.dimensions)
    assert 0 <= result.overall <= 100
    # Depth enters before rounding to a level, so the overall sits within half a depth level of the levels' figure.
    assert abs(result.overall - overall(question.kind, result.dimensions)) <= 10 or result.flaws
    assert sorted(result.covered_points + result.missing_point_ids) == sorted(p.id for p in question.points)


def test_overall_is_capped_when_the_answer_does_not_address_the_question():
    question, keywords = bank_question("software_engineer", Kind.behavioral)
    result = analyze(question, "Honestly I really love pizza and football, and my cat is adorable.", role_keywords=keywords)
    assert result.dimension("relevance").score == 1
    assert result.overall <= 20


# --- the generic rubric, for questions outside the bank ---------------------------------------

@pytest.mark.parametrize(("text", "kind"), [
    ("Tell me about a time you had to persuade a sceptical colleague.", Kind.behavioral),
    ("Describe a time you failed.", Kind.behavioral),
    ("Give me an example of when you went above and beyond.", Kind.behavioral),
    ("What would you do if a supplier missed a delivery date?", Kind.situational),
    ("Imagine your manager asks you to cut the budget by half.", Kind.situational),
    ("How does a hash table work?", Kind.technical),
    ("Explain the difference between TCP and UDP.", Kind.technical),
])
def test_guess_kind(text, kind):
    assert guess_kind(text) is kind


GENERIC = {
    "Tell me about a time you had to persuade a sceptical colleague.": (
        "At my last job our team had to move to a new CRM and a senior colleague was sceptical. My task was to get him on "
        "board before the rollout deadline. I decided to run a two-week pilot with his accounts and I spoke with him every "
        "Friday about the numbers. As a result, his team's follow-up time improved by 30% and he became the biggest "
        "supporter. I learned that data persuades better than opinions.",
        "I usually try to persuade people by being nice and explaining things. Communication is important and I think "
        "people generally come around.",
    ),
    "What would you do if a supplier missed a delivery date?": (
        "First I would call the supplier to find out the new date and why it slipped. Then I would inform my manager and "
        "the customer, and agree a plan with options such as a partial delivery. Finally I would check the delivery "
        "arrived and monitor the supplier's next orders.",
        "I would be annoyed.",
    ),
    "How does a hash table work?": (
        "The idea is that a hash function maps each key to a bucket, so lookups are constant time on average. First you "
        "hash the key, then you look in that bucket. However, collisions can make it slower; the alternative is a balanced "
        "tree. For example, I used a dict in Python for a cache.",
        "It stores things.",
    ),
}


@pytest.mark.parametrize("text", list(GENERIC), ids=lambda t: t[:30])
def test_generic_rubric_scores_questions_outside_the_bank_and_a_good_answer_beats_a_vague_one(text):
    question = generic_question(text, guess_kind(text))
    assert question.text == text
    assert question.points  # the generic talking points for its kind
    good, vague = GENERIC[text]
    g, v = analyze(question, good), analyze(question, vague)
    assert g.overall >= 70, g.overall
    assert v.overall < 40, v.overall
    assert g.overall > v.overall
    assert not g.missing_points
    assert v.missing_points


def test_generic_behavioral_star_answer_covers_situation_action_result():
    text = "Tell me about a time you had to persuade a sceptical colleague."
    question = generic_question(text, guess_kind(text))
    star, vague = GENERIC[text]
    s, v = analyze(question, star), analyze(question, vague)
    assert {"situation", "action", "result"} <= set(s.covered_points)
    assert s.dimension("structure").score > v.dimension("structure").score
    assert s.dimension("structure").score >= 4


def test_generic_question_gets_a_usable_id_from_any_text():
    q = generic_question("What's your biggest weakness???", Kind.behavioral, qid="What's your biggest weakness???")
    assert q.id and all(c.isalnum() or c in "-_" for c in q.id)


@pytest.mark.parametrize("text", [
    "Tell me about yourself.",
    "What's your biggest weakness?",
    "What would you say is your greatest strength?",
    "Why do you want to work for our company?",
    "Why should we hire you over the other candidates?",
    "Where do you see yourself in five years?",
    "Tell me about a conflict you had with a coworker and how it ended.",
    "What is a failure you learned from?",
    "How do you handle criticism from your manager?",
    "Walk me through your resume.",
])
def test_questions_about_the_candidate_are_behavioral(text):
    assert guess_kind(text) is Kind.behavioral


@pytest.mark.parametrize("text", ["What are the strengths of Python compared with Java?", "Why is a B-tree used for indexes?",
                                  "How do you handle errors in an async function?"])
def test_technical_questions_stay_technical(text):
    assert guess_kind(text) is Kind.technical


@pytest.mark.parametrize(("digits", "words"), [
    ("We cut the wait by 30% within two weeks.", "We cut the wait by thirty percent within two weeks."),
    ("It saved 25 hours a month for the support team.", "It saved twenty-five hours a month for the support team."),
    ("We signed 12 customers in the pilot.", "We signed twelve customers in the pilot."),
])
def test_numbers_said_in_words_count_as_numbers(digits, words):
    """Spoken answers reach the scorer as transcripts, where numbers are often spelled out."""
    question, keywords = bank_question("customer_support", Kind.behavioral)
    base = base_answer(question)
    plain = analyze(question, base, role_keywords=keywords).dimension("specificity")
    spelled = analyze(question, f"{base} {words}", role_keywords=keywords).dimension("specificity")
    written = analyze(question, f"{base} {digits}", role_keywords=keywords).dimension("specificity")
    assert "No numbers" not in spelled.rationale and "numbers" in spelled.rationale
    assert spelled.score == written.score > plain.score


@pytest.mark.parametrize("text", ["One of the things I did was listen.", "I was the only one on call that night.",
                                  "Someone had to take a step back first."])
def test_a_lone_number_word_is_not_a_measurement(text):
    question, keywords = bank_question("customer_support", Kind.behavioral)
    assert "No numbers" in analyze(question, text, role_keywords=keywords).dimension("specificity").rationale


def test_bank_model_answers_score_at_least_80_and_cover_every_point_by_words_alone():
    """The fallback (no embedding model) must rate the bank's own model answers as strong too."""
    from interview.engines.offline import other_questions

    failing = []
    for bank in load_bank().values():
        for q in bank.questions:
            a = analyze(q, " ".join(q.model_answer), role_keywords=bank.role.keywords, others=other_questions(q))
            if a.overall < 80 or a.missing_points or a.flaws:
                failing.append(f"{q.id}: {a.overall} missing={a.missing_points} flaws={[f.id for f in a.flaws]}")
    assert not failing, "\n".join(failing)


def test_a_misconception_caps_the_score_and_is_quoted_with_its_correction():
    q = next(q for q in load_bank()["software_engineer"].questions if q.id == "swe-tech-01")
    right = " ".join(q.model_answer)
    wrong = right + " Honestly though, a hash map lookup is O(n log n) because the keys have to be sorted first."
    good, bad = analyze(q, right), analyze(q, wrong)
    assert not good.flaws and bad.flaws
    assert bad.overall <= 30 < good.overall
    assert "O(n log n)" in bad.flaws[0].quote and bad.flaws[0].correction
    assert any(e.note.startswith("correction:") for e in bad.dimension("depth").evidence)


def test_each_further_misconception_lowers_the_cap():
    from interview.rubric import FLAW_CAP, flaw_cap

    q = next(q for q in load_bank()["software_engineer"].questions if q.id == "swe-tech-01")
    right = " ".join(q.model_answer)
    one = analyze(q, right + " Honestly though, a hash map lookup is O(n log n) because the keys are sorted.")
    two = analyze(q, right + " Honestly though, a hash map lookup is O(n log n) because the keys are sorted."
                             " And binary search works on unsorted arrays too.")
    assert len(one.flaws) == 1 and len(two.flaws) == 2
    assert one.overall <= FLAW_CAP and two.overall <= flaw_cap(2) < flaw_cap(1) == FLAW_CAP
    assert two.overall < one.overall
    assert flaw_cap(99) > 0


def test_a_negated_misconception_is_not_a_flaw():
    q = next(q for q in load_bank()["software_engineer"].questions if q.id == "swe-tech-01")
    text = " ".join(q.model_answer) + " A hash map lookup is not O(n log n), whatever people say."
    assert not analyze(q, text).flaws


def test_a_red_flag_caps_ownership_and_the_score():
    q = next(q for q in load_bank()["customer_support"].questions if q.kind is Kind.behavioral)
    story = " ".join(q.model_answer) + " In the end I blamed the bank for the delay and hung up on him."
    result = analyze(q, story)
    assert {f.kind for f in result.flaws} == {"red_flag"}
    assert result.dimension("ownership").score <= 2 and result.overall <= 30


def test_spelled_numbers_count_as_numbers():
    question, keywords = bank_question("sales_representative", Kind.behavioral)
    result = analyze(question, "I grew the pipeline by thirty percent within two weeks of taking over the territory.")
    assert "No numbers" not in result.dimension("specificity").rationale


ANSWER = "First I reproduced the crash in staging, with the same build. Then I added a guard and a test."


@pytest.mark.parametrize("claimed", ["I reproduced the crash in staging", "i   REPRODUCED the crash\nin staging",
                                     "reproduced the crash in staging ,", "Then I added a guard"])
def test_a_judge_quote_is_credited_as_it_stands_in_the_answer(claimed):
    found = _verified(ANSWER, claimed)
    assert found and found in ANSWER, "the quote returned is the answer's own text"
    assert re.findall(r"\w+", found.lower()) == re.findall(r"\w+", claimed.lower()), "the same words, no more"


@pytest.mark.parametrize("claimed", ["I reproduced the bug in production", "I rolled back the release",
                                     "crash", "", "I fixed it", "staging, with the same build. Then I deleted"])
def test_a_quote_not_in_the_answer_or_too_short_to_prove_anything_is_not_credited(claimed):
    assert _verified(ANSWER, claimed) == ""


def test_a_covered_verdict_with_an_invented_quote_covers_nothing():
    q = next(q for q in load_bank()["software_engineer"].questions if q.kind is Kind.behavioral and len(q.points) >= 2)
    pid = q.points[0].id
    real = analyze(q, ANSWER, verdicts={pid: PointVerdict("covered", "I reproduced the crash in staging")})
    fake = analyze(q, ANSWER, verdicts={pid: PointVerdict("covered", "I interviewed every stakeholder first")})
    assert pid in real.covered_points and pid not in fake.covered_points
    assert fake.overall <= real.overall
    assert all(e.quote in ANSWER for d in fake.dimensions for e in d.evidence)


def test_rare_words_weigh_more_than_everyday_ones():
    from interview.text import RARITY_RANGE, content_weights, rarity

    assert rarity("idempotent") > rarity("request") > rarity("people")
    assert RARITY_RANGE[0] <= rarity("the") <= rarity("xqzvbnonword") <= RARITY_RANGE[1]
    weights = content_weights("Retries of an idempotent request are safe: two requests change nothing twice.")
    assert weights["2"] == max(rarity("two"), rarity("twice"))  # number words agree with digits, rarest spelling
    assert weights["request"] == rarity("requests") or weights["request"] == rarity("request")


def test_saying_the_references_rare_terms_counts_more_than_its_everyday_words():
    question = generic_question("Why retry a payment call safely?", Kind.technical).model_copy(update={
        "reference_answer": "Make the operation idempotent with a deduplication key, so a retried request that "
                            "people send twice is only charged once."})
    from interview.rubric import _content, _Semantics

    def agreement(answer: str) -> float:
        return _content(question, answer, _Semantics.build(question, answer, []))

    rare = "I make the operation idempotent and keep a deduplication key."  # two rare terms of the reference
    common = "I make the operation so people send it and it is charged."  # as many of its everyday words
    assert agreement(rare) > agreement(common)
    assert analyze(question, rare).dimension("depth").score >= analyze(question, common).dimension("depth").score


def test_agreeing_with_the_model_answer_as_a_whole_earns_depth_when_no_point_matches_one_by_one():
    from interview.rubric import _depth

    question, _ = bank_question("software_engineer", Kind.technical)
    none_matched, _ = _depth(question, [], list(question.points), [], None, [(0, 10)], [])
    agrees, value = _depth(question, [], list(question.points), [], 0.95, [(0, 10)], [])
    assert none_matched.score == 1 and agrees.score >= 4 and value > 0.9
    assert "Agreement with a strong answer: 95%" in agrees.rationale
    judged, _ = _depth(question, [], list(question.points), [], 0.95, [(0, 10)], [], judged=True)
    assert judged.score < agrees.score  # a model judge's "absent" verdicts stand: agreement does not overrule them
