"""Strong, weak and adversarial answers across all 8 roles: orderings, and how much the score follows length.

    python benchmarks/answer_sets.py

The answer sets (tests/data/answers/<role>.json, written by hand per role) hold for each of five bank questions a
strong answer, a strong one in 45-70 words (concise), one in other words (paraphrase), a weak one, a weak one
in 150-200 words (rambling: vague, repetitive, on topic), a confidently wrong one, fluent filler, a bare keyword
list and a translation; the echo is the question itself. Printed: for how many questions the strong and the
paraphrased answer beat every adversarial one (wrong, filler, keywords, echo; the translation gets no score), the
mean score of each kind, whether the better answer of each pair (strong/weak, concise/rambling) scores higher, and
Pearson's r of score against word count over the pairs (where length runs both with and against quality) and over
every scored answer, with the
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
KINDS = ("strong", "concise", "paraphrase", "weak", "rambling", "wrong", "filler", "keywords", "echo")
PAIRS = (("strong", "weak"), ("concise", "rambling"))  # better, worse: length runs with quality in one, against it in the other
ADVERSARIAL = ("wrong", "filler", "keywords", "echo")


def run() -> dict:
    by_id = {q.id: (q, b.role) for b in load_bank().values() for q in b.questions}
    items = [item for f in sorted(SETS.glob("*.json")) for item in json.loads(f.read_text())["items"]]
    scores = {k: [] for k in KINDS}
    lengths, values, pair_len, pair_val = [], [], [], []
    strong_wins = para_wins = concise_wins = pairs_right = foreign_unscored = 0
    for item in items:
        q, role = by_id[item["question_id"]]
        row = {}
        for k in KINDS:
            text = q.text if k == "echo" else item[k]
            row[k] = analyze(q, text, role_keywords=role.keywords, others=other_questions(q)).overall
            scores[k].append(row[k])
            lengths.append(len(text.split()))
            values.append(row[k])
            if any(k in pair for pair in PAIRS):
                pair_len.append(len(text.split()))
                pair_val.append(row[k])
        worst = max(row[k] for k in ADVERSARIAL)
        strong_wins += row["strong"] > worst
        para_wins += row["paraphrase"] > worst
        concise_wins += row["concise"] > worst
        pairs_right += sum(row[a] > row[b] for a, b in PAIRS)
        foreign_unscored += evaluate_answer(role.name, q.text, item["foreign"]["text"])["score"] is None
    return {"n": len(items), "strong_wins": strong_wins, "para_wins": para_wins, "concise_wins": concise_wins,
            "pairs_right": pairs_right, "foreign": foreign_unscored, "means": {k: float(np.mean(v)) for k, v in scores.items()},
            "r_pairs": float(np.corrcoef(pair_len, pair_val)[0, 1]), "r_all": float(np.corrcoef(lengths, values)[0, 1])}


def show(name: str, r: dict) -> None:
    n = r["n"]
    print(f"{name}: {n} questions over 8 roles")
    print(f"  beats every adversarial answer: strong {r['strong_wins']}/{n}, concise {r['concise_wins']}/{n}, "
          f"in other words {r['para_wins']}/{n}")
    print(f"  better answer of a pair scores higher: {r['pairs_right']}/{len(PAIRS) * n} (strong > weak, concise > rambling)")
    print(f"  translations not scored: {r['foreign']}/{n}")
    print("  mean score: " + ", ".join(f"{k} {v:.0f}" for k, v in r["means"].items()))
    print(f"  Pearson r(score, word count) over the pairs: {r['r_pairs']:.2f} (goal |r| <= 0.4); "
          f"over every scored answer: {r['r_all']:.2f}")


def main() -> None:
    os.environ["INTERVIEW_EMBEDDINGS"] = "off"
    base = run()
    os.environ["INTERVIEW_EMBEDDINGS"] = "on"
    show("with the embedding model", run())
    show("baseline, words alone", base)


if __name__ == "__main__":
    main()
