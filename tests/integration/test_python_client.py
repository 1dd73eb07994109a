"""The generated Python client (clients/python, `make client`) against a live server: the
first session of a client developer, through the client's typed functions and models.

HTTP Basic has no argument of its own: the client's ``AuthenticatedClient`` sends
``Authorization: <prefix> <token>``, so the token request uses prefix ``Basic`` and the
base64 of ``username:password`` as its token."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from microblog_client import AuthenticatedClient, Client
from microblog_client.api.follows import follow_user as follow
from microblog_client.api.posts import create_post
from microblog_client.api.posts import get_feed as feed
from microblog_client.api.tokens import create_token as issue_token
from microblog_client.api.tokens import revoke_token
from microblog_client.api.users import create_user, update_user
from microblog_client.api.users import get_me as me
from microblog_client.models import (
    ErrorOut,
    KeysetCollectionPostOut,
    PostCreate,
    PostOut,
    TokenOut,
    UserCreate,
    UserOut,
    UserUpdate,
)

from tests.integration.live import flask_server

PASSWORD = "correct horse battery"
ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("python-client")
    env = {"DATABASE_URL": f"sqlite:///{tmp / 'client.db'}", "MICROBLOG_INSTANCE": str(tmp)}
    with flask_server(env) as url:
        yield url


def register(base: str, username: str) -> UserOut:
    with Client(base_url=base, raise_on_unexpected_status=True) as anonymous:
        body = UserCreate(username=username, email=f"{username}@example.com", password=PASSWORD)
        response = create_user.sync_detailed(client=anonymous, body=body)
    assert response.status_code == 201, response.content
    assert isinstance(response.parsed, UserOut)
    return response.parsed


def log_in(base: str, username: str) -> AuthenticatedClient:
    """A token by HTTP Basic, then a client that sends it as a bearer token."""
    credentials = base64.b64encode(f"{username}:{PASSWORD}".encode()).decode()
    basic = AuthenticatedClient(
        base_url=base, token=credentials, prefix="Basic", raise_on_unexpected_status=True
    )
    with basic:
        token = issue_token.sync(client=basic)
    assert isinstance(token, TokenOut), token
    return AuthenticatedClient(base_url=base, token=token.token, raise_on_unexpected_status=True)


def test_first_session_of_a_client_developer(base: str) -> None:
    alice = register(base, "alice")
    with log_in(base, "alice") as client:
        who = me.sync(client=client)
        assert isinstance(who, UserOut)
        assert (who.id, who.username, who.post_count) == (alice.id, "alice", 0)

        edited = update_user.sync(
            alice.id, client=client, body=UserUpdate(about_me="Writes the Python client.")
        )
        assert isinstance(edited, UserOut), edited
        assert edited.about_me == "Writes the Python client."

        mine = [
            create_post.sync(client=client, body=PostCreate(body=f"alice {n}", title=f"A{n}"))
            for n in range(2)
        ]
        assert all(isinstance(post, PostOut) for post in mine), mine

        bob = register(base, "bob")
        with log_in(base, "bob") as bob_client:
            for n in range(3):
                post = create_post.sync(client=bob_client, body=PostCreate(body=f"bob {n}"))
                assert isinstance(post, PostOut) and post.author.id == bob.id, post

        followed = follow.sync_detailed(bob.id, client=client)
        assert followed.status_code == 204, followed.content

        # The feed two posts a page, following next_cursor until there is none.
        pages: list[list[PostOut]] = []
        cursor: str | None = None
        while True:
            page = (
                feed.sync(client=client, limit=2)
                if cursor is None
                else feed.sync(client=client, limit=2, cursor=cursor)
            )
            assert isinstance(page, KeysetCollectionPostOut), page
            pages.append(page.items)
            cursor = page.field_meta.next_cursor
            if cursor is None:
                break
            assert len(pages) < 10, "the cursor never ends"
        bodies = [post.body for items in pages for post in items]
        assert [len(items) for items in pages] == [2, 2, 1]
        assert sorted(bodies) == ["alice 0", "alice 1", "bob 0", "bob 1", "bob 2"]
        assert bodies == ["bob 2", "bob 1", "bob 0", "alice 1", "alice 0"]  # newest first
        again = me.sync(client=client)
        assert isinstance(again, UserOut) and again.post_count == 2, again

        revoked = revoke_token.sync_detailed(client=client)
        assert revoked.status_code == 204, revoked.content
        after = me.sync_detailed(client=client)
        assert after.status_code == 401
        assert isinstance(after.parsed, ErrorOut), after.parsed


def test_readme_example_runs_as_written(base: str) -> None:
    """README.md's Python block, in its own interpreter, against this server."""
    (block,) = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    script = block.replace('"http://127.0.0.1:5000"', repr(base))
    assert script != block
    env = {**os.environ, "PYTHONPATH": str(ROOT / "clients" / "python")}
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == "['Hello from Python']", done.stdout


def test_client_is_typed() -> None:
    """The package says it carries type hints (PEP 561), so a user's mypy checks calls."""
    import microblog_client

    assert (Path(microblog_client.__file__).parent / "py.typed").exists()
