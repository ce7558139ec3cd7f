"""Shared AppTest helpers: the app's path, and a run that fails on any exception the page raised."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def run(at: AppTest) -> AppTest:
    """Run the app once and assert that no page raised."""
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at

