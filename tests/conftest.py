"""Shared fixtures: every data path in tmp_path, no API keys or INTERVIEW_* settings, tiers, no silent skips on CI."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# The tiers: every test carries exactly one of these (set per file with ``pytestmark``), so a tier runs alone:
# ``./scripts/check --fast`` is ``-m unit``. A unit test needs nothing but the package: no model, browser,
# sandbox, Streamlit run or HTTP server.
TIERS = ("unit", "semantic", "app", "browser", "speech", "sandbox", "llm")


def pytest_collection_modifyitems(config, items):
    """Refuse a test without exactly one tier marker: an unmarked test would silently leave every tier."""
    wrong = [f"{item.nodeid}: {tiers or 'none'}" for item in items
             if len(tiers := [t for t in TIERS if item.get_closest_marker(t)]) != 1]
    if wrong:
        raise pytest.UsageError("each test needs exactly one tier marker of " + ", ".join(TIERS) + ":\n  " + "\n  ".join(wrong))


# Variables that change the app's behaviour; every INTERVIEW_* variable is removed as well, whatever its name.
OUTSIDE_SETTINGS = ("GROQ_API_KEY", "GROQ_API_BASE", "GROQ_MODEL")


@pytest.fixture(autouse=True)
def _isolated(request, tmp_path, monkeypatch):
    """Point the app's data directory at tmp_path; remove every INTERVIEW_* setting and any real key.

    Unit tests judge answers by words alone (the fallback, and fast); the ``semantic`` tier, and every app,
    browser, speech, sandbox and LLM test, run with the embedding model as the product does by default.
    """
    for var in [v for v in os.environ if v.startswith("INTERVIEW_")] + list(OUTSIDE_SETTINGS):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("INTERVIEW_DATA_DIR", str(tmp_path / "data"))
    if request.node.get_closest_marker("unit"):
        monkeypatch.setenv("INTERVIEW_EMBEDDINGS", "off")
    yield


@pytest.fixture
def service():
    """A session service on the offline engine with an in-memory store."""
    from interview import InterviewService, MemoryStore, get_engine

    return InterviewService(get_engine("offline"), MemoryStore())


@pytest.fixture
def start(service):
    """Start an interview: start(role='software_engineer', **options) -> state."""
    from interview import InterviewOptions

    def _start(role: str = "software_engineer", **options):
        options.setdefault("num_questions", 5)
        return service.start(InterviewOptions(role=role, **options))

    return _start


def _on_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On CI a skipped test is a failure: a missing tool must not pass unnoticed."""
    outcome = yield
    report = outcome.get_result()
    if _on_ci() and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.longrepr = f"Skipped on CI (CI=true), which counts as a failure: {reason}"


TEST_KEY = "gsk_TESTKEY_must_never_leak_0123456789"


@pytest.fixture
def fake_groq():
    """A fake Groq server on 127.0.0.1; unscripted requests get a valid reply from llm_script.auto_reply."""
    from interview.testing.fake_groq import FakeGroq
    from interview.testing.llm_script import auto_reply

    with FakeGroq(responder=auto_reply) as fake:
        yield fake


@pytest.fixture
def groq_engine(fake_groq):
    """Build an LLM engine on the real ChatGroq pointed at the fake server: groq_engine(timeout=2, **engine_options)."""
    from interview import CircuitBreaker, GroqConfig, LLMInterviewer, RetryPolicy
    from interview.engines.groq_client import chat_model

    def _make(timeout: float = 2.0, retry: RetryPolicy | None = None, breaker: CircuitBreaker | None = None, **options):
        config = GroqConfig(api_key=TEST_KEY, base_url=fake_groq.base_url, timeout=timeout)
        sleeps = options.pop("sleeps", None)
        sleep = sleeps.append if sleeps is not None else (lambda s: None)  # retries do not really wait in tests
        options.setdefault("require_finish_reason", True)  # as get_engine("groq") builds it
        return LLMInterviewer(chat_model(config), model=config.model, retry=retry or RetryPolicy(),
                              breaker=breaker or CircuitBreaker(), sleep=sleep, **options)

    return _make


@pytest.fixture
def groq_env(monkeypatch, fake_groq):
    """Environment for the app or CLI to use the fake server as Groq (key, base URL, short timeout)."""
    monkeypatch.setenv("GROQ_API_KEY", TEST_KEY)
    monkeypatch.setenv("GROQ_API_BASE", fake_groq.base_url)
    monkeypatch.setenv("INTERVIEW_LLM_TIMEOUT", "3")
    return fake_groq


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium under Playwright, shared by the browser tests (never `playwright install`)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium package (.ci/run does)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                              args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                                    "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(env: dict[str, str], log: Path):
    """Run ``streamlit run app.py`` on a free local port with ``env``; yield its URL once healthy, stop it after."""
    port = free_port()
    # Never the developer's .streamlit/secrets.toml (a real key would reach the internet): an empty one of the test's.
    secrets = log.with_name(log.stem + "-secrets.toml")
    secrets.write_text("")
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.headless", "true", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
             "--secrets.files", str(secrets)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail(f"streamlit did not start: {log.read_text(errors='replace')[-2000:]}")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
