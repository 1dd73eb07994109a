"""The committed docs/openapi.json is the document the app serves, and the committed
clients/python is what `make client` generates from it: a change to the API that was not
followed by `make client` fails here."""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLIENT = ROOT / "clients" / "python"
#: Left by Python and ruff in a working tree; git ignores them too.
NOT_GENERATED = {"__pycache__", ".ruff_cache", ".pytest_cache", ".mypy_cache"}


def generated_files(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and not NOT_GENERATED & set(path.relative_to(root).parts)
    }


def test_openapi_json_is_the_served_document() -> None:
    render = runpy.run_path(str(ROOT / "scripts" / "openapi.py"))["render"]
    committed = (ROOT / "docs" / "openapi.json").read_text(encoding="utf-8")
    assert committed == render(), "docs/openapi.json is stale: run make client"


def test_client_is_generated_from_the_committed_document(tmp_path: Path) -> None:
    output = tmp_path / "python"
    bin_dir = Path(sys.executable).parent
    # The generator's post-hooks call ruff, installed beside this interpreter.
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(
        [
            str(bin_dir / "openapi-python-client"),
            "generate",
            "--path",
            str(ROOT / "docs" / "openapi.json"),
            "--config",
            str(ROOT / "clients" / "python-client.yaml"),
            "--meta",
            "uv",
            "--output-path",
            str(output),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # Warnings mean operations the client would lack; the generator prints them to stdout.
    assert "Warning" not in done.stdout, done.stdout
    fresh, committed = generated_files(output), generated_files(CLIENT)
    assert sorted(fresh) == sorted(committed), "clients/python is stale: run make client"
    changed = [name for name in fresh if fresh[name] != committed[name]]
    assert not changed, f"clients/python is stale (run make client): {changed}"
