"""The generic rubric (for questions outside the bank) and custom roles built from a job description."""

from __future__ import annotations

import re
from collections import Counter

from .bank import GENERAL_ROLE, load_bank
from .models import Kind, Question, Role, TalkingPoint
from .text import STOPWORDS, content_stems, tokens

_P = TalkingPoint
GENERIC_POINTS: dict[Kind, list[TalkingPoint]] = {
    Kind.behavioral: [
        _P(id="situation", label="Sets the scene: a specific situation, when and where", weight=2,
           keywords=["at my last", "at my previous", "when i was", "last year", "the situation", "we had", "there was", "project"],
           follow_up="Can you set the scene a bit more: where were you, and what was going on?"),
        _P(id="action", label="Says what you personally did", weight=3,
           keywords=["i decided", "i led", "i built", "i spoke", "i organised", "i organized", "i proposed", "i created", "i talked", "my approach", "i took"],
           follow_up="What did you personally do, step by step?"),
        _P(id="result", label="Gives a measurable result", weight=3,
           keywords=["as a result", "result", "outcome", "increased", "reduced", "improved", "saved", "percent", "in the end"],
           follow_up="What was the result, and how did you measure it?"),
        _P(id="reflection", label="Reflects on what you learned", weight=1,
           keywords=["learned", "lesson", "next time", "would do differently", "taught me", "since then"],
           follow_up="What did you learn from it, or what would you do differently next time?"),
    ],
    Kind.technical: [
        _P(id="approach", label="Explains the approach or concept clearly", weight=3,
           keywords=["approach", "first", "step", "process", "method", "the idea", "works by", "means"],
           follow_up="Could you walk me through your approach step by step?"),
        _P(id="tradeoffs", label="Weighs trade-offs or alternatives", weight=2,
           keywords=["trade-off", "tradeoff", "however", "downside", "alternative", "on the other hand", "depends", "pros and cons"],
           follow_up="What are the trade-offs, and when would you choose a different approach?"),
        _P(id="example", label="Grounds it in a real example", weight=2,
           keywords=["for example", "for instance", "in my last", "i used", "i have used", "in practice", "we used"],
           follow_up="Can you give a concrete example from your own work?"),
    ],
    Kind.situational: [
        _P(id="first_step", label="Says what you would do first", weight=3,
           keywords=["first", "start by", "begin by", "immediately", "right away", "my first"],
           follow_up="What is the very first thing you would do?"),
        _P(id="people", label="Involves the right people and communicates", weight=2,
           keywords=["talk to", "speak with", "inform", "escalate", "manager", "stakeholder", "customer", "ask", "listen"],
           follow_up="Who would you involve or keep informed, and how?"),
        _P(id="outcome", label="Says how you would know it worked", weight=2,
           keywords=["measure", "follow up", "check", "make sure", "success", "monitor", "feedback", "verify"],
           follow_up="How would you know your approach worked?"),
    ],
}

GENERIC_CLARIFY = {
    Kind.behavioral: "I'm looking for one real example from your past: the situation, what you did yourself, and how it turned out.",
    Kind.technical: "I'd like you to explain how you would approach this, why, and what the trade-offs are.",
    Kind.situational: "Imagine it happens tomorrow: what would you do first, who would you involve, and how would you know it worked?",
}
GENERIC_HINT = {
    Kind.behavioral: "Try the STAR shape: Situation, Task, Action, Result. One specific story beats a general description.",
    Kind.technical: "Start with the core idea in one sentence, then the steps, then one trade-off.",
    Kind.situational: "Think about your first step, the people involved, and how you would check the outcome.",
}


def generic_question(text: str, kind: Kind = Kind.behavioral, *, qid: str = "custom") -> Question:
    """Wrap a question that is not in the bank so the generic rubric can score answers to it."""
    slug = re.sub(r"[^a-z0-9]+", "-", qid.lower()).strip("-") or "custom"
    return Question(id=slug, text=text, kind=kind, difficulty=3, topic="custom", clarification=GENERIC_CLARIFY[kind],
                    hint=GENERIC_HINT[kind], points=[p.model_copy() for p in GENERIC_POINTS[kind]],
                    model_answer=[p.label for p in GENERIC_POINTS[kind]], role_id="custom")


