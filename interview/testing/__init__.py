"""Test doubles that ship with the package, so tests, benchmarks and outside checks share them.

- ``fake_groq``: a real HTTP server on 127.0.0.1 speaking Groq's OpenAI-compatible protocol
  (``python -m interview.testing.fake_groq --port N`` serves it with scripted valid replies).
- ``llm_script``: ``auto_reply(request_body) -> str``, a valid reply for any chat request the app sends.
- ``speech_samples``: known-text speech (espeak-ng) and word error rate, independent of the model under test.

Nothing here is imported by the app itself.
"""
