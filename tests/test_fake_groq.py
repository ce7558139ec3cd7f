"""The fake Groq server speaks the protocol well enough for the real groq SDK and ChatGroq, JSON and SSE alike."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

import groq
import httpx
import pytest
from conftest import free_port
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_groq import ChatGroq

from interview.testing.fake_groq import FakeGroq, Recorded, Step

pytestmark = pytest.mark.llm

MODEL = "llama-3.3-70b-versatile"
KEY = "gsk_test_fake_key"
HANG = 30.0  # seconds a hanging reply waits: what a timeout must beat, with a margin any loaded machine meets


@pytest.fixture
def fake():
    """A fresh fake server, closed after the test."""
    with FakeGroq() as server:
        yield server


def chat(fake: FakeGroq, timeout: float = 2.0) -> ChatGroq:
    """Build a real ChatGroq client pointed at the fake, with no retries."""
    return ChatGroq(model=MODEL, base_url=fake.base_url, api_key=KEY, max_retries=0, timeout=timeout)


def sdk(fake: FakeGroq, timeout: float = 2.0) -> groq.Groq:
    """Build a real groq SDK client pointed at the fake, with no retries."""
    return groq.Groq(base_url=fake.base_url, api_key=KEY, max_retries=0, timeout=timeout)


def timed_stream(llm: ChatGroq, prompt: str = "hi") -> tuple[list, list[float], float]:
    """Stream a reply; return the chunks, each chunk's arrival time and the start time."""
    start, chunks, times = time.perf_counter(), [], []
    for chunk in llm.stream(prompt):
        chunks.append(chunk)
        times.append(time.perf_counter())
    return chunks, times, start


def test_invoke_returns_scripted_content_and_records_the_request(fake):
    fake.script('{"score": 4}')
    reply = chat(fake).invoke([SystemMessage("You are an interviewer."), HumanMessage("Tell me about yourself.")])
    assert reply.content == '{"score": 4}'
    assert reply.response_metadata["finish_reason"] == "stop"
    assert reply.usage_metadata["output_tokens"] == len('{"score": 4}') // 4
    (rec,) = fake.chat_requests()
    assert (rec.method, rec.path, rec.stream) == ("POST", "/openai/v1/chat/completions", False)
    assert rec.body["model"] == MODEL
    assert rec.headers["authorization"] == f"Bearer {KEY}"
    assert rec.message("system") == "You are an interviewer."
    assert rec.message("user") == "Tell me about yourself."
    assert rec.message("assistant") == ""
    assert rec.prompt_chars == len("You are an interviewer.") + len("Tell me about yourself.")
    assert fake.pending() == 0


def test_script_consumes_steps_in_order_then_falls_back_to_empty_json(fake):
    fake.script("first", Step(content="second"))
    assert fake.pending() == 2
    llm = chat(fake)
    assert [llm.invoke("a").content, llm.invoke("b").content, llm.invoke("c").content] == ["first", "second", "{}"]
    assert [r.message("user") for r in fake.chat_requests()] == ["a", "b", "c"]


def test_responder_is_used_when_the_queue_is_empty_and_gets_the_body(fake):
    seen: list[dict] = []
    fake.responder = lambda body: seen.append(body) or f"echo: {body['messages'][-1]['content']}"
    fake.script("scripted")
    llm = chat(fake)
    assert llm.invoke("one").content == "scripted"
    assert llm.invoke("two").content == "echo: two"
    assert len(seen) == 1 and seen[0]["model"] == MODEL and seen[0]["messages"][-1]["content"] == "two"