# The classic questions about the candidate themselves: answered from their own story, so scored as behavioral.
_ABOUT_YOU = re.compile(
    r"\b(?:tell me about yourself|introduce yourself|walk me through your (?:resume|résumé|cv|background|career)"
    r"|(?:greatest|biggest|main|key|top) (?:strengths?|weakness(?:es)?)|your (?:strengths?|weakness(?:es)?)"
    r"|why (?:do you want|are you interested|are you applying|did you apply|this (?:role|job|position|company)"
    r"|our (?:company|team)|should we hire you|should i hire you|do you want to work)"
    r"|where do you see yourself|(?:five|5|ten|10) years from now|in (?:five|5|ten|10) years"
    r"|(?:a|your) (?:biggest |greatest )?(?:failure|mistake|conflict|disagreement)|proud of|learn(?:ed)? from"
    r"|disagree(?:d)? with|how do you (?:handle|deal with|cope with) (?:stress|pressure|criticism|conflict|feedback|failure))\b")


def guess_kind(text: str) -> Kind:
    """Guess a free-text question's kind from how it is phrased (questions about the candidate are behavioral)."""
    low = text.lower().replace("’", "'")
    if re.search(r"\b(tell me about a time|describe a time|give (?:me )?an example|have you ever|a time when)\b", low):
        return Kind.behavioral
    if _ABOUT_YOU.search(low):
        return Kind.behavioral
    if re.search(r"\b(what would you do|how would you (?:handle|respond|deal)|imagine|suppose|if you)\b", low):
        return Kind.situational
    return Kind.technical


def key_terms(job_description: str, limit: int = 8) -> list[str]:
    """Return the job description's most telling terms: repeated words and two-word phrases."""
    words = [t.text.lower() for t in tokens(job_description)]
    useful = [w for w in words if w not in STOPWORDS and len(w) > 2 and not w.isdigit() and w not in _JD_NOISE]
    counts = Counter(useful)
    pairs = Counter(f"{a} {b}" for a, b in zip(words, words[1:], strict=False)
                    if a in counts and b in counts and a not in STOPWORDS and b not in STOPWORDS)
    ranked = [p for p, n in pairs.most_common() if n >= 2][: limit // 2]
    taken = {w for p in ranked for w in p.split()}
    ranked += [w for w, _ in counts.most_common() if w not in taken][: limit - len(ranked)]
    return ranked[:limit]


_JD_NOISE = frozenset("""experience years ability strong skills work working team candidate role job position company
responsibilities requirements required preferred plus including excellent knowledge looking join must will
good great new ideal bonus benefits salary apply opportunity environment across within using based""".split())


def nearest_roles(name: str, job_description: str = "", limit: int = 2) -> list[Role]:
    """Return the built-in roles whose vocabulary best matches a custom role name and description."""
    wanted = content_stems(f"{name} {name} {job_description}")
    scored = []
    for bank in load_bank().values():
        if bank.role.id == GENERAL_ROLE:
            continue
        vocab = content_stems(" ".join([bank.role.name, bank.role.description, *bank.role.keywords]))
        overlap = len(wanted & vocab)
        if overlap:
            scored.append((overlap, bank.role.id, bank.role))
    scored.sort(key=lambda t: (-t[0], t[1]))
    return [role for _, _, role in scored[:limit]]


TECHNICAL_ROLE = re.compile(
    r"\b(?:develop(?:er|ment)|engineer(?:ing)?|programm(?:er|ing)|coder|software|back-?end|front-?end|full-?stack|dev-?ops|"
    r"sre|site reliability|data (?:scien\w*|engineer\w*)|machine learning|ml|ai|web|mobile|ios|android|game dev\w*|"
    r"python|java(?:script)?|golang|rust|c\+\+|embedded|firmware|qa automation|sdet)\b", re.I)


def custom_role(name: str, job_description: str = "") -> Role:
    """Describe a role that is not built in, with the job description's key terms as its vocabulary.

    It is technical (coding exercises are offered) when its name says so: "Backend Developer", "ML Engineer".
    """
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:40] or "custom"
    return Role(id=f"custom_{slug}", name=name.strip()[:80], description="Custom role",
                technical=bool(TECHNICAL_ROLE.search(name)), keywords=key_terms(job_description, limit=15))


def with_job_terms(question: Question, terms: list[str]) -> Question:
    """Add the job description's key terms to a question as a talking point."""
    if len(terms) < 2:
        return question
    shown = ", ".join(terms[:3])
    point = TalkingPoint(id="job_requirements", label=f"Connects the answer to the job's requirements ({shown})",
                         keywords=terms, weight=1 if question.kind is Kind.behavioral else 2,
                         follow_up=f"This role asks for {shown}. How does your experience there bear on this?")
    return question.model_copy(update={"points": [*question.points, point]})
