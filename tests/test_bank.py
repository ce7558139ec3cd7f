"""The curated question bank: it loads, it is big and varied enough, and broken banks are reported."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from pydantic import ValidationError

from interview.bank import BANK_DIR, GENERAL_ROLE, builtin_roles, find_role, load_bank, validate_bank
from interview.errors import BankError
from interview.models import Flaw, Kind, Question, Role, RoleBank, TalkingPoint

pytestmark = pytest.mark.unit

REQUIRED_ROLES = ("software_engineer", "customer_support", "product_manager", "marketing", "data_scientist", "general")


@pytest.fixture(scope="module")
def banks():
    return load_bank()


def test_the_bank_loads_and_every_role_validates(banks):
    assert banks
    for role_id, bank in banks.items():
        assert isinstance(bank, RoleBank)
        assert bank.role.id == role_id
        assert validate_bank(bank) == [], f"{role_id}: {validate_bank(bank)}"


def test_the_named_roles_exist(banks):
    missing = [r for r in REQUIRED_ROLES if r not in banks]
    assert not missing


def test_at_least_eight_roles(banks):
    assert len(banks) >= 8, f"only {len(banks)} roles: {sorted(banks)}"


def test_every_json_file_in_the_bank_directory_is_a_loaded_role(banks):
    assert len(list(BANK_DIR.glob("*.json"))) == len(banks)


def test_each_role_has_at_least_25_questions(banks):
    short = {r: len(b.questions) for r, b in banks.items() if len(b.questions) < 25}
    assert not short


def test_each_role_has_all_three_kinds(banks):
    for role_id, bank in banks.items():
        kinds = Counter(q.kind for q in bank.questions)
        assert set(kinds) == set(Kind) - {Kind.coding}, f"{role_id}: {dict(kinds)}"  # coding exercises: the problem bank


def test_each_role_has_every_difficulty_from_1_to_5(banks):
    for role_id, bank in banks.items():
        levels = {q.difficulty for q in bank.questions}
        assert levels == {1, 2, 3, 4, 5}, f"{role_id}: {sorted(levels)}"


def test_every_question_knows_its_role(banks):
    for role_id, bank in banks.items():
        assert all(q.role_id == role_id for q in bank.questions)


def test_every_point_has_a_follow_up_and_keywords(banks):
    problems = []
    for bank in banks.values():
        for q in bank.questions:
            assert q.points, q.id
            for p in q.points:
                if len(p.keywords) < 2 or not all(k.strip() for k in p.keywords):
                    problems.append(f"{q.id}/{p.id}: keywords {p.keywords}")
                if len(p.follow_up.strip()) < 10 or p.follow_up.strip() == q.text.strip():
                    problems.append(f"{q.id}/{p.id}: follow-up {p.follow_up!r}")
    assert not problems, "\n".join(problems[:20])


def test_every_question_has_clarification_hint_and_model_answer(banks):
    for bank in banks.values():
        for q in bank.questions:
            assert q.clarification.strip() and q.clarification != q.text, q.id
            assert q.hint.strip() and q.hint != q.text, q.id
            assert len(q.model_answer) >= 2, q.id


def test_question_ids_are_unique_across_the_whole_bank(banks):
    # Interviews mix the general bank with a role's bank, and never-repeat is tracked by id.
    ids = Counter(q.id for bank in banks.values() for q in bank.questions)
    assert not [i for i, n in ids.items() if n > 1]


def test_find_role_by_id_or_name_and_general_is_listed_last(banks):
    for role_id, bank in banks.items():
        assert find_role(role_id) == bank.role
        assert find_role(f"  {bank.role.name.upper()} ") == bank.role
    assert find_role("Underwater Basket Weaver") is None
    roles = builtin_roles()
    assert roles[-1].id == GENERAL_ROLE
    assert {r.id for r in roles} == set(banks)


# --- validate_bank on deliberately broken banks built in memory -----------------------------------

def _point(pid: str = "context") -> TalkingPoint:
    return TalkingPoint(id=pid, label="Sets the scene", keywords=["situation", "context"],
                        follow_up="Can you tell me more about the situation?")


def _flaw(fid: str = "wrong_claim", triggers=("the moon is cheese",)) -> Flaw:
    return Flaw(id=fid, claim="States something false about it", correction="Say what is actually true.",
                triggers=list(triggers), follow_up="Are you sure that holds? Why?")


def _question(qid: str, kind: Kind = Kind.behavioral, difficulty: int = 1, text: str | None = None, points=None,
              flaws=None) -> Question:
    flaws = [_flaw()] if flaws is None else flaws
    return Question(id=qid, text=text or f"Tell me about a time you did thing number {qid}.", kind=kind, difficulty=difficulty,
                    clarification="Say it another way, please.", hint="Think of one specific example.",
                    points=points or [_point("context"), _point("result")], model_answer=["Situation first.", "Then the result."],
                    **({"misconceptions": flaws} if kind is Kind.technical else {"red_flags": flaws}))


def _sound_bank(n: int = 30) -> RoleBank:
    kinds = list(Kind)
    return RoleBank(role=Role(id="test_role", name="Test Role"),
                    questions=[_question(f"t-{i:02d}", kinds[i % 3], 1 + i % 5) for i in range(n)])


def test_a_sound_bank_has_no_problems():
    assert validate_bank(_sound_bank()) == []


@pytest.mark.parametrize("kind, field", [(Kind.technical, "misconception"), (Kind.behavioral, "red flag"), (Kind.situational, "red flag")])
def test_a_question_without_misconceptions_or_red_flags_is_reported(kind, field):
    bank = _sound_bank()
    bank.questions.append(_question("t-99", kind, text="A question with nothing to catch, is it?", flaws=[]))
    assert any("t-99: a" in p and f"at least one {field}" in p for p in validate_bank(bank)), validate_bank(bank)


def test_a_trigger_that_fires_on_the_model_answer_is_reported():
    bank = _sound_bank()
    bank.questions.append(_question("t-99", text="A question whose flaw is in its own model answer?", flaws=[_flaw(triggers=["the result"])]))
    assert any("t-99/wrong_claim: trigger 'the result' fires on the question's own model answer" in p for p in validate_bank(bank))


def test_flaw_triggers_must_be_lower_case_phrases():
    bank = _sound_bank()
    bank.questions.append(_question("t-99", text="A question with a badly written trigger?", flaws=[_flaw(triggers=["Blamed + "])]))
    assert any("t-99/wrong_claim: trigger 'Blamed + ' must be lower-case" in p for p in validate_bank(bank))


def test_every_bank_question_of_each_kind_carries_its_flaws():
    for bank in load_bank().values():
        for q in bank.questions:
            assert q.misconceptions if q.kind is Kind.technical else q.red_flags, q.id


def test_duplicate_ids_are_reported():
    bank = _sound_bank()
    bank.questions.append(_question("t-03", text="A brand new question text that is not a duplicate?"))
    problems = validate_bank(bank)
    assert any("duplicate question id t-03" in p for p in problems), problems


def test_duplicate_question_text_is_reported():
    bank = _sound_bank()
    bank.questions.append(_question("t-99", text=bank.questions[0].text.upper()))
    assert any("duplicate question text" in p for p in validate_bank(bank))


def test_a_missing_kind_is_reported():
    bank = _sound_bank()
    bank.questions = [q for q in bank.questions if q.kind is not Kind.technical]
    problems = validate_bank(bank, min_questions=1)
    assert any("no technical questions" in p for p in problems), problems
    assert not any("no behavioral" in p or "no situational" in p for p in problems)


def test_a_missing_difficulty_is_reported():
    bank = _sound_bank()
    bank.questions = [q for q in bank.questions if q.difficulty != 4]
    problems = validate_bank(bank, min_questions=1)
    assert any("difficulty 4" in p for p in problems), problems


def test_too_few_questions_is_reported():
    problems = validate_bank(_sound_bank(10))
    assert any("10 questions" in p and "25" in p for p in problems), problems


def test_point_problems_are_reported():
    bad_point = TalkingPoint(id="context", label="Sets the scene", keywords=["Situation ", "situation"],
                             follow_up="Can you tell me more about the situation?")
    bank = _sound_bank()
    bank.questions.append(_question("t-98", text="One more distinct question, please?", points=[bad_point, _point("context")]))
    bank.questions.append(_question("t-97", text="Yet another distinct question, please?", points=[_point("only")]))
    problems = validate_bank(bank)
    assert any("t-98" in p and "duplicate point id" in p for p in problems), problems
    assert any("t-98" in p and "lower-case" in p for p in problems), problems
    assert any("t-97" in p and "at least 2 talking points" in p for p in problems), problems


def test_several_problems_are_all_reported_at_once():
    bank = _sound_bank()
    bank.questions = [q for q in bank.questions if q.kind is not Kind.situational]
    bank.questions.append(bank.questions[0].model_copy())
    problems = validate_bank(bank)
    assert any("duplicate question id" in p for p in problems)
    assert any("no situational questions" in p for p in problems)


def test_a_question_without_a_kind_does_not_validate():
    data = _question("t-01").model_dump(mode="json")
    del data["kind"]
    with pytest.raises(ValidationError, match="kind"):
        Question.model_validate(data)


def test_a_point_without_follow_up_or_keywords_does_not_validate():
    with pytest.raises(ValidationError):
        TalkingPoint.model_validate({"id": "x", "label": "Something", "keywords": ["a", "b"]})
    with pytest.raises(ValidationError):
        TalkingPoint.model_validate({"id": "x", "label": "Something", "keywords": [], "follow_up": "What else happened there?"})


# --- load_bank on broken directories ------------------------------------------------------------

def _write(directory, name: str, bank: RoleBank | dict) -> None:
    data = bank.model_dump(mode="json") if isinstance(bank, RoleBank) else bank
    (directory / name).write_text(json.dumps(data), encoding="utf-8")


def _general() -> RoleBank:
    bank = _sound_bank()
    bank.role = Role(id="general", name="General")
    bank.questions = [q.model_copy(update={"id": f"g-{q.id}"}) for q in bank.questions]
    return bank


def test_load_bank_accepts_a_sound_directory(tmp_path):
    _write(tmp_path, "general.json", _general())
    _write(tmp_path, "test_role.json", _sound_bank())
    banks = load_bank(tmp_path)
    assert set(banks) == {"general", "test_role"}
    assert all(q.role_id == "test_role" for q in banks["test_role"].questions)


def test_load_bank_names_the_problems_of_a_broken_file(tmp_path):
    _write(tmp_path, "general.json", _general())
    broken = _sound_bank()
    broken.questions.append(broken.questions[1].model_copy())
    _write(tmp_path, "test_role.json", broken)
    with pytest.raises(BankError, match="duplicate question id t-01"):
        load_bank(tmp_path)


def test_load_bank_rejects_a_file_with_a_question_missing_its_kind(tmp_path):
    _write(tmp_path, "general.json", _general())
    data = _sound_bank().model_dump(mode="json")
    del data["questions"][0]["kind"]
    _write(tmp_path, "test_role.json", data)
    with pytest.raises(BankError, match="test_role.json"):
        load_bank(tmp_path)


def test_load_bank_needs_a_general_role(tmp_path):
    _write(tmp_path, "test_role.json", _sound_bank())
    with pytest.raises(BankError, match="general"):
        load_bank(tmp_path)


def test_load_bank_rejects_the_same_role_in_two_files(tmp_path):
    _write(tmp_path, "general.json", _general())
    _write(tmp_path, "a.json", _sound_bank())
    _write(tmp_path, "b.json", _sound_bank())
    with pytest.raises(BankError, match="test_role"):
        load_bank(tmp_path)
