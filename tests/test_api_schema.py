"""The API's schema is served and true: schemathesis fuzzes every operation in-process and finds no server error,
and every response matches the schema (status, content type, body)."""

from __future__ import annotations

import itertools
import os
from unittest import mock

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance, status_code_conformance
from starlette.testclient import TestClient

from interview import InterviewService, MemoryStore, get_engine
from interview.api import create_app
from interview.models import TestReport

pytestmark = [pytest.mark.unit, pytest.mark.fuzz]

EXAMPLES = 10  # per operation (15 operations), besides the cases schemathesis derives from the schema: 15-25 s in all


class _QuickJudge:
    """Code 'runs' at once, so the code routes are fuzzed past the sandbox."""

    def run(self, problem, code, language, mode):
        return TestReport(verdict="failed", passed=1, total=3, message="case 2 failed", first_failure="case 2 failed")

    def reference_large_ms(self, problem, language):
        return None


# Built at import, as schemathesis needs the schema to make one test per operation; no embedding model (unit tier).
with mock.patch.dict(os.environ, {"INTERVIEW_EMBEDDINGS": "off"}):
    APP = create_app(InterviewService(get_engine("offline"), MemoryStore(), judge=_QuickJudge()))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
_client = TestClient(APP)
_count = itertools.count()


def _real_session() -> tuple[str, str]:
    """A live session (every other one with a coding question) and its token."""
    n = next(_count)
    r = _client.post("/sessions", json={"role": "software_engineer", "num_questions": 2, "coding_questions": n % 2, "seed": n})
    return r.json()["id"], r.json()["token"]


@schema.parametrize()
@settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_no_operation_answers_with_a_server_error_or_off_its_schema(case):
    # Half the cases on a session route go to a real session with its token, so the fuzzed bodies reach the service.
    if "sid" in (case.path_parameters or {}) and next(_count) % 2:
        sid, token = _real_session()
        case.path_parameters["sid"] = sid
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
    case.call_and_validate(checks=[not_a_server_error, status_code_conformance, content_type_conformance,
                                   response_schema_conformance])


def test_the_schema_and_docs_are_served():
    spec = _client.get("/openapi.json").json()
    assert {"/sessions", "/sessions/{sid}/messages", "/evaluate", "/api/start", "/api", "/api/feedback", "/health"} <= set(spec["paths"])
    message = spec["paths"]["/sessions/{sid}/messages"]["post"]
    assert {"400", "404", "409", "413", "422"} <= set(message["responses"])
    assert message["responses"]["404"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
    assert message["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/MessageIn")
    assert "503" in spec["paths"]["/sessions/{sid}/code/submit"]["post"]["responses"]
    assert "token_hash" not in str(spec)
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    docs = _client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower() and "/openapi.json" in docs.text
