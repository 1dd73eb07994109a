"""The repository stands on its own: no file points outside it, every setting is listed
where an operator looks for it, every relative link resolves, and ``make test`` leaves the
machine's packages and services alone."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from microblog.config import Settings

ROOT = Path(__file__).resolve().parents[2]

#: Not ours to check: the lock file (package URLs). Binary files (the benchmark's PNG
#: charts) are skipped by ``text_of``.
SKIPPED_PATHS = {Path("uv.lock")}

#: Written in pieces so that this file does not match itself.
OUTSIDE_REFERENCES = [
    re.compile(re.escape("API" + ".md")),
    re.compile(re.escape(".." + "/shared")),
    re.compile(re.escape("/work" + "/")),
    re.compile("the " + "brief", re.IGNORECASE),
    re.compile(re.escape("STYLE" + ".md")),
]
#: Issue numbers mean nothing to a reader of a clone.
ISSUE_NUMBER = re.compile(r"\bissue[ -]#?\d+|\bissue #\d+|\(#\d+\)", re.IGNORECASE)


def repository_files() -> Iterator[Path]:
    """The files git tracks, and the new ones it does not ignore (virtualenvs, caches and
    local state are ignored)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in sorted(filter(None, listed.split("\0"))):
        relative = Path(name)
        if any(relative.is_relative_to(skipped) for skipped in SKIPPED_PATHS):
            continue
        path = ROOT / relative
        if path.is_file():
            yield path


