"""Write the OpenAPI document the app serves to docs/openapi.json (pretty, keys sorted, so
a change to the API shows as a readable diff); ``--check`` fails if the file is stale."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from microblog import create_app

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "docs" / "openapi.json"


def document() -> dict[str, Any]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    from microblog.web.routes import document  # after the app: web.api imports routes

    return document(app)


def render() -> str:
    return json.dumps(document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if not TARGET.exists() or TARGET.read_text(encoding="utf-8") != text:
            print(f"{TARGET.relative_to(ROOT)} is stale: run make client", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
