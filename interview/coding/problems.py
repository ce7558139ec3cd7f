"""The coding problem bank: one JSON file per problem in ``interview/coding/problems/<id>.json``, validated on load."""

from __future__ import annotations

import ast
import json
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..errors import BankError
from ..models import LANGUAGE_NAMES

PROBLEMS_DIR = Path(__file__).with_name("problems")
_SAFE_BUILTINS = {"range": range, "list": list, "len": len, "sum": sum, "min": min, "max": max}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PerLanguage(_Strict):
    python: str
    javascript: str

    def get(self, language: str) -> str:
        if language not in LANGUAGE_NAMES:
            raise BankError(f"Unknown language {language!r}; use {' or '.join(LANGUAGE_NAMES)}.")
        return getattr(self, language)


class Example(_Strict):
    args: list[Any]
    expected: Any
    explanation: str = ""


class TestCase(_Strict):
    __test__ = False  # not a pytest class

    args: list[Any]
    expected: Any
    note: str = ""


class LargeTest(_Strict):
    args: list[Any] | None = None
    generate: str | None = None
    expected: Any
    note: str = ""

    @model_validator(mode="after")
    def _one_source(self) -> LargeTest:
        if (self.args is None) == (self.generate is None):
            raise ValueError("large_test needs exactly one of 'args' or 'generate'")
        if self.generate is not None:
            _check_expression(self.generate)
        return self


class Complexity(_Strict):
    time: str
    space: str


class Problem(_Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str
    difficulty: Literal["easy", "medium", "hard"]
    topics: list[str]
    statement: str
    function: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    params: list[str]
    signature: PerLanguage
    examples: list[Example]
    visible_tests: list[TestCase] = Field(min_length=1)
    hidden_tests: list[TestCase] = Field(min_length=1)
    large_test: LargeTest | None = None
    compare: Literal["exact", "unordered", "float"] = "exact"
    reference: PerLanguage
    wrong: PerLanguage
    complexity: Complexity
    hints: list[str] = []
    follow_ups: list[str] = []

    @model_validator(mode="after")
    def _arity(self) -> Problem:
        groups: tuple[tuple[str, Sequence[Example | TestCase]], ...] = (
            ("examples", self.examples), ("visible_tests", self.visible_tests), ("hidden_tests", self.hidden_tests))
        for kind, cases in groups:
            for i, case in enumerate(cases):
                if len(case.args) != len(self.params):
                    raise ValueError(f"{kind}[{i}] has {len(case.args)} args; params has {len(self.params)}")
        if self.large_test and self.large_test.args is not None and len(self.large_test.args) != len(self.params):
            raise ValueError("large_test args do not match params")
        return self

    def large_case(self) -> TestCase | None:
        """The large test as a plain case (its args generated if it gives an expression)."""
        if self.large_test is None:
            return None
        args = self.large_test.args if self.large_test.args is not None else _generate(self.large_test.generate or "")
        if not isinstance(args, list) or len(args) != len(self.params):
            raise BankError(f"Problem {self.id}: large_test.generate must give a list of {len(self.params)} args.")
        return TestCase(args=args, expected=self.large_test.expected, note=self.large_test.note)


def _check_expression(expr: str) -> ast.Expression:
    """Only literals, arithmetic, comprehensions and range/list/len/sum/min/max calls; no attributes, no other names."""
    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError as exc:
        raise ValueError(f"generate is not a Python expression: {exc.msg}") from exc
    bound = {t.id for node in ast.walk(tree) if isinstance(node, ast.comprehension) for t in ast.walk(node.target) if isinstance(t, ast.Name)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute | ast.Lambda | ast.NamedExpr | ast.Await | ast.Yield | ast.YieldFrom | ast.Starred):
            raise ValueError(f"generate may not use {type(node).__name__}")
        if isinstance(node, ast.Name) and node.id not in _SAFE_BUILTINS and node.id not in bound:
            raise ValueError(f"generate may not use the name {node.id!r}")
    return tree


@lru_cache(maxsize=64)
def _generate(expr: str) -> Any:
    tree = _check_expression(expr)
    return eval(compile(tree, "<large_test.generate>", "eval"), {"__builtins__": dict(_SAFE_BUILTINS)}, {})  # noqa: S307 - checked above


def load_problems(folder: str | Path | None = None) -> dict[str, Problem]:
    """Every problem in ``folder`` (default: the bank), by id; raises BankError naming the first invalid file.

    Cached per folder; a file added, removed or changed (name, size, mtime) is seen on the next call.
    """
    path = Path(folder or PROBLEMS_DIR).resolve()
    try:
        stamp = tuple((f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in sorted(path.glob("*.json")))
    except OSError:
        stamp = ()
    return dict(_load(str(path), stamp))


@lru_cache(maxsize=8)
def _load(folder: str, stamp: tuple) -> tuple[tuple[str, Problem], ...]:
    problems: dict[str, Problem] = {}
    path = Path(folder)
    if not path.is_dir():
        return ()
    for file in sorted(path.glob("*.json")):
        try:
            problem = Problem.model_validate(json.loads(file.read_text(encoding="utf-8")))
        except (OSError, ValueError, ValidationError) as exc:
            raise BankError(f"Problem file {file} is invalid: {exc}. Fix or remove it.") from exc
        if problem.id != file.stem:
            raise BankError(f"Problem file {file} has id {problem.id!r}; the id must match the file name.")
        problems[problem.id] = problem
    return tuple(problems.items())


def starter_code(problem: Problem, language: str) -> str:
    """The signature with an empty body for the candidate to fill in."""
    signature = problem.signature.get(language)
    if language == "python":
        return f"{signature}\n    pass\n"
    return f"{signature}\n  // your code here\n}}\n"


__all__ = ["Complexity", "Example", "LargeTest", "PerLanguage", "Problem", "TestCase", "load_problems", "starter_code"]
