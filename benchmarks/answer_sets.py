"""Strong, weak and adversarial answers across all 8 roles: orderings, and how much the score follows length.

    python benchmarks/answer_sets.py

The answer sets (tests/data/answers/<role>.json, written by hand per role) hold for each of five bank questions a
strong answer, one in other words (paraphrase), a weak one, a confidently wrong one, fluent filler, a bare keyword
list and a translation; the echo is the question itself. Printed: for how many questions the strong and the
paraphrased answer beat every adversarial one (wrong, filler, keywords, echo; the translation gets no score), the
mean score of each kind, and Pearson's r of score against word count over all scored answers, with the
embedding model and, as the baseline in the same run, by words alone (INTERVIEW_EMBEDDINGS=off).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from interview.bank import load_bank
from interview.engines.offline import other_questions
from interview.rubric import analyze
from interview.service import evaluate_answer

SETS = Path(__file__).resolve().parents[1] / "tests" / "data" / "answers"
KINDS = ("strong", "paraphrase", "weak", "wrong", "filler", "keywords", "echo")
ADVERSARIAL = ("wrong", "filler", "keywords", "echo")


def run() -> dict:
    by_id = {q.id: (q, b.role) for b in load_bank().values() for q in b.questions}
    items = [item for f in sorted(SETS.glob("*.json")) for item in json.loads(f.read_text())["items"]]
    scores = {k: [] for k in KINDS}
    lengths, values, strong_wins, para_wins, foreign_unscored = [], [], 0, 0, 0
    for item in items:
        q, role = by_id[item["question_id"]]
        row = {}
        for k in KINDS:
            text = q.text if k == "echo" else item[k]
            row[k] = analyze(q, text, role_keywords=role.keywords, others=other_questions(q)).overall
            scores[k].append(row[k])
            lengths.append(len(text.split()))
            values.append(row[k])
        worst = max(row[k] for k in ADVERSARIAL)
        strong_wins += row["strong"] > worst
        para_wins += row["paraphrase"] > worst
        foreign_unscored += evaluate_answer(role.name, q.text, item["foreign"]["text"])["score"] is None
    return {"n": len(items), "strong_wins": strong_wins, "para_wins": para_wins, "foreign": foreign_unscored,
            "means": {k: float(np.mean(v)) for k, v in scores.items()}, "r_length": float(np.corrcoef(lengths, values)[0, 1])}


def show(name: str, r: dict) -> None:
    print(f"{name}: {r['n']} questions over 8 roles")
    print(f"  strong beats every adversarial answer: {r['strong_wins']}/{r['n']}; in other words: {r['para_wins']}/{r['n']}")
    print(f"  translations not scored: {r['foreign']}/{r['n']}")
    print("  mean score: " + ", ".join(f"{k} {v:.0f}" for k, v in r["means"].items()))
    print(f"  Pearson r(score, word count): {r['r_length']:.2f} (goal |r| <= 0.4)")


def main() -> None:
    os.environ["INTERVIEW_EMBEDDINGS"] = "off"
    base = run()
    os.environ["INTERVIEW_EMBEDDINGS"] = "on"
    show("with the embedding model", run())
    show("baseline, words alone", base)


if __name__ == "__main__":
    main()
