"""Write docs/openapi.json: the document the app serves at /api/v1/openapi.json, pretty and
with sorted keys, so that a change to the API shows up in review as a change to this file
(tests/api/test_openapi.py fails while the two differ). Run with ``make openapi``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from microblog import create_app

DOCUMENT = Path(__file__).resolve().parents[1] / "docs" / "openapi.json"


def render() -> str:
    """The served document, as the committed file holds it."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    served = app.test_client().get("/api/v1/openapi.json").get_json()
    return json.dumps(served, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> int:
    DOCUMENT.write_text(render(), encoding="utf-8")
    print(f"wrote {DOCUMENT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
