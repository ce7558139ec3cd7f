"""Classify a candidate's message: an answer, a request to the interviewer, or something else.

Every pattern is matched on word boundaries ("backend" never ends an interview, "skipped" in an
answer is not a skip). A request counts as a clear phrase in a short message ("can we skip this
one?") or as a word that opens a short message ("Pass, next one"); a command word inside an answer
("I would pass the ticket on") is part of the answer. Manipulation counts anywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .language import not_english
from .models import Intent
from .text import content_stems, word_count
from .wordlike import mash_ratio

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
# Each request has phrases, unambiguous anywhere in a short message ("can we skip this one?"), and
# openers, words that are a request only when they open the message ("Pass, next one please") but
# ordinary words inside an answer ("I would pass the ticket to tier 2").
REQUESTS: dict[Intent, tuple[re.Pattern[str], re.Pattern[str]]] = {
    Intent.end: (
        _rx(r"end (?:the|this|my|our) (?:interview|session|practice)", r"(?:let'?s|can we|could we|i want to|i'd like to|i would like to) (?:stop|end|finish|wrap up|quit)(?: (?:here|now|the interview|this))?",
            r"stop (?:the|this) (?:interview|session)", r"i'?m done for (?:now|today)", r"i am done for (?:now|today)", r"finish (?:the|this) (?:interview|session)", r"that'?s (?:all|enough) for (?:now|today)",
            r"no more questions", r"show (?:me )?(?:my|the) (?:report|feedback|results?)"),
        _rx(r"i'?m done", r"i am done", r"quit", r"exit", r"stop", r"end (?:it )?(?:now|here)", r"wrap (?:it )?up", r"finish"),
    ),
    Intent.skip: (
        _rx(r"skip (?:this|that|it|the question|this one)", r"(?:can|could) (?:we|i) skip", r"let'?s skip", r"i(?:'d| would) like to skip", r"i want to skip",
            r"next question", r"(?:can|could) we move on", r"let'?s move on", r"go to the next (?:one|question)", r"(?:ask me )?(?:another|a different) question"),
        _rx(r"skip", r"pass", r"next", r"move on"),
    ),
    Intent.repeat: (
        _rx(r"repeat (?:that|the question|it|yourself)", r"(?:can|could|would) you repeat", r"say (?:that|it) again", r"(?:what|which) was the question",
            r"didn'?t (?:hear|catch) (?:that|it|you|the question)"),
        _rx(r"repeat", r"come again", r"pardon(?: me)?", r"one more time", r"sorry\?"),
    ),
    Intent.clarify: (
        _rx(r"what do you mean", r"what does (?:that|it|this) mean", r"(?:can|could|would) you (?:please )?(?:explain|rephrase|reword|clarify|elaborate on) (?:the|that|this|your) question",
            r"(?:can|could|would) you (?:please )?(?:rephrase|reword|clarify)", r"please (?:rephrase|reword|clarify)", r"rephrase (?:the|that|your) question",
            r"i (?:don'?t|do not) (?:understand|get) (?:the|your|this|that) question", r"what are you (?:asking|looking for)",
            r"(?:what|which) (?:kind|sort) of (?:answer|example|situation) (?:do you|are you)", r"could you be more specific", r"not sure what you(?:'re| are) asking"),
        _rx(r"clarify", r"rephrase", r"i (?:don'?t|do not) understand", r"i (?:don'?t|do not) get it", r"huh"),
    ),
    Intent.hint: (
        _rx(r"(?:give|get|have|need|want) (?:me )?(?:a |any |some |another )?(?:hint|clue|nudge)s?", r"any (?:hints?|tips?|clues?)", r"(?:can|could) you help(?: me)?",
            r"help me(?: out| with this)", r"where (?:do|should) i (?:start|begin)", r"(?:no idea|not sure|(?:don'?t|do not) know) (?:how|what) to (?:answer|start|say|approach)", r"(?:another|other|one more) (?:hint|clue)"),
        _rx(r"hints?", r"clue", r"nudge", r"help", r"i'?m stuck", r"i am stuck", r"i (?:don'?t|do not) know", r"no idea", r"idk", r"i dunno", r"dunno", r"no clue"),
    ),
}
REQUEST_WORDS = 20  # a phrase counts as a request only in a message this short
OPENER_TAIL = 6  # an opener counts only when at most this many words follow it
LEAD_IN = re.compile(r"^(?:(?:ok(?:ay)?|sorry|um+|uh+|well|so|alright|honestly|actually|hmm+|yeah|please|right|oh)\b[\s,.!]*)+", re.IGNORECASE)
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
    if request := _request(text, words):
        return request
    if lang := not_english(text):
        return Detection(Intent.other_language, lang)
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


def _request(text: str, words: int) -> Detection | None:
    """Return the request the message makes to the interviewer, if it is one."""
    for intent, (phrases, openers) in REQUESTS.items():
        if words <= REQUEST_WORDS and (m := phrases.search(text)):
            return Detection(intent, m.group())
        opening = LEAD_IN.sub("", text)
        if (m := openers.match(opening)) and word_count(opening[m.end():]) <= OPENER_TAIL:
            return Detection(intent, m.group())
    return None


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
