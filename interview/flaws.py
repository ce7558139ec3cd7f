"""Find misconceptions and red flags in an answer: curated claims and conduct, matched sentence by sentence.

A flaw's triggers are phrases ("blamed the customer") or conjunctions of phrases that must meet in one sentence
("lookup + log n"). Words are compared after light stemming, so "blamed", "blames" and "blaming" agree. A phrase
straight after a negation ("I never blamed", "instead of blaming", "it is not O(n log n)") does not count: the
candidate is rejecting the flaw, not showing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .models import Flaw, Kind, Question
from .text import Token, find_phrase, phrase_stems, sentences, tokens

NEGATORS = frozenset(stem for w in """not never no nor neither without don't didn't doesn't isn't wasn't aren't weren't
    won't wouldn't can't cannot couldn't shouldn't mustn't avoid avoided avoiding refrain stop stopped nobody""".split()
                     for stem in phrase_stems(w))
NEGATING_PHRASES = (("instead", "of"), ("rather", "than"), ("as", "opposed", "to"), ("far", "from"))
NEGATION_WINDOW = 4  # tokens before a phrase in which a negator cancels it

_F = Flaw
# Conduct any interviewer counts against, on every behavioral and situational question (the bank adds its own).
COMMON_RED_FLAGS: list[Flaw] = [
    _F(id="blames_others", claim="Blames other people for the problem",
       correction="Say what you owned and did; describe others' part factually, without blame.",
       triggers=["their fault", "his fault", "her fault", "not my fault", "wasn't my fault", "blamed + them", "blamed + him",
                 "blamed + her", "blamed + team", "blamed + customer", "blamed + manager", "blamed + colleague",
                 "blamed + bank", "blamed + client", "blame + them", "blame + the customer", "blame + the bank"],
       follow_up="Looking back, what part of that situation was yours to own, and what would you do differently?"),
    _F(id="refuses", claim="Refuses to help or to take the problem on",
       correction="Show how you took the problem on, or found who could, even when it was not strictly your job.",
       triggers=["not my job", "not my problem", "not my responsibility", "refused to help", "i refused", "told them to deal with it",
                 "told him to deal with it", "told her to deal with it", "i just ignored", "ignored them", "ignored the customer"],
       follow_up="If it happened again, how would you make sure the problem still got solved?"),
    _F(id="hangs_up", claim="Ends the conversation on the person (hangs up, walks away)",
       correction="Stay with the person, calm the conversation and agree a next step before it ends.",
       triggers=["hung up", "hang up on", "hanging up on", "walked away from + customer", "walked out", "stormed out",
                 "slammed the phone"],
       follow_up="What could you have done to keep that conversation going towards a solution?"),
    _F(id="badmouths", claim="Speaks badly of a former employer, manager or colleagues",
       correction="Describe past employers and colleagues with respect; focus on the situation and what you did.",
       triggers=["my boss was an idiot", "manager was an idiot", "were idiots", "was an idiot", "were stupid", "was stupid",
                 "were useless", "was useless", "was incompetent", "were incompetent", "was lazy", "were lazy",
                 "hated my boss", "hated my manager", "terrible company", "worst manager", "awful boss"],
       follow_up="How would you describe that working relationship to the person involved, fairly?"),
    _F(id="takes_credit", claim="Takes credit for other people's work",
       correction="Be clear about your own contribution and credit what others did.",
       triggers=["took credit", "take credit + their", "presented + their work as mine", "claimed + their work",
                 "said it was my idea", "passed it off as mine"],
       follow_up="Who else contributed, and what exactly was your own part?"),
    _F(id="dishonest", claim="Hides or fakes something at work",
       correction="Be open about problems and mistakes: say how you raised them and fixed them.",
       triggers=["covered it up", "cover it up", "hid the mistake", "hid it from", "lied to", "faked the", "made up the numbers",
                 "nobody would notice", "no one would notice", "nobody noticed"],
       follow_up="How would you handle it if you had to be fully open about it?"),
]


@dataclass(frozen=True, slots=True)
class FlawHit:
    """A flaw found in an answer, with the sentence that shows it."""

    flaw: Flaw
    kind: str  # "misconception" or "red_flag"
    quote: str


@lru_cache(maxsize=2048)
def _parts(trigger: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in trigger.split("+") if p.strip())


def _negated(toks: tuple[Token, ...], start: int) -> bool:
    i = next((k for k, t in enumerate(toks) if t.start == start), None)
    if i is None:
        return False
    before = [t.stem for t in toks[max(0, i - NEGATION_WINDOW): i]]
    if any(b in NEGATORS for b in before):
        return True
    lowered = [t.text.lower() for t in toks[max(0, i - NEGATION_WINDOW): i]]
    return any(tuple(lowered[k:k + len(p)]) == p for p in NEGATING_PHRASES for k in range(len(lowered)))


def _phrase_in(toks: tuple[Token, ...], phrase: str) -> bool:
    """True when the phrase occurs in the tokens, not straight after a negation."""
    offset = 0
    while offset < len(toks):
        span = find_phrase(toks[offset:], phrase)
        if not span:
            return False
        if not _negated(toks, span[0]):
            return True
        offset = next(k for k, t in enumerate(toks) if t.start == span[0]) + 1
    return False


def trigger_in(sentence: str, trigger: str) -> bool:
    """True when every part of a trigger occurs in the sentence, none of them negated."""
    toks = tokens(sentence)
    return all(_phrase_in(toks, part) for part in _parts(trigger))


def flaws_of(question: Question) -> list[tuple[str, Flaw]]:
    """Every flaw an answer to this question is checked for: its misconceptions, its red flags and the common ones."""
    found: list[tuple[str, Flaw]] = [("misconception", f) for f in question.misconceptions]
    found += [("red_flag", f) for f in question.red_flags]
    if question.kind in (Kind.behavioral, Kind.situational):
        own = {f.id for f in question.red_flags}
        found += [("red_flag", f) for f in COMMON_RED_FLAGS if f.id not in own]
    return found


def find_flaws(question: Question, answer: str) -> list[FlawHit]:
    """Return the flaws an answer shows, each once, with the first sentence that shows it."""
    spans = [answer[s:e].strip() for s, e in sentences(answer)]
    hits = []
    for kind, flaw in flaws_of(question):
        sentence = next((s for s in spans if any(trigger_in(s, t) for t in flaw.triggers)), None)
        if sentence:
            hits.append(FlawHit(flaw=flaw, kind=kind, quote=sentence[:200]))
    return hits
