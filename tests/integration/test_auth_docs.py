"""docs/authentication.md: every curl and HTTPie example runs as written against a live
``flask run`` server, and answers what the page says it answers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.live import bash_blocks as doc_blocks
from tests.integration.live import flask_server, run_doc_block

DOC = Path(__file__).resolve().parents[2] / "docs" / "authentication.md"

#: First line of each bash block → the HTTP statuses its visible requests answer, and
#: the challenges its 401s must carry.
EXPECTED: dict[str, tuple[list[str], list[str]]] = {
    "# curl: HTTP Basic": (["201", "200", "201", "401"], ["Basic"]),
    "# HTTPie: HTTP Basic": (["201", "200", "201", "401"], ["Basic"]),
    "# curl: opaque token": (["201", "200", "204", "401"], ["Bearer"]),
    "# HTTPie: opaque token": (["201", "200", "200", "204", "401"], ["Bearer"]),
    "# curl: JWT": (["201", "200", "200", "401", "401", "204", "401"], ["Bearer"] * 3),
    "# HTTPie: JWT": (["201", "200", "200", "401", "401", "204", "401"], ["Bearer"] * 3),
    "# curl: API key": (["201", "200", "200", "200", "204", "401"], ["Bearer"]),
    "# HTTPie: API key": (["201", "200", "200", "200", "204", "401"], ["Bearer"]),
}


def bash_blocks() -> dict[str, str]:
    return {block.splitlines()[0]: block for block in doc_blocks(DOC)}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db_file = tmp_path_factory.mktemp("auth-docs") / "auth-docs.db"
    env = {
        "DATABASE_URL": f"sqlite:///{db_file}",
        "REDIS_URL": "",
        # cheap password hashing: the examples, not argon2's cost, are under test
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_COST": "1024",
        "ARGON2_PARALLELISM": "1",
    }
    with flask_server(env) as base:
        yield base


def run_block(block: str, base: str, tmp_path: Path) -> str:
    return run_doc_block(block, base, tmp_path, ("--ignore-stdin", "--print=hb"))


def test_every_credential_kind_has_curl_and_httpie_examples() -> None:
    assert set(bash_blocks()) == set(EXPECTED)
    text = DOC.read_text()
    for heading in ("## HTTP Basic", "## Opaque tokens", "## JWT", "## API keys"):
        assert heading in text


@pytest.mark.parametrize("first_line", list(EXPECTED))
def test_example_runs_as_documented(server: str, tmp_path: Path, first_line: str) -> None:
    out = run_block(bash_blocks()[first_line], server, tmp_path)
    statuses, challenges = EXPECTED[first_line]
    assert re.findall(r"HTTP/1\.[01] (\d{3}) ", out) == statuses, out
    found = re.findall(r'^WWW-Authenticate: (\w+) realm="microblog"', out, flags=re.M | re.I)
    assert found == challenges, out
    assert '"error":"Unauthorized"' in out.replace(" ", "")
    # Secrets are shown where the page says, and nowhere else: no password is echoed.
    assert "correct horse battery" not in out
