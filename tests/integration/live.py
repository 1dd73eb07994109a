"""Run the real service on a free loopback port, and talk to it over HTTP: in a subprocess
as ``make run`` serves it (:func:`flask_server`), or a test's own app served from this
process by the same HTTP server (:func:`wsgi_server`)."""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import orjson
from werkzeug.serving import WSGIRequestHandler, make_server

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Reply:
    status: int
    headers: Any
    body: bytes

    def json(self) -> Any:
        return orjson.loads(self.body)


def call(
    base: str,
    method: str,
    path: str,
    *,
    json: Any = None,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    source: str | None = None,
    timeout: float = 10.0,
) -> Reply:
    """One HTTP request, from the loopback address ``source`` if given."""
    url = urlsplit(base)
    all_headers = dict(headers or {})
    if json is not None:
        body = orjson.dumps(json)
        all_headers["Content-Type"] = "application/json"
    connection = http.client.HTTPConnection(
        url.hostname or "127.0.0.1",
        url.port,
        timeout=timeout,
        source_address=(source, 0) if source else None,
    )
    try:
        connection.request(method, path, body=body, headers=all_headers)
        response = connection.getresponse()
        return Reply(response.status, response.headers, response.read())
    finally:
        connection.close()


def fresh_window(needed: float = 10.0) -> None:
    """Rate budgets are clock-aligned minute windows (docs/reference.md, rate limits): wait,
    if need be, so that the next ``needed`` seconds stay in one window."""
    left = 60 - time.time() % 60
    if left < needed:
        time.sleep(left + 0.2)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - loopback only
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@contextmanager
def flask_server(env: Mapping[str, str]) -> Iterator[str]:
    """Migrate, then serve with ``flask run`` exactly as ``make run`` does."""
    full_env = {**os.environ, "MICROBLOG_ENV": "development", **env}
    flask = [sys.executable, "-m", "flask", "--app", "microblog"]
    subprocess.run([*flask, "db", "upgrade"], env=full_env, check=True, capture_output=True)
    port = free_port()
    proc = subprocess.Popen(
        [*flask, "run", "--host", "127.0.0.1", "--port", str(port)],
        env=full_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base + "/healthz")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


class _QuietRequestHandler(WSGIRequestHandler):
    """No access-log line per request (thousands per test); errors are still logged."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@contextmanager
def wsgi_server(app: WSGIApplication) -> Iterator[str]:
    """Serve ``app`` on a free loopback port from a thread of this process, with the HTTP
    server ``flask run`` uses (werkzeug's, a thread per request, HTTP/1.1): real sockets,
    real parsing of the request line and headers, while the test keeps the app in hand
    (its configuration, its database, its signals)."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="wsgi_server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def bash_blocks(document: Path) -> list[str]:
    """The ```bash blocks of a Markdown document, in order."""
    return re.findall(r"```bash\n(.*?)```", document.read_text(), flags=re.S)


def run_doc_block(
    block: str, base: str, tmp_path: Path, httpie_options: tuple[str, ...] = ("--ignore-stdin",)
) -> str:
    """Run a documented shell block as written, against ``base`` instead of port 5000.

    A terminal user's HTTPie ignores stdin (and prints headers and body); under a test
    runner stdin and stdout are not TTYs, so a throwaway HTTPie config says so."""
    port = base.rsplit(":", 1)[1]
    (tmp_path / "config.json").write_text(json.dumps({"default_options": list(httpie_options)}))
    script = block.replace("http://127.0.0.1:5000", base).replace(":5000/", f":{port}/")
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "HTTPIE_CONFIG_DIR": str(tmp_path)}
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def migrate(env: dict[str, str]) -> None:
    """``flask db upgrade`` with ``env``, as a deployment runs it before starting."""
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "microblog", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
