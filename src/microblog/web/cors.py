"""CORS (Flask-Cors) for the origins in ``CORS_ORIGINS`` (comma-separated; unset: none)."""

from __future__ import annotations

from flask import Flask
from flask_cors import CORS

EXPOSED = [
    "ETag",
    "Link",
    "Location",
    "X-Total-Count",
    "X-Request-ID",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
    "Retry-After",
    "Idempotent-Replayed",
]
ALLOWED = [
    "Authorization",
    "Content-Type",
    "X-API-Key",
    "X-Request-ID",
    "If-Match",
    "If-None-Match",
    "Idempotency-Key",
    "Accept",
]


def init_app(app: Flask) -> None:
    origins = [o.strip() for o in app.config["CORS_ORIGINS"].split(",") if o.strip()]
    if not origins:
        return
    CORS(
        app,
        origins=origins,
        expose_headers=EXPOSED,
        allow_headers=ALLOWED,
        methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        max_age=600,
        supports_credentials=False,  # credentials travel in headers, never cookies
    )
