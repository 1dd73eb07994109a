"""Request ids: accept a safe incoming ``X-Request-ID`` or make one (API.md §6)."""

from __future__ import annotations

import re
import uuid

from flask import g, has_request_context, request

SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")


def get_request_id() -> str:
    if not has_request_context():
        return "-"
    rid: str | None = g.get("request_id")
    if rid is None:
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if SAFE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        g.request_id = rid
    return rid
