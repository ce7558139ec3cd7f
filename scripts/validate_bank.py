"""Validate question bank files: python scripts/validate_bank.py [FILE ...] (default: all; needs the package installed)."""

import sys
from pathlib import Path

from interview.bank import BANK_DIR, _load_file, validate_bank
from interview.errors import BankError

files = [Path(a) for a in sys.argv[1:]] or sorted(BANK_DIR.glob("*.json"))
bad = 0
for path in files:
    try:
        bank = _load_file(path)
    except BankError as exc:
        print(exc)
        bad += 1
        continue
    problems = validate_bank(bank)
    kinds = {}
    for q in bank.questions:
        kinds.setdefault(q.kind.value, []).append(q.difficulty)
    summary = ", ".join(f"{k}: {len(v)} (levels {sorted(set(v))})" for k, v in sorted(kinds.items()))
    print(f"{path.name}: {len(bank.questions)} questions; {summary}")
    for p in problems:
        print("  PROBLEM:", p)
    bad += bool(problems)
sys.exit(1 if bad else 0)
