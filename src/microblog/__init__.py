"""Microblog API: the application factory."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask_openapi3 import Contact, Info, License, OpenAPI, Server

from microblog.config import engine_options, load_config
from microblog.data import passwords
from microblog.data.db import close_read_connection, db, migrate, ping_idle_connections
from microblog.telemetry import logs, observability
from microblog.web import auth, conditional, cors, errors, hosts, http, pipeline, ratelimit
from microblog.web.schemas.common import ErrorOut

__all__ = ["create_app"]


def create_app(config: str | Mapping[str, Any] | None = None) -> OpenAPI:
    """Build the app. ``config`` is an environment name (``development``, ``testing``,
    ``production``) or a mapping of settings applied over the testing environment."""
    overrides: Mapping[str, Any] = config if isinstance(config, Mapping) else {}
    env_name = config if isinstance(config, str) else ("testing" if overrides else None)
    if (env_name or os.environ.get("MICROBLOG_ENV")) == "development":
        from dotenv import load_dotenv

        load_dotenv()

    app = OpenAPI(
        __name__,
        info=Info(
            title="Microblog API",
            version="1.0.0",
            description="Users, followers, posts and private task lists over JSON.",
            license=License(name="MIT", identifier="MIT"),
            contact=Contact(name="The Microblog API authors"),
        ),
        servers=[Server(url="/", description="This server (paths start with /api/v1).")],
        security_schemes=auth.SECURITY_SCHEMES,  # type: ignore[arg-type]
        # Only documents: flask-openapi3 adds this status, with a list of errors, to every
        # operation that lacks it; 500 is on every operation already (web/routes.py), and
        # our callback answers 400 itself.
        validation_error_status=500,
        validation_error_model=ErrorOut,
        validation_error_callback=http.raise_validation_error,
        doc_ui=False,
        instance_relative_config=True,
        # instance/ under the working directory (or MICROBLOG_INSTANCE), not site-packages.
        instance_path=os.path.abspath(os.environ.get("MICROBLOG_INSTANCE", "instance")),
    )
    app.config.update(load_config(env_name, app.instance_path))
    app.config.update(overrides)
    if "SQLALCHEMY_ENGINE_OPTIONS" not in overrides:
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)
    logs.configure_logging(app)

    db.init_app(app)
    if app.config["DB_POOL_PRE_PING"] and app.config["DB_POOL_PING_IDLE"]:
        with app.app_context():
            ping_idle_connections(db.engine, app.config["DB_POOL_PING_IDLE"])
    migrate.init_app(
        app,
        db,
        directory=os.path.join(os.path.dirname(__file__), "migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    app.teardown_appcontext(close_read_connection)
    app.extensions[passwords.EXTENSION_KEY] = passwords.from_settings(app.config)
    http.init_app(app)
    errors.register_error_handlers(app)
    cors.init_app(app)
    auth.init_app(app)
    install_pipeline(app)

    from microblog import cli
    from microblog.web import api

    api.register(app)
    cli.register(app)
    return app


def install_pipeline(app: OpenAPI) -> None:
    """The steps around every view (pipeline.py), with the ones switched off left out.

    Before: timer → trusted Host (400: before anything else looks at the request) → URL
    length (414) → API version (406) → default rate limit (429) → authentication (401; a
    password check first spends the login budget, 429 when it is spent, whatever the
    route) → body checks (415/413/400) → If-Match (412); then the view (validation,
    permissions; the JSON login and ``current_password`` spend the login budget the same
    way).
    After: ETag / 304 → RateLimit-* headers → X-Request-ID, Cache-Control → metrics and
    the request's log line."""
    limiter = ratelimit.init_app(app)
    recorder = observability.init_app(app, user_id=auth.current_user_id)
    before: list[pipeline.BeforeStep] = []
    after: list[pipeline.AfterStep] = []
    if recorder is not None:
        before.append(observability.start_timer)
    before.append(hosts.init_app(app))
    before.append(http.url_length_check(app.config["MAX_URL_LENGTH"]))
    before.append(http.negotiate_version)
    if limiter is not None:
        before.append(limiter.check)
    before += [auth.authenticate_request, http.check_body, conditional.check_if_match]
    if app.config["ETAGS_ENABLED"]:
        after.append(conditional.tag_response)
    if limiter is not None:
        after.append(ratelimit.add_headers)
    after.append(http.set_response_headers)
    if recorder is not None:
        after.append(recorder)
    pipeline.install(app, before, after)
