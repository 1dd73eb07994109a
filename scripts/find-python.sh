#!/usr/bin/env bash
# Print the path of a Python interpreter of the version given (e.g. 3.13): python3.13 on
# PATH if it runs (a pyenv shim of a version that is not selected does not), else pyenv's
# newest 3.13.x. Fails, saying so, if there is none: uv is not asked, it would download one.
set -euo pipefail
version=${1:?usage: scripts/find-python.sh VERSION (e.g. 3.13)}
candidates=$(
  command -v "python$version" 2>/dev/null || true
  ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$version".*/bin/python"$version" 2>/dev/null \
    | sort -Vr || true
)
for candidate in $candidates; do
  # The interpreter itself (not a shim), if it runs and is that version.
  if found=$("$candidate" -c "import sys; assert '%d.%d' % sys.version_info[:2] == '$version'
print(sys.executable)" 2>/dev/null); then
    echo "$found"
    exit 0
  fi
done
echo "Python $version not found (python$version on PATH, or in pyenv)" >&2
exit 1
