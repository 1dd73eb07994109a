"""The README's curl and HTTPie examples work as written against a live server."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.live import BIN, flask_server

README = Path(__file__).resolve().parents[2] / "README.md"


def bash_blocks() -> list[str]:
    return re.findall(r"```bash\n(.*?)```", README.read_text(), flags=re.S)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db_file = tmp_path_factory.mktemp("readme") / "readme.db"
    with flask_server({"DATABASE_URL": f"sqlite:///{db_file}"}) as base:
        yield base


def run_block(block: str, base: str, tmp_path: Path) -> str:
    port = base.rsplit(":", 1)[1]
    # A terminal user's HTTPie ignores stdin; under a test runner stdin is not a TTY.
    (tmp_path / "config.json").write_text('{"default_options": ["--ignore-stdin"]}')
    script = block.replace("http://127.0.0.1:5000", base).replace(":5000/", f":{port}/")
    env = {
        **os.environ,
        "PATH": f"{BIN}:{os.environ['PATH']}",
        "HTTPIE_CONFIG_DIR": str(tmp_path),
    }
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_curl_flow(server: str, tmp_path: Path) -> None:
    block = next(b for b in bash_blocks() if "curl -i -X POST" in b)
    out = run_block(block, server, tmp_path)
    statuses = re.findall(r"HTTP/1\.1 (\d{3}) ", out)
    # register, me, edit, revoke
    assert statuses == ["201", "200", "200", "204"], out
    assert '"about_me":"Hi, I am Alice"' in out


def test_httpie_flow(server: str, tmp_path: Path) -> None:
    block = next(b for b in bash_blocks() if "http POST :5000/api/users" in b)
    out = run_block(block, server, tmp_path)
    assert '"username":"bob"' in out
    assert '"about_me":"Hi, I am Bob"' in out
