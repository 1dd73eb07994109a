"""The reading view at /api/v1/redoc in a real headless Chromium: the operations render
from the served document and the page never reaches past 127.0.0.1 (the ReDoc bundle ships
in flask-openapi3-redoc and the app serves it). The screenshot is left in
artifacts/redoc-ui.png. Chromium as in test_docs_ui.py: a failure under CI=true, else a skip."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from microblog import create_app
from tests.browser.test_docs_ui import ARTIFACTS, CHROMIUM_ARGS, LOCAL_SCHEMES, chromium
from tests.integration.live import flask_server

__all__ = ["chromium"]  # the fixture, imported to be shared


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("redoc-ui")
    env = {"DATABASE_URL": f"sqlite:///{tmp / 'redoc.db'}", "MICROBLOG_INSTANCE": str(tmp)}
    with flask_server(env) as base:
        yield base


def summaries(base: str) -> list[str]:
    """Every operation's summary in the served document."""
    with urllib.request.urlopen(base + "/api/v1/openapi.json", timeout=10) as response:  # noqa: S310
        document = json.load(response)
    found = [
        operation["summary"]
        for item in document["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and "summary" in operation
    ]
    assert len(found) >= 10, found
    return found


def test_redoc_renders_the_operations_offline(chromium: Path, server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    requests: list[str] = []
    page_errors: list[str] = []
    console: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS
        )
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.on("request", lambda request: requests.append(request.url))
            # Recorded above, then refused: a regression fails below instead of hanging.
            context.route(
                re.compile(r"^(?!http://127\.0\.0\.1[:/]).*"),
                lambda route: (
                    route.abort()
                    if urlsplit(route.request.url).scheme not in LOCAL_SCHEMES
                    else route.continue_()
                ),
            )
            page = context.new_page()
            page.set_default_timeout(20_000)
            page.on("pageerror", lambda error: page_errors.append(str(error)))
            page.on("console", lambda message: console.append(message.text))

            response = page.goto(server + "/api/v1/redoc")
            assert response is not None and response.status == 200

            # ReDoc's title, then every operation by its summary, and paths of several resources.
            expect(page.locator("h1").filter(has_text="Microblog API").first).to_be_visible()
            operations = page.locator("[data-section-id^='operation/']")
            expect(operations.first).to_be_attached()
            assert operations.count() >= 10, operations.count()
            body = page.locator("body")
            for summary in summaries(server):
                expect(body).to_contain_text(summary)
            expect(body).to_contain_text("/api/v1/users")
            expect(body).to_contain_text("/api/v1/posts")
            expect(body).to_contain_text("/api/v1/tokens")
            expect(
                page.get_by_role("link", name="Try the requests in Swagger UI")
            ).to_have_attribute("href", "/api/v1/docs")

            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "redoc-ui.png"))
        finally:
            browser.close()

    assert not page_errors, page_errors
    # Nothing refused by the page's Content-Security-Policy: no part of the page is missing.
    assert not [text for text in console if "Content Security Policy" in text], console
    assert any(url.endswith("/api/v1/openapi.json") for url in requests), requests
    assert any(url.endswith("/redoc.standalone.js") for url in requests), requests
    # The credit's logo, which the bundle would load from a CDN, comes from the app.
    assert any(url.endswith("/api/v1/redoc/static/images/redoc.svg") for url in requests), requests
    leaving = [
        url
        for url in requests
        if urlsplit(url).scheme not in LOCAL_SCHEMES and urlsplit(url).hostname != "127.0.0.1"
    ]
    assert not leaving, f"the ReDoc page reached outside 127.0.0.1: {leaving}"
    assert (ARTIFACTS / "redoc-ui.png").stat().st_size > 10_000


def test_redoc_page_and_bundle_are_not_rate_limited() -> None:
    """Like the Swagger page: a reader reloading the docs never spends the API budget."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_DEFAULT": "1 per minute",
        }
    )
    client = app.test_client()
    bundle = "/api/v1/redoc/static/js/redoc.standalone.js"
    for url in ("/api/v1/redoc", bundle, "/api/v1/redoc/static/images/redoc.svg", "/api/v1/docs"):
        for _ in range(3):
            with client.get(url) as response:  # closes the streamed bundle
                assert response.status_code == 200, url
    page = client.get("/api/v1/redoc").get_data(as_text=True)
    assert f'src="{bundle}"' in page
    assert "http://" not in page and "https://" not in page
    assert b"cdn.redoc.ly" not in client.get(bundle).data
