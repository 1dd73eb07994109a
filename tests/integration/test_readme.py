"""The README's curl and HTTPie examples work as written against a live server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.live import bash_blocks, flask_server, run_doc_block

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db_file = tmp_path_factory.mktemp("readme") / "readme.db"
    with flask_server({"DATABASE_URL": f"sqlite:///{db_file}"}) as base:
        yield base


def test_curl_flow(server: str, tmp_path: Path) -> None:
    block = next(b for b in bash_blocks(README) if "curl -i -X POST" in b)
    out = run_doc_block(block, server, tmp_path)
    statuses = re.findall(r"HTTP/1\.1 (\d{3}) ", out)
    # register, me, edit, revoke
    assert statuses == ["201", "200", "200", "204"], out
    assert '"about_me":"Hi, I am Alice"' in out


def test_httpie_flow(server: str, tmp_path: Path) -> None:
    block = next(b for b in bash_blocks(README) if "http POST :5000/api/users" in b)
    out = run_doc_block(block, server, tmp_path)
    assert '"username":"bob"' in out
    assert '"about_me":"Hi, I am Bob"' in out
