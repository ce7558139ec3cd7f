"""Agreement of the answer scorer with human graders, beside a word-overlap baseline in the same run.

    python benchmarks/grading.py [--data ../shared/data/grading/mohler_dev.jsonl] [--limit N]

The data (see its README) holds short answers to computer-science questions, each with the instructor's reference
answer and the mean of two human grades (0-5). The scorer sees the question and the reference answer (as
``evaluate --reference`` does), never the grades: zero-shot. Printed: Pearson and Spearman of the 0-100 score against
``human_score`` for the scorer and for the baseline (the share of the reference answer's content words that the
answer contains), their ratio, and the scorer's time per answer.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
from pathlib import Path

import numpy as np

from interview import semantic
from interview.service import evaluate_answer

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "grading" / "mohler_dev.jsonl"
STOP = set("a an the of to in on for and or is are be by with as at it its this that from which can may into than then "
           "there their they them these those was were will would should could do does did has have had not no".split())


def words(text: str) -> set[str]:
    """Lower-case content words."""
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOP}


def overlap(answer: str, reference: str) -> float:
    """The baseline: the share of the reference answer's content words present in the answer, 0-100."""
    ref = words(reference)
    return 100.0 * len(ref & words(answer)) / len(ref) if ref else 0.0


def ranks(values: list[float]) -> np.ndarray:
    """Average ranks (ties share their mean rank), as Spearman's correlation needs."""
    order = np.argsort(values, kind="mergesort")
    out = np.empty(len(values))
    sorted_values = np.asarray(values)[order]
    i = 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and sorted_values[j + 1] == sorted_values[i]:
            j += 1
        out[order[i:j + 1]] = (i + j) / 2
        i = j + 1
    return out


def pearson(x, y) -> float:
    x, y = np.asarray(x, float), np.asarray(y, float)
    if x.std() == 0 or y.std() == 0:
        return 0.0
    return float(np.corrcoef(x, y)[0, 1])


def spearman(x, y) -> float:
    return pearson(ranks(list(x)), ranks(list(y)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="JSON lines: question, reference_answer, answer, human_score")
    parser.add_argument("--limit", type=int, default=0, help="only the first N answers (0: all)")
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.data.read_text().splitlines() if line.strip()]
    rows = rows[: args.limit] if args.limit else rows
    human = [r["human_score"] for r in rows]
    base = [overlap(r["answer"], r["reference_answer"]) for r in rows]
    started = time.perf_counter()
    ready = semantic.wait()
    load_s = time.perf_counter() - started
    evaluate_answer("Software Engineer", rows[0]["question"], rows[0]["answer"])  # warm: bank load, first import
    scores, times, unscored = [], [], 0
    for r in rows:
        started = time.perf_counter()
        out = evaluate_answer("Software Engineer", r["question"], r["answer"], reference=r["reference_answer"])
        times.append((time.perf_counter() - started) * 1000)
        if out["score"] is None:  # not judged (e.g. taken for another language): the lowest score, as a grader would
            unscored += 1
        scores.append(out["score"] or 0)
    s_sp, b_sp = spearman(scores, human), spearman(base, human)
    print(f"{len(rows)} answers to {len({r['question_id'] for r in rows})} questions ({args.data.name}), zero-shot")
    print(f"  scorer:   Spearman {s_sp:.4f}  Pearson {pearson(scores, human):.3f}")
    print(f"  baseline: Spearman {b_sp:.3f}  Pearson {pearson(base, human):.3f}  (reference-word overlap)")
    print(f"  scorer/baseline Spearman: {s_sp / b_sp:.2f}x (goal: Spearman >= 0.65)")
    print(f"  assessor: {semantic.status() if ready else 'words only: ' + semantic.status()} (model ready in {load_s:.2f} s); "
          f"{unscored} answers not scored")
    print(f"  scorer time per answer: p50 {statistics.median(times):.2f} ms, p95 {sorted(times)[int(0.95 * (len(times) - 1))]:.2f} ms")


if __name__ == "__main__":
    main()
