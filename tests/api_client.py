"""A test client for the REST API that holds each session's token, as a candidate's browser would."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from interview.api import create_app

_SESSION_PATH = re.compile(r"^/sessions/([^/?]+)")


class TokenClient(TestClient):
    """Remembers the token POST /sessions returns and sends it as ``Authorization: Bearer`` on that session's routes."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.tokens: dict[str, str] = {}

    def request(self, method, url, **kwargs):  # type: ignore[override]
        match = _SESSION_PATH.match(str(url))
        if match and match.group(1) in self.tokens:
            kwargs["headers"] = {"Authorization": f"Bearer {self.tokens[match.group(1)]}", **(kwargs.get("headers") or {})}
        response = super().request(method, url, **kwargs)
        if method.upper() == "POST" and str(url) == "/sessions" and response.status_code == 201:
            self.tokens[response.json()["id"]] = response.json()["token"]
        return response


def token_client(service, **app_options) -> TokenClient:
    """A TokenClient on the API around ``service``."""
    return TokenClient(create_app(service, **app_options))
