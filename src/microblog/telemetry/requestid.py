"""Request ids: accept a safe incoming ``X-Request-ID`` or make one
(docs/reference.md#request-ids)."""

from __future__ import annotations

import os
import re
from typing import Any

from flask import has_request_context, request

SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
ENVIRON_KEY = "microblog.request_id"


def request_id_of(environ: dict[str, Any]) -> str:
    """The id of the request with this WSGI environ, chosen on first use.

    Kept in the environ, not on ``g``: an app context (and its ``g``) can span several
    requests (e.g. a test holding one open), a request's environ cannot."""
    rid: str | None = environ.get(ENVIRON_KEY)
    if rid is None:
        incoming = environ.get("HTTP_X_REQUEST_ID", "")
        rid = incoming if SAFE_REQUEST_ID.fullmatch(incoming) else os.urandom(16).hex()
        environ[ENVIRON_KEY] = rid
    return rid


def get_request_id() -> str:
    """The current request's id, or ``-`` outside a request."""
    return request_id_of(request.environ) if has_request_context() else "-"
