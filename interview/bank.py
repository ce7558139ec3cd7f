"""The curated question bank: one JSON file per role in ``bank_data/``, validated at load."""

from __future__ import annotations

import json
from collections import Counter
from functools import lru_cache
from pathlib import Path

from pydantic import ValidationError

from .errors import BankError
from .flaws import trigger_in
from .models import Kind, Question, Role, RoleBank
from .text import sentences

BANK_DIR = Path(__file__).with_name("bank_data")
GENERAL_ROLE = "general"
MIN_QUESTIONS = 25


def validate_bank(bank: RoleBank, *, min_questions: int = MIN_QUESTIONS) -> list[str]:
    """Return every problem found in one role's bank (empty when it is sound)."""
    problems: list[str] = []
    role = bank.role.id
    if len(bank.questions) < min_questions:
        problems.append(f"{role}: {len(bank.questions)} questions, need at least {min_questions}")
    ids = Counter(q.id for q in bank.questions)
    problems += [f"{role}: duplicate question id {qid}" for qid, n in ids.items() if n > 1]
    texts = Counter(q.text.strip().lower() for q in bank.questions)
    problems += [f"{role}: duplicate question text {t!r}" for t, n in texts.items() if n > 1]
    kinds = {q.kind for q in bank.questions}
    problems += [f"{role}: no {k.value} questions" for k in Kind if k not in kinds and k is not Kind.coding]  # coding: the problem bank
    levels = {q.difficulty for q in bank.questions}
    problems += [f"{role}: no question at difficulty {d}" for d in range(1, 6) if d not in levels]
    for q in bank.questions:
        problems += _question_problems(role, q)
        problems += flaw_problems(role, q)
    return problems


def _question_problems(role: str, q: Question) -> list[str]:
    problems = []
    point_ids = Counter(p.id for p in q.points)
    problems += [f"{role}/{q.id}: duplicate point id {pid}" for pid, n in point_ids.items() if n > 1]
    if len(q.points) < 2:
        problems.append(f"{role}/{q.id}: needs at least 2 talking points")
    for p in q.points:
        for kw in p.keywords:
            if kw != kw.strip().lower() or not kw.strip():
                problems.append(f"{role}/{q.id}/{p.id}: keyword {kw!r} must be lower-case, trimmed")
        if len(set(p.keywords)) != len(p.keywords):
            problems.append(f"{role}/{q.id}/{p.id}: repeated keyword")
    return problems


def flaw_problems(role: str, q: Question) -> list[str]:
    """Misconceptions and red flags: present where the kind needs them, well formed, silent on the model answer."""
    problems = []
    if q.kind is Kind.technical and not q.misconceptions:
        problems.append(f"{role}/{q.id}: a technical question needs at least one misconception")
    if q.kind in (Kind.behavioral, Kind.situational) and not q.red_flags:
        problems.append(f"{role}/{q.id}: a {q.kind.value} question needs at least one red flag")
    flaws = [*q.misconceptions, *q.red_flags]
    ids = Counter(f.id for f in flaws)
    problems += [f"{role}/{q.id}: duplicate flaw id {fid}" for fid, n in ids.items() if n > 1]
    model = " ".join(q.model_answer)
    for f in flaws:
        for t in f.triggers:
            if t != t.strip().lower() or not t.strip() or any(not part.strip() for part in t.split("+")):
                problems.append(f"{role}/{q.id}/{f.id}: trigger {t!r} must be lower-case phrases joined by ' + '")
            elif any(trigger_in(s, t) for s in _sentences_of(model)):
                problems.append(f"{role}/{q.id}/{f.id}: trigger {t!r} fires on the question's own model answer")
    return problems


def _sentences_of(text: str) -> list[str]:
    return [text[s:e] for s, e in sentences(text)]


def _load_file(path: Path) -> RoleBank:
    try:
        bank = RoleBank.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, ValidationError) as exc:
        raise BankError(f"Question bank file {path.name} is invalid: {exc}") from exc
    for q in bank.questions:
        q.role_id = bank.role.id
    return bank


@lru_cache(maxsize=4)
def load_bank(directory: Path = BANK_DIR) -> dict[str, RoleBank]:
    """Load and validate every role file; raise BankError naming each problem."""
    banks: dict[str, RoleBank] = {}
    for path in sorted(directory.glob("*.json")):
        bank = _load_file(path)
        if bank.role.id in banks:
            raise BankError(f"Role id {bank.role.id!r} appears in two bank files; rename one.")
        banks[bank.role.id] = bank
    if GENERAL_ROLE not in banks:
        raise BankError(f"The bank in {directory} has no '{GENERAL_ROLE}' role; custom roles need it.")
    problems = [p for bank in banks.values() for p in validate_bank(bank)]
    if problems:
        raise BankError("Question bank problems:\n" + "\n".join(problems))
    return banks


def builtin_roles(directory: Path = BANK_DIR) -> list[Role]:
    """Return the built-in roles a candidate can pick, general practice last."""
    roles = [b.role for b in load_bank(directory).values()]
    return sorted(roles, key=lambda r: (r.id == GENERAL_ROLE, r.name))


def find_role(name_or_id: str, directory: Path = BANK_DIR) -> Role | None:
    """Return the built-in role matching an id or a name (case-insensitive), if any."""
    key = name_or_id.strip().lower()
    for bank in load_bank(directory).values():
        if key in (bank.role.id, bank.role.name.lower()):
            return bank.role
    return None
