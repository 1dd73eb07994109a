"""docs/reference.md: every curl example runs as written against a live ``flask run``
server (as ``make run`` starts it) and answers what the page says it answers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.live import bash_blocks as doc_blocks
from tests.integration.live import flask_server, fresh_window, run_doc_block

DOC = Path(__file__).resolve().parents[2] / "docs" / "reference.md"

#: First line of each bash block → the HTTP statuses its ``curl -i`` requests answer.
EXPECTED: dict[str, list[str]] = {
    "# surfaces and versions": ["200", "200", "200", "406"],
    "# errors": ["404", "404", "405", "400", "415", "400"],
    "# authentication": ["200", "401", "401"],
    "# users": ["201", "409", "200", "200", "400", "403", "204", "404"],
    "# posts": ["201", "404", "200", "200", "200", "204"],
    "# tasks": ["200", "200", "400", "204", "404"],
    "# follows and the feed": ["204", "204", "200", "200", "204", "404"],
    "# admin": ["403", "403"],
    "# pagination": ["200", "200", "200", "200", "400", "400", "400"],
    "# conditional requests": ["304", "200", "412", "200"],
    "# idempotency": ["201", "201", "422"],
    "# rate limits": ["200", "429"],
    "# request ids": ["200", "404", "200"],
    "# CORS": ["200", "200", "200"],
    "# input bounds": ["404", "400", "200", "400", "400", "200", "414"],
    "# host names": ["200", "400"],
    "# the 2013 todo surface": ["200", "200", "200", "404", "401"],
    "# operations": ["200", "200"],
}

#: Sections of the page (its headings) that a client developer needs.
SECTIONS = (
    "## Surfaces and versions",
    "## Errors",
    "## Authentication",
    "## Resources",
    "### Users",
    "### Posts",
    "### Tasks",
    "### Follows and the feed",
    "### Admin",
    "### API keys",
    "## Collections and pagination",
    "### Page mode",
    "### Keyset mode",
    "## Conditional requests and caching",
    "## Idempotency",
    "## Rate limits",
    "## Request ids",
    "## CORS",
    "## Input bounds",
    "## Host names",
    "## The 2013 todo surface",
    "## Operations",
)

CORS_ORIGIN = "https://app.example.com"


def bash_blocks() -> dict[str, str]:
    return {block.splitlines()[0]: block for block in doc_blocks(DOC)}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db_file = tmp_path_factory.mktemp("reference-docs") / "reference.db"
    env = {
        "DATABASE_URL": f"sqlite:///{db_file}",
        "REDIS_URL": "",
        # The page's CORS example says the server was started with this origin.
        "CORS_ORIGINS": CORS_ORIGIN,
        # Cheap password hashing: the examples, not argon2's cost, are under test.
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_COST": "1024",
        "ARGON2_PARALLELISM": "1",
        # A reader pastes one block at a time; this module runs all of them within a
        # minute from one address, more password checks than the default per-address
        # login budget (20 a minute). The per-account budget, which the rate-limit
        # example spends, keeps its default.
        "RATELIMIT_LOGIN_PER_ADDRESS": "1000 per minute",
        "METRICS_TOKEN": "",
        "PUBLIC_URL": "",
        "TRUSTED_HOSTS": "",
    }
    with flask_server(env) as base:
        yield base


def statuses(out: str) -> list[str]:
    # Not anchored: a body without a final newline runs into the next status line.
    return re.findall(r"HTTP/1\.[01] (\d{3}) ", out)


def compact(out: str) -> str:
    return out.replace(" ", "")


def test_every_section_is_there_with_an_example() -> None:
    text = DOC.read_text()
    for heading in SECTIONS:
        assert f"\n{heading}\n" in text, heading
    assert set(bash_blocks()) == set(EXPECTED)
    # Every block works on its own: no block relies on a variable another one set.
    for first_line, block in bash_blocks().items():
        if "$TOKEN" in block:
            assert "TOKEN=$(" in block, first_line


def test_internal_links_point_at_headings() -> None:
    text = DOC.read_text()
    anchors = {
        re.sub(r"[^a-z0-9 -]", "", heading.lower()).replace(" ", "-")
        for heading in re.findall(r"^#+ (.+)$", text, flags=re.M)
    }
    for target in re.findall(r"\]\(#([^)]+)\)", text):
        assert target in anchors, target


@pytest.mark.parametrize("first_line", list(EXPECTED))
def test_example_runs_as_documented(server: str, tmp_path: Path, first_line: str) -> None:
    if first_line == "# rate limits":
        fresh_window()
    out = run_doc_block(bash_blocks()[first_line], server, tmp_path)
    assert statuses(out) == EXPECTED[first_line], out
    check = CHECKS.get(first_line)
    if check is not None:
        check(out)
    assert "Traceback" not in out
    assert "correct horse battery" not in out


# -- what each block shows, beyond its statuses ------------------------------------------


def _versions(out: str) -> None:
    assert '"error":"NotAcceptable"' in compact(out)
    # The alias answers with canonical links.
    assert compact(out).count('"self":"/api/v1/users?page=1&per_page=1"') == 3


def _errors(out: str) -> None:
    assert re.search(r"^Content-Type: application/problem\+json", out, flags=re.M)
    assert '"type":"about:blank"' in compact(out)
    assert re.search(r"^Allow: DELETE, OPTIONS, POST", out, flags=re.M)
    body = compact(out)
    assert '"errors":{' in body and '"admin":["Unknownfield."]' in body
    assert '"error":"UnsupportedMediaType"' in body
    assert "not valid JSON" in out


def _authentication(out: str) -> None:
    assert out.count('WWW-Authenticate: Bearer realm="microblog"') == 2
    assert '"username":"ref-hedy"' in compact(out)


def _users(out: str) -> None:
    body = compact(out)
    assert '"message":"pleaseuseadifferentusername"' in body
    assert '"about_me":"X-raycrystallographer"' in body
    assert '"role":["Unknownfield."]' in body
    assert "current_password" in out
    assert re.search(r"^Location: http://127\.0\.0\.1:\d+/api/v1/users/\d+", out, flags=re.M)


def _posts(out: str) -> None:
    body = compact(out)
    assert '"published":true' in body
    assert '"title":"Bugs"' in body


def _pagination(out: str) -> None:
    assert re.search(r"^X-Total-Count: 3", out, flags=re.M)
    assert re.search(r'^Link: .*<[^>]+page=2&per_page=2>; rel="next"', out, flags=re.M)
    body = compact(out)
    assert '"items":[],"_meta":{"page":99' in body
    assert '"next_cursor":null' in body  # the second keyset page of three posts is the last
    assert "Keysetpagesareorderedby" not in body
    assert "page/per_pagecannotbecombinedwithcursor/limit." in body


def _conditional(out: str) -> None:
    assert '"title":"EWD1036"' in compact(out)
    assert '"title":"overwritten"' not in compact(out)
    assert "Cache-Control: private" in out


def _idempotency(out: str) -> None:
    assert out.count("Idempotent-Replayed: true") == 1
    locations = re.findall(r"^Location: (\S+)", out, flags=re.M)
    assert len(locations) == 2 and locations[0] == locations[1], out
    assert "tasks: 1" in out


def _rate_limits(out: str) -> None:
    assert re.search(r"^RateLimit-Limit: 300", out, flags=re.M)
    assert re.search(r"^RateLimit-Remaining: \d+", out, flags=re.M)
    assert re.search(r"^Retry-After: \d+", out, flags=re.M)
    attempts = re.findall(r"attempt \d+: (\d{3})", out)
    assert attempts == ["401"] * 10, out


def _request_ids(out: str) -> None:
    assert "X-Request-ID: checkout-7f3a" in out
    assert '"request_id":"checkout-7f3b"' in compact(out)
    echoed = re.findall(r"^X-Request-ID: (.+)$", out, flags=re.M)
    assert len(echoed) == 3 and re.fullmatch(r"[0-9a-f]{32}", echoed[2].strip()), echoed


def _cors(out: str) -> None:
    allowed = re.findall(r"^Access-Control-Allow-Origin: (\S+)", out, flags=re.M)
    assert allowed == [CORS_ORIGIN, CORS_ORIGIN], out
    assert re.search(r"^Access-Control-Allow-Headers: .*Idempotency-Key", out, flags=re.M | re.I)
    assert "Access-Control-Allow-Credentials" not in out


def _bounds(out: str) -> None:
    body = compact(out)
    assert '"author":["Inputshouldbelessthanorequalto2147483647"]' in body
    assert '"per_page":100' in body
    assert '"since":[' in body
    assert '"error":"RequestURITooLong"' in body
    assert "limitof4096bytes" in body


def _hosts(out: str) -> None:
    assert "The Host header names a host this server does not answer to" in out


def _todo(out: str) -> None:
    body = compact(out)
    assert '{"tasks":[{"uri":"http://127.0.0.1:' in body
    assert '"done":true' in body
    assert '{"result":true}' in body
    assert 'WWW-Authenticate: Basic realm="microblog"' in out
    assert '"id":' not in body


def _operations(out: str) -> None:
    assert '"checks":{"database":"ok"}' in compact(out)
    assert "microblog_http_requests_total{" in out


CHECKS = {
    "# surfaces and versions": _versions,
    "# errors": _errors,
    "# authentication": _authentication,
    "# users": _users,
    "# posts": _posts,
    "# pagination": _pagination,
    "# conditional requests": _conditional,
    "# idempotency": _idempotency,
    "# rate limits": _rate_limits,
    "# request ids": _request_ids,
    "# CORS": _cors,
    "# input bounds": _bounds,
    "# host names": _hosts,
    "# the 2013 todo surface": _todo,
    "# operations": _operations,
}
