#!/usr/bin/env bash
# Run the test suite on several Pythons (3.11, 3.12 and 3.13 by default; PYTHON_VERSIONS to
# choose), each in the virtualenv `make test PY=<version>` uses (.venv-<version>, from
# uv.lock). The interpreters come from PATH or pyenv (scripts/find-python.sh); uv downloads
# none. Extra arguments go to pytest, e.g. `bash scripts/test-pythons.sh tests/unit -x`.
set -euo pipefail
cd "$(dirname "$0")/.."
versions=${PYTHON_VERSIONS:-"3.11 3.12 3.13"}
# uv on PATH, else the copy `make install` puts inside the repository.
uv=$(command -v uv || echo .tools/uv/bin/uv)
[ -x "$uv" ] || { echo "uv not found: run 'make install' first (README)" >&2; exit 1; }
for version in $versions; do
  interpreter=$(bash scripts/find-python.sh "$version")
  echo "== tests on $("$interpreter" -V) ($interpreter)"
  export UV_PROJECT_ENVIRONMENT=".venv-$version"
  "$uv" sync --frozen --python "$interpreter" --quiet
  "$uv" run --frozen --python "$interpreter" pytest "$@"
done
