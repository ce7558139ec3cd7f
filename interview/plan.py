"""Interview plans: which kinds of question to ask, which question next, and how difficulty moves."""

from __future__ import annotations

import random
from functools import lru_cache

from .bank import GENERAL_ROLE, find_role, load_bank
from .coding.flow import coding_slots
from .generic import custom_role, key_terms, nearest_roles, with_job_terms
from .models import InterviewOptions, Kind, Question, Role

RAISE_AT = 75  # a question scored at least this moves difficulty up one level
LOWER_BELOW = 45  # a question scored under this moves it down one level


def resolve_role(options: InterviewOptions) -> Role:
    """Return the built-in role the options name, or a custom role made from the name."""
    return find_role(options.role) or custom_role(options.role, options.job_description)


def kinds_plan(options: InterviewOptions, *, technical: bool = False) -> list[Kind]:
    """Spread the chosen kinds over the interview, evenly, in an order fixed by the seed; coding exercises
    (technical roles only, ``options.coding_questions`` of them) go in spread-out places after the first."""
    slots = coding_slots(options.num_questions, options.coding_questions, technical)
    kinds = sorted((set(options.kinds) or set(Kind)) - {Kind.coding}, key=lambda k: k.value) or [Kind.technical]
    rng = random.Random(f"plan:{options.seed}")
    plan = [kinds[i % len(kinds)] for i in range(options.num_questions - len(slots))]
    rng.shuffle(plan)
    # Open with a behavioral question when there is one: it is the usual, gentler start.
    if Kind.behavioral in plan and plan[0] is not Kind.behavioral:
        i = plan.index(Kind.behavioral)
        plan[0], plan[i] = plan[i], plan[0]
    for slot in slots:
        plan.insert(slot, Kind.coding)
    return plan


@lru_cache(maxsize=64)
def _pool(role_id: str, role_name: str, job_description: str) -> tuple[Question, ...]:
    banks = load_bank()
    terms = key_terms(job_description) if job_description.strip() else []
    if role_id in banks:
        pool = list(banks[role_id].questions)
        if role_id != GENERAL_ROLE:
            pool += banks[GENERAL_ROLE].questions  # a reserve, used only when the role's bank runs out
    else:
        pool = [q for r in nearest_roles(role_name, job_description) for q in banks[r.id].questions]
        pool += banks[GENERAL_ROLE].questions
    return tuple(with_job_terms(q, terms) for q in pool)


def question_pool(role: Role, options: InterviewOptions) -> tuple[Question, ...]:
    """Return the questions this interview can draw on, best-matching banks first."""
    return _pool(role.id, role.name, options.job_description)


def choose_question(pool: tuple[Question, ...], kind: Kind, difficulty: int, used: set[str],
                    *, seed: int, step: int, primary_role: str) -> Question | None:
    """Pick an unused question of the kind nearest the difficulty; the seed breaks ties."""
    fresh = [q for q in pool if q.id not in used]
    if not fresh:
        return None
    own = [q for q in fresh if q.role_id == primary_role] or fresh
    candidates = [q for q in own if q.kind is kind] or own
    best = min(abs(q.difficulty - difficulty) for q in candidates)
    closest = sorted((q for q in candidates if abs(q.difficulty - difficulty) == best), key=lambda q: q.id)
    return random.Random(f"pick:{seed}:{step}").choice(closest)


def next_difficulty(current: int, score: int | None) -> int:
    """Move difficulty one level by the last question's score, within 1-5."""
    if score is None:
        return current
    if score >= RAISE_AT:
        return min(5, current + 1)
    if score < LOWER_BELOW:
        return max(1, current - 1)
    return current
