"""Interactive documentation at ``/api/v1/docs``: Swagger UI over the generated document,
every asset served by this app (the bundle ships in flask-openapi3-swagger), so it works
offline and behind firewalls. The validator badge is off: it would call out to the web."""

from __future__ import annotations

import os

import flask_openapi3_swagger
from flask import Blueprint, Response, url_for

from microblog.web.spec import exempt

ASSETS = os.path.join(os.path.dirname(flask_openapi3_swagger.__file__), "templates", "swagger")

bp = Blueprint("docs", __name__, static_folder=ASSETS, static_url_path="/api/v1/docs/static")

PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Microblog API — documentation</title>
  <link rel="stylesheet" href="{css}">
</head>
<body>
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


@bp.get("/api/v1/docs")
@exempt
def docs() -> Response:
    html = PAGE.format(
        css=url_for("docs.static", filename="css/swagger-ui.css"),
        bundle=url_for("docs.static", filename="js/swagger-ui-bundle.js"),
        preset=url_for("docs.static", filename="js/swagger-ui-standalone-preset.js"),
        spec=url_for("openapi_document"),
    )
    return Response(html, mimetype="text/html")