def test_stream_yields_several_chunks_that_join_to_the_content(fake):
    content = "Thanks for joining. Walk me through a project you are proud of."
    fake.chunk_size = 10
    fake.script(content)
    chunks, _, _ = timed_stream(chat(fake))
    pieces = [c.content for c in chunks if c.content]
    assert len(pieces) == -(-len(content) // 10)
    assert "".join(pieces) == content
    merged = chunks[0]
    for chunk in chunks[1:]:
        merged += chunk
    assert merged.content == content
    assert merged.response_metadata["finish_reason"] == "stop"
    assert merged.usage_metadata["output_tokens"] == len(content) // 4
    (rec,) = fake.chat_requests()
    assert rec.stream and rec.body["stream"] is True


def test_chunk_delay_spreads_chunks_out_over_time(fake):
    fake.chunk_size = 4
    fake.script(Step(content="abcdefghijkl", chunk_delay=0.08))
    chunks, times, _ = timed_stream(chat(fake))
    arrivals = [t for c, t in zip(chunks, times, strict=True) if c.content]
    gaps = [b - a for a, b in zip(arrivals, arrivals[1:], strict=False)]
    assert len(gaps) == 2
    assert all(g >= 0.05 for g in gaps), gaps  # each chunk waited its delay (an upper bound would time the machine)


def test_latency_delays_the_first_chunk(fake):
    fake.latency = 0.25
    fake.script("delayed reply")
    chunks, times, start = timed_stream(chat(fake))
    assert "".join(c.content for c in chunks) == "delayed reply"
    assert times[0] - start >= 0.2
    fake.latency = 0.0
    fake.script(Step(content="fast"))
    assert "".join(c.content for c in timed_stream(chat(fake))[0]) == "fast"


def test_rate_limit_surfaces_as_rate_limit_error_with_retry_after(fake):
    fake.script(Step(status=429, retry_after="0.2"))
    with pytest.raises(groq.RateLimitError) as info:
        chat(fake).invoke("hi")
    assert info.value.status_code == 429
    assert info.value.response.headers["retry-after"] == "0.2"
    assert info.value.body["error"]["code"] == "rate_limit_exceeded"
    assert len(fake.chat_requests()) == 1


def test_bad_key_surfaces_as_authentication_error(fake):
    fake.script(Step(status=401))
    with pytest.raises(groq.AuthenticationError) as info:
        chat(fake).invoke("hi")
    assert info.value.body["error"]["message"] == "Invalid API Key"


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_surface_as_internal_server_error(fake, status):
    fake.script(Step(status=status, content="upstream exploded"))
    with pytest.raises(groq.InternalServerError) as info:
        list(chat(fake).stream("hi"))
    assert info.value.status_code == status
    assert info.value.body["error"]["message"] == "upstream exploded"


@pytest.mark.parametrize("stream", [False, True])
def test_hang_trips_the_client_timeout_quickly(fake, stream):
    fake.script(Step(content="never", mode="hang"))
    llm = chat(fake, timeout=0.3)
    start = time.perf_counter()
    with pytest.raises(groq.APITimeoutError):
        list(llm.stream("hi")) if stream else llm.invoke("hi")
    assert time.perf_counter() - start < HANG / 2, "the client waited for the hang instead of its own timeout"


def test_hang_replies_normally_once_hang_seconds_pass():
    with FakeGroq(hang_seconds=0.1) as server:
        server.script(Step(content="late but fine", mode="hang"))
        assert chat(server).invoke("hi").content == "late but fine"


def test_cut_stream_raises_after_some_chunks_arrived(fake):
    fake.chunk_size = 5
    fake.script(Step(content="abcdefghijklmnopqrstuvwxyz0123", mode="cut"))
    got = []
    with pytest.raises(httpx.RemoteProtocolError, match="incomplete chunked read"):
        for chunk in chat(fake).stream("hi"):
            got.append(chunk.content)
    assert "".join(got) == "abcdefghijklmno"


def test_cut_non_stream_raises_connection_error(fake):
    fake.script(Step(content="a reply that never fully arrives", mode="cut"))
    with pytest.raises(groq.APIConnectionError) as info:
        chat(fake).invoke("hi")
    assert isinstance(info.value.__cause__, httpx.RemoteProtocolError)


def test_truncated_stream_ends_quietly_without_a_finish_reason(fake):
    fake.chunk_size = 5
    fake.script(Step(content="abcdefghijklmnopqrst", mode="truncated"))
    chunks, _, _ = timed_stream(chat(fake))
    assert "".join(c.content for c in chunks) == "abcdefghij"
    assert all("finish_reason" not in c.response_metadata for c in chunks)
    # The server stays usable on the same pooled connection afterwards.
    fake.script("next")
    assert chat(fake).invoke("again").content == "next"


@pytest.mark.parametrize("stream", [False, True])
def test_malformed_reply_raises_json_decode_error(fake, stream):
    fake.script(Step(content="whatever", mode="malformed"))
    llm = chat(fake)
    with pytest.raises(json.JSONDecodeError):
        list(llm.stream("hi")) if stream else llm.invoke("hi")


def test_models_endpoint_lists_the_configured_models(fake):
    assert [m.id for m in sdk(fake).models.list().data] == ["llama-3.3-70b-versatile", "llama-3.1-8b-instant", "whisper-large-v3"]
    fake.models = ["only-one"]
    (model,) = sdk(fake).models.list().data
    assert (model.id, model.owned_by, model.active, model.context_window) == ("only-one", "Fake", True, 131072)
    assert [(r.method, r.path) for r in fake.requests] == [("GET", "/openai/v1/models")] * 2
    assert fake.chat_requests() == []


def test_sdk_chat_completion_shape(fake):
    fake.script("plain sdk")
    reply = sdk(fake).chat.completions.create(model="llama-3.1-8b-instant", messages=[{"role": "user", "content": "hello"}])
    assert reply.model == "llama-3.1-8b-instant"
    assert reply.choices[0].message.content == "plain sdk"
    assert reply.x_groq.id.startswith("req_")
    assert reply.usage.total_tokens == reply.usage.prompt_tokens + reply.usage.completion_tokens


def test_unknown_path_is_404_with_an_error_body(fake):
    response = httpx.post(f"{fake.base_url}/openai/v1/embeddings", json={"input": "x"})
    assert response.status_code == 404
    assert "error" in response.json()
    assert fake.requests[-1].body == {"input": "x"}


def test_recorded_helpers_handle_content_parts():
    rec = Recorded("POST", "/openai/v1/chat/completions", {}, {"messages": [{"role": "user", "content": [{"type": "text", "text": "abc"}]}]}, 0.0)
    assert (rec.prompt_chars, rec.message("user"), rec.stream) == (3, "abc", False)


def test_close_is_quick_and_leaves_no_threads_while_a_request_hangs():
    before = set(threading.enumerate())
    server = FakeGroq(hang_seconds=HANG)
    # A pooled client leaves an idle keep-alive connection whose handler thread blocks reading the next request.
    keeper = sdk(server)
    assert [m.id for m in keeper.models.list().data]
    server.script(Step(mode="hang"))
    errors: list[BaseException] = []

    def call():
        try:
            sdk(server, timeout=10).chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}])
        except groq.APIError as exc:
            errors.append(exc)

    client = threading.Thread(target=call, daemon=True)
    client.start()
    deadline = time.perf_counter() + HANG / 2
    while not server.chat_requests() and time.perf_counter() < deadline:
        time.sleep(0.01)
    assert server.chat_requests(), "the request never arrived"
    start = time.perf_counter()
    server.close()
    assert time.perf_counter() - start < HANG / 2, "close() waited for the hanging handler"
    client.join(timeout=HANG / 2)
    assert not client.is_alive() and isinstance(errors[0], groq.APIConnectionError)
    deadline = time.perf_counter() + HANG / 2
    while (left := [t for t in threading.enumerate() if t not in before and t.is_alive()]) and time.perf_counter() < deadline:
        time.sleep(0.01)
    assert left == []
    keeper.close()


def test_the_fake_runs_on_its_own_and_answers_any_chat_request_validly():
    """``python -m interview.testing.fake_groq --port N``: outside checks start it like this and wrap quirks around it."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "interview.testing.fake_groq", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert f"http://127.0.0.1:{port}" in proc.stdout.readline()
        client = groq.Groq(base_url=f"http://127.0.0.1:{port}", api_key=KEY, max_retries=0, timeout=10)
        summary = client.chat.completions.create(model=MODEL, messages=[
            {"role": "system", "content": "You write the short narrative of a feedback report."}, {"role": "user", "content": "{}"}])
        assert summary.choices[0].message.content.startswith("You answered clearly")
        assert [m.id for m in client.models.list().data] == ["llama-3.3-70b-versatile", "llama-3.1-8b-instant", "whisper-large-v3"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
