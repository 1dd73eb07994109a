#!/usr/bin/env bash
# Run the test suite on other supported Pythons (3.12 and 3.13 by default), each in a
# virtualenv of its own built from uv.lock. The interpreters come from pyenv (or PATH);
# uv downloads none. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
versions=${PYTHON_VERSIONS:-"3.12 3.13"}
for version in $versions; do
  interpreter=$(command -v "python$version" 2>/dev/null || true)
  if [ -z "$interpreter" ] || ! "$interpreter" -V >/dev/null 2>&1; then
    interpreter=$(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$version".*/bin/python"$version" 2>/dev/null | sort -V | tail -n 1)
  fi
  if [ -z "$interpreter" ]; then
    echo "Python $version not found (pyenv or PATH)" >&2
    exit 1
  fi
  echo "== tests on $("$interpreter" -V) ($interpreter)"
  export UV_PROJECT_ENVIRONMENT=".venv-$version"
  uv sync --frozen --python "$interpreter" --quiet
  uv run --frozen --python "$interpreter" pytest "$@"
done
