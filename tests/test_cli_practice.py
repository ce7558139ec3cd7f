"""The terminal interview: prompts, replies, early end on Ctrl-D, and the report at the end."""

from __future__ import annotations

import argparse

import pytest

from interview.cli import practice

pytestmark = pytest.mark.unit


def _args(**kw):
    base = dict(role="Customer Support Specialist", questions=3, seed=0, difficulty=2, job_description=None, engine="offline")
    base.update(kw)
    return argparse.Namespace(**base)


def test_practice_runs_in_the_terminal_and_prints_the_report():
    inputs = iter(["what do you mean?", "At my last job I told a customer I would find out, checked the knowledge base "
                   "with a senior colleague and called her back within an hour; she rated us 5 stars.", "skip", "end"])
    prompts, out = [], []

    def read(prompt):
        prompts.append(prompt)
        return next(inputs)

    state = practice(_args(), read=read, write=out.append)
    text = "\n".join(out)
    assert prompts[0].startswith("[Q1/3 · difficulty 2] You:")
    assert "First question:" in out[0]
    assert "let me put it another way" in out[1]
    assert state.status == "finished"
    assert "# Interview feedback: Customer Support Specialist" in text and "## Practice plan" in text


def test_ctrl_d_ends_early_with_a_report():
    def read(prompt):
        raise EOFError

    out = []
    state = practice(_args(questions=2), read=read, write=out.append)
    assert state.status == "finished"
    assert "not scored" in out[-1]
