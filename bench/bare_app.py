"""The ceiling: the cheapest possible Flask JSON endpoint under the same gunicorn settings.

Served by bench/run.sh as ``gunicorn --chdir bench bare_app:app``. Anything our app does
on top of this (routing, openapi3 validation, auth, SQL, serialisation) shows up as the
gap between an endpoint's requests/s and this one's.
"""

from __future__ import annotations

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/")
def hello():  # type: ignore[no-untyped-def]
    return jsonify({"hello": "world"})
