"""Tell words from keyboard mash with a character trigram model trained on English text."""

from __future__ import annotations

import math
from collections import Counter
from functools import lru_cache

from .text import tokens

# Everyday English the bank text may lack (small talk, questions, answers); the bank adds the rest.
SEED_TEXT = """
Thank you for having me. I am happy to be here today and I would like to talk about my experience.
At my last job I worked with customers, managers and developers to ship products on time. When
there was a problem I asked questions, listened, took notes and followed up with everyone. Could you
please repeat the question? I did not understand what you mean. What is the weather like where you
live? My favourite football team won the game last night and we had pizza to celebrate the weekend.
I enjoy reading books, watching movies, cooking dinner, running, hiking and travelling with family
and friends. The quick brown fox jumps over the lazy dog. Numbers grew quickly through the year,
revenue increased, costs dropped, and the whole group learned something new every single month.
Yesterday was strange: my phone broke, the train was late, but the coffee shop around the corner
was open, so everything turned out fine. Which skills matter most for this position and why?
"""
# Names of tools and platforms candidates mention, which no English text would teach the model.
TOOL_WORDS = frozenset("""jenkins nginx kotlin kafka redis docker kubernetes terraform ansible grafana prometheus datadog
splunk jira confluence github gitlab bitbucket salesforce hubspot zendesk intercom freshdesk tableau looker powerbi figma
sketch excel sheets notion slack trello asana pytorch tensorflow sklearn scikit pandas numpy matplotlib jupyter databricks
snowflake bigquery redshift postgres postgresql mysql sqlite mongodb dynamodb cassandra elasticsearch graphql grpc kotlin
swift scala golang rust typescript javascript nodejs react angular vue django flask fastapi rails laravel spring dotnet
azure gcp aws lambda heroku vercel netlify shopify stripe marketo mailchimp semrush ahrefs hootsuite canva quickbooks
sap oracle workday linkedin tiktok instagram youtube facebook gmail outlook zoom teams webex""".split())
# Chat words that are real but spelled like nothing in a book.
CHAT_WORDS = frozenset("""idk dunno lol lmao hmm hmmm umm uhm uh um er erm ok okay yeah yep yup nope nah btw tbh imo imho
thx thanks pls plz ty np gonna wanna gotta kinda sorta ya yo hey hi hello bye wow oops ugh meh huh aha""".split())
BOUNDARY = "^"
ALPHABET = "abcdefghijklmnopqrstuvwxyz" + BOUNDARY
# Mean log-probability per character transition below which a word looks like mash. Ordinary
# words score around -2.4; strings like "asdfgh" and "qwzxv" score under -3.6.
THRESHOLD = -3.35


class CharModel:
    """A smoothed character trigram model of English words."""

    def __init__(self, text: str) -> None:
        self.tri: Counter[str] = Counter()
        self.bi: Counter[str] = Counter()
        self.vocabulary: set[str] = set()
        for tok in tokens(text.lower()):
            self.vocabulary.add(tok.text)
            w = _padded(tok.text)
            if w is None:
                continue
            for i in range(len(w) - 2):
                self.tri[w[i : i + 3]] += 1
                self.bi[w[i : i + 2]] += 1

    def score(self, word: str) -> float:
        """Return the mean log-probability per transition of a word (higher is more English)."""
        w = _padded(word.lower())
        if w is None:
            return 0.0
        total = 0.0
        for i in range(len(w) - 2):
            total += math.log((self.tri[w[i : i + 3]] + 0.1) / (self.bi[w[i : i + 2]] + 0.1 * len(ALPHABET)))
        return total / (len(w) - 2)


def _padded(word: str) -> str | None:
    letters = "".join(c for c in word.lower() if c.isascii() and c.isalpha())
    return f"{BOUNDARY}{BOUNDARY}{letters}{BOUNDARY}" if letters else None


@lru_cache(maxsize=1)
def default_model() -> CharModel:
    """Build the model from the seed text and the question bank's own text."""
    text = SEED_TEXT
    try:
        from .bank import load_bank

        for bank in load_bank().values():
            text += " ".join(bank.role.keywords)
            for q in bank.questions:
                text += " ".join([q.text, q.clarification, q.hint, *q.model_answer])
    except Exception:  # noqa: BLE001 - a broken bank is reported by bank tests; mash detection still works
        pass
    return CharModel(text)


def looks_like_mash(word: str, model: CharModel | None = None) -> bool:
    """Return True when an alphabetic word is unlikely to be a real word."""
    letters = "".join(c for c in word.lower() if c.isalpha())
    model = model or default_model()
    if len(letters) <= 2 or word.lower() in model.vocabulary or word.lower() in CHAT_WORDS or word.lower() in TOOL_WORDS:
        return False
    if word.isupper() and len(word) <= 5 or any(c.isdigit() for c in word):
        return False  # acronyms (SQL, KPI) and tech names (k8s, s3) are typed on purpose
    if len(set(letters)) == 1 or any(letters.count(c * 4) for c in set(letters)):
        return True
    if len(letters) >= 5 and not any(v in letters for v in "aeiouy"):
        return True
    return model.score(letters) < THRESHOLD


def mash_ratio(text: str, model: CharModel | None = None) -> float:
    """Return the share of alphabetic words in text that look like keyboard mash."""
    words = [t.text for t in tokens(text) if any(c.isalpha() for c in t.text)]
    if not words:
        return 1.0
    # A capitalised word after the first is a name typed on purpose (people, products, places).
    return sum(looks_like_mash(w, model) and not (i and w.istitle()) for i, w in enumerate(words)) / len(words)
