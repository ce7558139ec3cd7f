"""Tell whether an answer is in English, so one in another language gets a clear message instead of a wrong score.

Uses lingua (``lingua-language-detector``), whose models ship inside its wheel, in its low-accuracy mode
(trigram models only: about 40 MB, well under a millisecond a message) over the languages candidates most often
write in. A verdict needs agreement of two signals: lingua is confident the text is another language, and the
text has few English function words (so a list of English tool names or code never counts as German).
"""

from __future__ import annotations

import logging
import re
import threading

from .text import STOPWORDS

log = logging.getLogger(__name__)

NAMES = {"es": "Spanish", "fr": "French", "de": "German", "pt": "Portuguese", "it": "Italian", "nl": "Dutch",
         "pl": "Polish", "tr": "Turkish", "id": "Indonesian", "ru": "Russian", "zh": "Chinese", "ja": "Japanese",
         "ko": "Korean", "ar": "Arabic", "hi": "Hindi", "vi": "Vietnamese", "sv": "Swedish", "ro": "Romanian",
         "uk": "Ukrainian"}
# The commonest function words of the Latin-script languages lingua confuses most with lists of names: a verdict for
# one of them needs two of its own (a list of tools, "Kubernetes, Docker, Redis", has none).
FUNCTION_WORDS = {
    "es": "el la los las de que y en un una por con para es lo se del al mi yo no como pero más",
    "fr": "le la les de des et en un une que pour est je il nous dans du au avec pas ne ce qui sur",
    "de": "der die das und ich ist nicht ein eine zu mit den dem auf für es wir sie wie dann auch",
    "pt": "o a os as de que e em um uma não para com do da eu no na se por mais",
    "it": "il lo la di che e è un una per non con del della io sono nel gli le si",
    "nl": "de het een en van ik is niet dat op te met voor zijn we ze die",
}
MIN_CONFIDENCE = 0.8
MAX_ENGLISH_SHARE = 0.12  # share of English function words at or above which a text counts as English anyway
_lock = threading.Lock()
_detector = None
_failed = False
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")  # words in any alphabet ("reproduciría" stays whole)
_NON_LATIN = re.compile(r"[\u0400-\u04ff\u0600-\u06ff\u0900-\u097f\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def _get():
    global _detector, _failed
    with _lock:
        if _detector is None and not _failed:
            try:
                from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

                langs = [Language.ENGLISH, *(Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())) for code in NAMES)]
                _detector = LanguageDetectorBuilder.from_languages(*langs).with_low_accuracy_mode().build()
            except Exception as exc:  # noqa: BLE001 - without the detector every answer is taken as English
                _failed = True
                log.warning("Language detector unavailable; answers are taken as English: %s", exc)
        return _detector


def not_english(text: str) -> str | None:
    """The ISO 639-1 code of the language a message is written in, when that is clearly not English; else None."""
    words = _WORD.findall(text.lower())
    letters = _NON_LATIN.findall(text)
    if len(words) < 5 and len(letters) < 6:
        return None  # too short to judge ("ok", "O(n log n)", a name)
    if words and len(letters) < 6:
        english = sum(1 for w in words if w in STOPWORDS) / len(words)
        if english >= MAX_ENGLISH_SHARE:
            return None
    detector = _get()
    if detector is None:
        return None
    values = detector.compute_language_confidence_values(text)
    if not values:
        return None
    top = values[0]
    code = top.language.iso_code_639_1.name.lower()
    if code == "en" or top.value < MIN_CONFIDENCE:
        return None
    if code in FUNCTION_WORDS and len(set(words) & set(FUNCTION_WORDS[code].split())) < 2:
        return None
    return code


def message(code: str) -> str:
    """What the candidate is told about an answer in another language."""
    name = NAMES.get(code, "another language")
    return (f"Your answer looks like it is in {name}. This practice interview is in English and I can only assess "
            "answers in English, so this one was not scored. Could you give your answer in English?")
