"""Word-level text analysis: tokens with positions, light stemming, phrase search, fillers, quotes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

WORD_RE = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")
SENTENCE_RE = re.compile(r"[^.!?\n]+[.!?]*")

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had
    has have having he her here hers herself him himself his how i if in into is it its itself just
    me more most my myself no nor not now of off on once only or other our ours ourselves out over
    own same she should so some such than that the their theirs them themselves then there these
    they this those through to too under until up very was we were what when where which while who
    whom why will with would you your yours yourself yourselves i'm i've i'd it's that's don't didn't
    also really well yeah okay ok get got like one thing things lot""".split()
)

# Multi-word fillers come first so "you know" is counted once, not as two words.
FILLERS = ("you know", "i mean", "sort of", "kind of", "um", "uh", "umm", "uhm", "erm", "er", "ah",
           "hmm", "basically", "literally", "actually")
# "like" is a filler only when set off by a comma ("it was like, huge"), not in "I like Python".
FILLER_LIKE_RE = re.compile(r"(?:,\s*like\b|\blike\s*,)", re.IGNORECASE)
HEDGES = ("i think", "i guess", "i believe", "i suppose", "i'm not sure", "not sure", "maybe",
          "probably", "perhaps", "hopefully", "somewhat", "might")


def stem(word: str) -> str:
    """Reduce a word to a crude stem so 'reproduced', 'reproducing' and 'reproduce' agree."""
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    w = w.replace("'", "")
    if len(w) <= 3:
        return w
    for suffix, repl, min_len in (("ies", "y", 5), ("ied", "y", 5), ("ing", "", 6), ("ed", "", 5),
                                  ("es", "", 5), ("s", "", 4)):
        if w.endswith(suffix) and len(w) >= min_len and not w.endswith(("ss", "us", "is")):
            if suffix == "es" and not re.search(r"(s|x|z|ch|sh)es$", w):
                continue
            w = w[: len(w) - len(suffix)] + repl
            break
    if len(w) > 4 and w[-1] == w[-2] and w[-1] not in "lsz":
        w = w[:-1]
    if len(w) > 4 and w.endswith("e"):
        w = w[:-1]
    return w


@dataclass(frozen=True, slots=True)
class Token:
    """One word of a text with its stem and character span."""

    text: str
    stem: str
    start: int
    end: int


@lru_cache(maxsize=512)
def tokens(text: str) -> tuple[Token, ...]:
    """Split text into words with stems and spans."""
    return tuple(Token(m.group(), stem(m.group()), m.start(), m.end()) for m in WORD_RE.finditer(text))


@lru_cache(maxsize=4096)
def phrase_stems(phrase: str) -> tuple[str, ...]:
    """Return the stems of a keyword phrase."""
    return tuple(t.stem for t in tokens(phrase))


def find_phrase(toks: tuple[Token, ...], phrase: str) -> tuple[int, int] | None:
    """Return the character span of the first whole-word occurrence of phrase, if any."""
    want = phrase_stems(phrase)
    n = len(want)
    if not n:
        return None
    for i in range(len(toks) - n + 1):
        if toks[i].stem == want[0] and all(toks[i + j].stem == want[j] for j in range(1, n)):
            return toks[i].start, toks[i + n - 1].end
    return None


def count_phrases(text: str, phrases: tuple[str, ...]) -> dict[str, int]:
    """Count whole-word, non-overlapping occurrences of each phrase, longest phrases first."""
    words = [t.text.lower().replace("’", "'") for t in tokens(text)]
    used = [False] * len(words)
    counts: dict[str, int] = {}
    for phrase in sorted(phrases, key=lambda p: -len(p.split())):
        parts = phrase.split()
        n = len(parts)
        for i in range(len(words) - n + 1):
            if words[i : i + n] == parts and not any(used[i : i + n]):
                counts[phrase] = counts.get(phrase, 0) + 1
                used[i : i + n] = [True] * n
    return counts


def filler_counts(text: str) -> dict[str, int]:
    """Count filler words and phrases, multi-word fillers included."""
    counts = count_phrases(text, FILLERS)
    likes = len(FILLER_LIKE_RE.findall(text))
    if likes:
        counts["like"] = likes
    return counts


NUMBER_WORDS = {w: str(i) for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve".split())}
NUMBER_WORDS |= {"once": "1", "twice": "2"}


RARITY_PIVOT = 8.0  # Zipf frequency (log10 per billion words) at which a word would say nothing: "the" is 7.7
RARITY_RANGE = (0.25, 1.5)  # the commonest words count a quarter ("use" about half), rare terms at most one and a half


@lru_cache(maxsize=65536)
def rarity(word: str) -> float:
    """How much a word says about what an answer knows (inverse frequency, as IDF weighting), 1 for a Zipf-4 word.

    Frequencies come from ``wordfreq`` (its data ships in the wheel); without it every word weighs 1.
    """
    try:
        from wordfreq import zipf_frequency
    except ImportError:  # pragma: no cover - a declared dependency; words then weigh alike
        return 1.0
    z = zipf_frequency(word, "en")
    lo, hi = RARITY_RANGE
    return min(hi, max(lo, (RARITY_PIVOT - z) / (RARITY_PIVOT - 4.0)))


def content_weights(text: str) -> dict[str, float]:
    """The stems of ``content_stems(text, numbers=True)``, each weighted by the rarest word it stands for."""
    out: dict[str, float] = {}
    for s, w in _content_words(text):
        out[s] = max(out.get(s, 0.0), rarity(w))
    return out


def _content_words(text: str):
    """(stem, lower-case word) of each content word, numbers kept as digits whether written as digits or words."""
    for t in tokens(text):
        w = t.text.lower()
        if w in NUMBER_WORDS:
            yield NUMBER_WORDS[w], w
        elif w.isdigit():
            yield w, w
        elif w not in STOPWORDS and len(w) > 2:
            yield t.stem, w


def content_stems(text: str, *, numbers: bool = False) -> set[str]:
    """Return the stems of the non-stopword words of a text.

    With ``numbers``, numbers are kept too, as digits whether written as digits or as words ("two" and "2" agree).
    """
    if not numbers:
        return {t.stem for t in tokens(text) if t.text.lower() not in STOPWORDS and len(t.text) > 2}
    return {s for s, _ in _content_words(text)}


def sentences(text: str) -> list[tuple[int, int]]:
    """Return the character spans of the sentences of a text."""
    return [(m.start(), m.end()) for m in SENTENCE_RE.finditer(text) if m.group().strip()]


def quote(text: str, start: int, end: int, limit: int = 140) -> str:
    """Return the sentence around a span, trimmed to about ``limit`` characters, verbatim."""
    s, e = next(((a, b) for a, b in sentences(text) if a <= start < b), (start, end))
    if e - s > limit:
        half = max(0, (limit - (end - start)) // 2)
        s, e = max(s, start - half), min(e, end + half)
        # Cut on word boundaries so the quote never splits a word.
        while s > 0 and text[s - 1].isalnum() and s < start:
            s += 1
        while e < len(text) and text[e].isalnum() and e > end:
            e -= 1
    return text[s:e].strip()


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def escape_markdown(text: str) -> str:
    """Escape Markdown so user text inside a Markdown string shows literally (headings, labels)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def word_count(text: str) -> int:
    """Count the words of a text."""
    return len(tokens(text))