def text_of(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return None  # binary


def test_no_file_refers_to_anything_outside_the_repository() -> None:
    found = []
    for path in repository_files():
        text = text_of(path)
        if text is None:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            for pattern in [*OUTSIDE_REFERENCES, ISSUE_NUMBER]:
                if pattern.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "\n".join(found)


# -- settings ----------------------------------------------------------------------------

#: The app's settings are the fields of config.Settings; these files (config.py too, should
#: it ever read one directly) read variables themselves.
READERS = {
    "src/microblog/config.py": r"""(?:environ\.get|environ\[|getenv)\(\s*["']([A-Z][A-Z0-9_]+)""",
    "src/microblog/__init__.py": r"""environ\.get\(\s*["']([A-Z][A-Z0-9_]+)["']""",
    "gunicorn.conf.py": r"""(?:environ\.get|environ\[|_int)\(?\s*["']([A-Z][A-Z0-9_]+)["']""",
    "docker-compose.yml": r"\$\{([A-Z][A-Z0-9_]+)",
}


def settings_read() -> set[str]:
    names = set(Settings.model_fields)
    for path, pattern in READERS.items():
        names.update(re.findall(pattern, (ROOT / path).read_text()))
    return names


def test_the_settings_are_found() -> None:
    # The patterns above still find what the code reads.
    assert {"SECRET_KEY", "MICROBLOG_ENV", "WEB_CONCURRENCY", "POSTGRES_PASSWORD"} <= (
        settings_read()
    )
    assert len(settings_read()) >= 40


def test_env_example_lists_every_setting_commented_out() -> None:
    text = (ROOT / ".env.example").read_text()
    listed = re.findall(r"^# ([A-Z][A-Z0-9_]+)=", text, flags=re.M)
    missing = settings_read() - set(listed)
    assert not missing, f".env.example lacks {sorted(missing)}"
    # A fresh copy changes nothing, and holds no secret.
    assert not re.findall(r"^[A-Z][A-Z0-9_]*=", text, flags=re.M)
    for secret in ("SECRET_KEY", "JWT_SECRET_KEY", "METRICS_TOKEN", "POSTGRES_PASSWORD"):
        assert re.search(rf"^# {secret}=$", text, flags=re.M), secret


def test_readme_documents_every_setting() -> None:
    text = (ROOT / "README.md").read_text()
    missing = {name for name in settings_read() if f"`{name}`" not in text}
    assert not missing, f"README.md lacks {sorted(missing)}"


def test_readme_configuration_tables_are_whole() -> None:
    """A blank line inside a Markdown table ends it: each table's rows are contiguous."""
    lines = (ROOT / "README.md").read_text().splitlines()
    for number, line in enumerate(lines):
        if line.startswith("|---"):
            header = lines[number - 1]
            columns = header.count("|")
            rows = 0
            for row in lines[number + 1 :]:
                if not row.startswith("|"):
                    break
                rows += 1
                assert row.count("|") - row.count("\\|") >= columns, row
            assert rows > 0, header


# -- links -------------------------------------------------------------------------------

MARKDOWN_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


@pytest.mark.parametrize(
    "document",
    ["README.md", "CHANGELOG.md", *sorted(p.name for p in (ROOT / "docs").glob("*.md"))],
)
def test_relative_links_resolve(document: str) -> None:
    path = ROOT / document if (ROOT / document).exists() else ROOT / "docs" / document
    for target in MARKDOWN_LINK.findall(path.read_text()):
        if re.match(r"[a-z]+:", target):
            continue  # an absolute URL
        assert (path.parent / target).resolve().exists(), f"{document}: {target}"


DOC_SECTION = re.compile(r"docs/([a-z_]+\.md)#([A-Za-z0-9_-]+)")


def anchors_of(document: Path) -> set[str]:
    """GitHub's anchors for a document's headings, and its explicit ``<a id>``s."""
    text = document.read_text()
    headings = re.findall(r"^#+ (.*)$", text, re.MULTILINE)
    slugs = {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}
    return slugs | set(re.findall(r'<a id="([^"]+)"', text))


def test_every_docs_section_cited_exists() -> None:
    """Code comments cite docs/ sections (``docs/reference.md#errors``): each must exist."""
    anchors = {doc.name: anchors_of(doc) for doc in (ROOT / "docs").glob("*.md")}
    missing = []
    for path in repository_files():
        text = text_of(path)
        if text is None or path.suffix not in {".py", ".md", ".toml", ".sh"}:
            continue
        for name, anchor in DOC_SECTION.findall(text):
            if anchor not in anchors.get(name, set()):
                missing.append(f"{path}: docs/{name}#{anchor}")
    assert not missing, missing


def test_license_and_changelog() -> None:
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert "the Microblog API authors" in (ROOT / "LICENSE").read_text()
    assert "\n## [Unreleased]\n" in (ROOT / "CHANGELOG.md").read_text()


# -- make test ---------------------------------------------------------------------------


def make_target(name: str) -> str:
    text = (ROOT / "Makefile").read_text()
    match = re.search(rf"^{name}:.*\n((?:\t.*\n?)*)", text, flags=re.M)
    assert match, name
    return match.group(1)


def test_make_test_installs_nothing_and_touches_no_service() -> None:
    recipe = make_target("test")
    for forbidden in ("install-services", "apt-get", "sudo", "service ", "systemctl"):
        assert forbidden not in recipe
    assert "install-services.sh" in make_target("deps")
    assert "make deps" in (ROOT / ".ci" / "run").read_text()


def test_make_install_puts_uv_only_inside_the_repository() -> None:
    """Without uv, ``make install`` puts it in .tools/uv (ignored by git), the version the
    Dockerfile pins, and never into the system's or the user's Python."""
    recipe = make_target("install").replace("\\\n", " ")
    installs = re.findall(r"pip install[^;|&]*", recipe)
    assert installs
    for command in installs:
        assert "--target .tools/uv" in command, command
    pinned = re.search(r"^UV_VERSION := (\S+)$", (ROOT / "Makefile").read_text(), flags=re.M)
    assert pinned
    assert f"uv=={pinned.group(1)}" in (ROOT / "Dockerfile").read_text()
    assert ".tools/" in (ROOT / ".gitignore").read_text().splitlines()


def test_the_benchmarks_install_nothing() -> None:
    """wrk comes from ``make deps``; a benchmark without it stops and says so."""
    for script in sorted((ROOT / "bench").glob("*.sh")):
        for line in script.read_text().splitlines():
            if not line.lstrip().startswith("#"):
                assert not re.search(r"\b(apt-get|sudo)\b", line), f"{script.name}: {line}"
    assert "wrk" in (ROOT / "scripts" / "install-services.sh").read_text()
    assert re.search(
        r"command -v wrk .*\n.*die .*make deps", (ROOT / "bench" / "lib.sh").read_text()
    )


def test_deps_never_stops_or_starts_a_service() -> None:
    script = (ROOT / "scripts" / "install-services.sh").read_text()
    commands = [line for line in script.splitlines() if not line.lstrip().startswith("#")]
    for line in commands:
        assert not re.search(r"\b(service\s+\S+\s+(stop|start|restart)|systemctl)\b", line), line
    # It says what it will install before it does.
    assert script.index("will install") < script.index("apt-get install")
