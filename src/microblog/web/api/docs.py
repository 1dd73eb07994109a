"""The documentation pages over the generated document, every asset served by this app so
they work offline and behind firewalls: Swagger UI at ``/api/v1/docs`` to try requests (the
bundle ships in flask-openapi3-swagger; the validator badge is off, it would call out to the
web) and ReDoc at ``/api/v1/redoc`` to read (the bundle ships in flask-openapi3-redoc)."""

from __future__ import annotations

import os

import flask_openapi3_redoc
import flask_openapi3_swagger
from flask import Blueprint, Response, send_from_directory, url_for

from microblog.web.spec import exempt

ASSETS = os.path.join(os.path.dirname(flask_openapi3_swagger.__file__), "templates", "swagger")
REDOC_ASSETS = os.path.join(os.path.dirname(flask_openapi3_redoc.__file__), "templates", "redoc")
REDOC_BUNDLE = "js/redoc.standalone.js"
#: The bundle's sidebar credit loads its logo from a CDN; it is pointed at the copy that
#: ships beside the bundle instead.
REDOC_CDN_LOGO = b"https://cdn.redoc.ly/redoc/logo-mini.svg"

bp = Blueprint("docs", __name__, static_folder=ASSETS, static_url_path="/api/v1/docs/static")

PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Microblog API — documentation</title>
  <link rel="stylesheet" href="{css}">
</head>
<body>
  <p style="font-family: sans-serif; margin: 8px 20px">
    <a href="{other}">Read this reference in ReDoc</a>
  </p>
  <div id="swagger-ui"></div>
  <script src="{bundle}"></script>
  <script src="{preset}"></script>
  <script>
    window.ui = SwaggerUIBundle({{
      url: "{spec}",
      dom_id: "#swagger-ui",
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      layout: "StandaloneLayout",
      validatorUrl: null,
      deepLinking: true,
      persistAuthorization: true
    }});
  </script>
</body>
</html>
"""

REDOC_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Microblog API — reference</title>
  <style>body {{ margin: 0; padding: 0; }}</style>
</head>
<body>
  <p style="font-family: sans-serif; margin: 8px 20px">
    <a href="{other}">Try the requests in Swagger UI</a>
  </p>
  <div id="redoc"></div>
  <script src="{bundle}"></script>
  <script>
    Redoc.init("{spec}", {{}}, document.getElementById("redoc"));
  </script>
</body>
</html>
"""


@bp.get("/api/v1/docs")
@exempt
def docs() -> Response:
    html = PAGE.format(
        css=url_for("docs.static", filename="css/swagger-ui.css"),
        bundle=url_for("docs.static", filename="js/swagger-ui-bundle.js"),
        preset=url_for("docs.static", filename="js/swagger-ui-standalone-preset.js"),
        spec=url_for("openapi_document"),
        other=url_for("docs.redoc"),
    )
    return Response(html, mimetype="text/html")


#: Should a later bundle fetch anything else from outside, the browser refuses it.
REDOC_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline'; worker-src 'self' blob:; font-src 'self' data:"
)


@bp.get("/api/v1/redoc")
@exempt
def redoc() -> Response:
    html = REDOC_PAGE.format(
        bundle=url_for("docs.redoc_asset", filename=REDOC_BUNDLE),
        spec=url_for("openapi_document"),
        other=url_for("docs.docs"),
    )
    return Response(html, mimetype="text/html", headers={"Content-Security-Policy": REDOC_CSP})


#: The bundle as served, read once.
bundle: list[bytes] = []


@bp.get("/api/v1/redoc/static/<path:filename>")
@exempt
def redoc_asset(filename: str) -> Response:
    if filename != REDOC_BUNDLE:
        return send_from_directory(REDOC_ASSETS, filename)
    if not bundle:
        logo = url_for("docs.redoc_asset", filename="images/redoc.svg").encode()
        with open(os.path.join(REDOC_ASSETS, REDOC_BUNDLE), "rb") as file:
            bundle.append(file.read().replace(REDOC_CDN_LOGO, logo))
    return Response(bundle[0], mimetype="text/javascript")
