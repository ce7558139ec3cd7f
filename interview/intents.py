"""Classify a candidate's message: an answer, a request to the interviewer, or something else.

Every pattern is matched on word boundaries ("backend" never ends an interview, "skipped" in an
answer is not a skip). Requests such as skip or end count only in a short message or at its start,
so an answer that mentions "skip" in passing is still an answer. Manipulation counts anywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .models import Intent
from .text import content_stems, word_count
from .wordlike import mash_ratio

SHORT = 14  # a request to the interviewer is short; longer messages are answers
# A message that is nothing but one of these words is that request.
BARE_COMMANDS = {"end": Intent.end, "stop": Intent.end, "finish": Intent.end, "done": Intent.end,
                 "quit": Intent.end, "exit": Intent.end, "skip": Intent.skip, "pass": Intent.skip,
                 "next": Intent.skip, "repeat": Intent.repeat, "again": Intent.repeat,
                 "hint": Intent.hint, "help": Intent.hint, "clarify": Intent.clarify, "huh": Intent.clarify}


def _rx(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(rf"(?:\b{p}\b)" for p in patterns), re.IGNORECASE)


MANIPULATION = _rx(
    r"ignore (?:all |any |the |your |my )?(?:previous |prior |above |earlier )?(?:instructions|rules|prompts?)",
    r"disregard (?:all |the |your |previous |prior )*(?:instructions|rules|rubric|prompts?)",
    r"(?:forget|override|bypass) (?:all |the |your )*(?:instructions|rules|rubric|scoring|prompts?)",
    r"system prompt", r"jailbreak", r"(?:you are|you're) now (?:a|an|my|in)", r"pretend (?:to be|you are|you're)",
    r"(?:give|gimme|award|grant) me (?:a |an |the )?(?:perfect|full|maximum|max|top|high|highest|10|100|five|5)(?:/\d+| out of \d+)?(?: ?%)?(?: score| marks?| points?| rating| grade|/10|/5)?",
    r"(?:score|rate|grade|mark) (?:me|this|that|my|it)(?: answers?| responses?)? (?:as |at |with )?(?:a |an )?(?:10|100|5|five|ten|perfect|full marks|excellent|correct|passed?)",
    r"(?:set|change|make|update) (?:my|the) (?:score|rating|grade)",
    r"mark (?:this|it|my answer) as (?:correct|perfect|passed)", r"(?:i|you) (?:deserve|should get) (?:a )?(?:perfect|full|100|10)",
    r"reveal (?:the|your) (?:rubric|answers?|prompt)", r"developer mode enabled", r"admin override",
)
END = _rx(
    r"end (?:the|this|my)? ?(?:interview|session|practice)(?: now| here| early)?", r"(?:let'?s|can we|i want to|i'd like to|please) (?:stop|end|finish|wrap up|quit)",
    r"stop (?:the|this)? ?(?:interview|session)", r"finish (?:the|this)? ?(?:interview|session)(?: now| early)?",
    r"i'?m done(?: for (?:now|today))?", r"i am done(?: for (?:now|today))?", r"that'?s (?:all|enough) for (?:now|today)",
    r"quit", r"exit", r"wrap (?:it )?up", r"end (?:it )?(?:now|here)", r"no more questions", r"show (?:me )?(?:my|the) (?:report|feedback|results?)",
)
SKIP = _rx(r"skip(?: (?:this|that|it|the question|this one|please))?", r"next question", r"pass", r"move on", r"(?:can we |let'?s )?go to the next (?:one|question)", r"another question", r"different question")
REPEAT = _rx(r"repeat(?: (?:that|the question|it|please))?", r"say (?:that|it) again", r"(?:what|which) was the question", r"come again", r"pardon(?: me)?", r"one more time", r"didn'?t (?:hear|catch) (?:that|it|you)")
HINT = _rx(r"(?:a |any |some )?hints?", r"(?:a |any )?clue", r"nudge", r"help me(?: out)?", r"where (?:do|should) i (?:start|begin)", r"i'?m stuck", r"i am stuck",
           r"i (?:don'?t|do not) know(?: what to say| how to answer| where to start)?", r"no idea", r"idk", r"i dunno", r"dunno", r"no clue", r"not sure how to (?:answer|start)", r"any tips?")
CLARIFY = _rx(r"clarify", r"what do you mean", r"what does (?:that|it|this) mean", r"(?:can|could) you (?:explain|rephrase|reword|elaborate on) (?:the|that|this|your)? ?(?:question)?",
              r"rephrase", r"reword", r"i (?:don'?t|do not) (?:understand|get) (?:the|your|this|that)? ?(?:question)?", r"what are you (?:asking|looking for)",
              r"(?:what|which) (?:kind|sort) of (?:answer|example|situation) (?:do you|are you)", r"could you be more specific", r"meaning\?")
OUT_OF_SCOPE = _rx(
    r"(?:can|could|will|would) you (?:please )?(?:write|fix|edit|rewrite|polish) (?:my|a|me a) (?:resume|résumé|cv|cover letter|essay|email|homework)",
    r"(?:apply|submit an application) (?:to|for) (?:the|this|a) job for me", r"(?:book|order|buy|send|email|call) (?:me )?(?:a|an|the|my)",
    r"what(?:'s| is) the (?:weather|time|date|news|stock price)", r"tell me a (?:joke|story|poem)", r"(?:write|compose) (?:me )?a (?:poem|song|story|joke)",
    r"translate", r"what(?:'s| is) the salary", r"how much does (?:this|the) (?:job|role) pay", r"(?:find|get) me a job", r"do my homework",
    r"(?:recommend|suggest) (?:a|some) (?:movie|movies|restaurant|restaurants|book|books|song|songs)", r"(?:who|what) (?:won|is winning) the",
)
SMALL_TALK = _rx(
    r"how are you(?: doing| today)?", r"what'?s your name", r"who (?:are|made|built) you", r"are you (?:a robot|an ai|human|real)", r"do you (?:like|enjoy|watch|play)",
    r"nice weather", r"(?:i|we) (?:had|ate) (?:pizza|lunch|dinner|breakfast)", r"did you (?:see|watch) the (?:game|match|movie|show)",
    r"my (?:cat|dog|weekend|vacation|holiday)", r"what did you do (?:this|last) weekend", r"(?:good|great) (?:morning|afternoon|evening)", r"lol", r"haha+",
)
THINKING = frozenset("hmm hmmm umm uhm let think yes yeah yep sure okay alright right well good fine moment second sec".split())
OFF_TOPIC_WORDS = frozenset(
    "pizza burger lunch dinner breakfast football soccer basketball baseball game match movie movies film netflix tv weather "
    "rain sunny weekend vacation holiday beach cat dog pet birthday party music concert song band video videogame gaming "
    "recipe cooking restaurant coffee beer wine politics election celebrity".split()
)


@dataclass
class IntentContext:
    """What the classifier knows about the conversation: the words that make an answer relevant."""

    relevant_stems: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Detection:
    """The detected intent, and the text that gave it away."""

    intent: Intent
    matched: str = ""


def detect_intent(message: str, context: IntentContext | None = None) -> Detection:
    """Return what the candidate's message is trying to do."""
    text = message.replace("’", "'").strip()
    if not text or not any(c.isalnum() for c in text):
        return Detection(Intent.gibberish if text else Intent.empty, text[:40])
    if m := MANIPULATION.search(text):
        return Detection(Intent.manipulation, m.group())
    bare = re.sub(r"[^a-z ]", "", text.lower()).replace("please", "").strip()
    if bare in BARE_COMMANDS:
        return Detection(BARE_COMMANDS[bare], text)
    words = word_count(text)
    head = " ".join(text.split()[:6])
    for intent, pattern in ((Intent.end, END), (Intent.skip, SKIP), (Intent.repeat, REPEAT),
                            (Intent.clarify, CLARIFY), (Intent.hint, HINT)):
        m = pattern.search(text) if words <= SHORT else pattern.match(head)
        if m and (words <= SHORT or _is_request(text, m)):
            return Detection(intent, m.group())
    if mash_ratio(text) >= 0.5:
        return Detection(Intent.gibberish, text[:40])
    if words <= 6 and not _content_words(text):
        return Detection(Intent.empty, text)  # "ok", "yes", "hmm, let me think": no answer yet
    if words <= 25 and (m := OUT_OF_SCOPE.search(text)):
        return Detection(Intent.out_of_scope, m.group())
    if _off_topic(text, words, context):
        return Detection(Intent.off_topic, text[:40])
    return Detection(Intent.answer)


def _content_words(text: str) -> set[str]:
    return {s for s in content_stems(text) if s not in THINKING}


def _is_request(text: str, m: re.Match[str]) -> bool:
    """A long message counts as a request only when it opens with one and says little else."""
    rest = text[m.end():]
    return m.start() == 0 and word_count(rest) <= 6


def _off_topic(text: str, words: int, context: IntentContext | None) -> bool:
    if words <= 25 and SMALL_TALK.search(text):
        return not _relevant(text, context, at_least=2)
    stems = content_stems(text)
    chatty = {s for s in stems if s in OFF_TOPIC_WORDS or s.rstrip("s") in OFF_TOPIC_WORDS}
    if not chatty or words > 40 or len(chatty) < 0.2 * len(stems):
        return False
    return not _relevant(text, context, at_least=1)


def _relevant(text: str, context: IntentContext | None, *, at_least: int) -> bool:
    if context is None:
        return False
    return len(content_stems(text) & context.relevant_stems) >= at_least
