"""Request ids: accept a safe incoming ``X-Request-ID`` or make one (API.md §6)."""

from __future__ import annotations

import os
import re

from flask import has_request_context, request

SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
ENVIRON_KEY = "microblog.request_id"


def get_request_id() -> str:
    if not has_request_context():
        return "-"
    # Kept in the WSGI environ, not on ``g``: an app context (and its ``g``) can span
    # several requests (e.g. a test holding one open), a request's environ cannot.
    rid: str | None = request.environ.get(ENVIRON_KEY)
    if rid is None:
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if SAFE_REQUEST_ID.fullmatch(incoming) else os.urandom(16).hex()
        request.environ[ENVIRON_KEY] = rid
    return rid
