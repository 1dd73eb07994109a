# syntax=docker/dockerfile:1
# The Microblog API image: gunicorn serving the app from a virtualenv built from uv.lock.
#
#   docker build -t microblog .
#   docker run --rm -e SECRET_KEY=... -e PUBLIC_URL=https://api.example.com \
#     -e DATABASE_URL=postgresql://... -p 8000:8000 microblog
#
# The HEALTHCHECK asks for http://127.0.0.1:.../healthz: loopback names are always trusted
# hosts, whatever PUBLIC_URL/TRUSTED_HOSTS say (docs/security.md).
#
# Migrations are not run here (the image has no database to talk to): run
# `flask --app microblog db upgrade` once per release, as docker-compose.yml's migrate
# service does, before starting the new image.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# -- builder: resolve nothing, install exactly uv.lock ---------------------------------------
FROM ${PYTHON_IMAGE} AS builder
RUN pip install --no-cache-dir uv==0.13.9
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /src
# Dependencies first: this layer is rebuilt only when the lock file changes.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project
# Then the project itself, as a wheel (not editable): the runtime needs no source tree.
COPY README.md ./
COPY src ./src
RUN uv sync --frozen --no-dev --no-editable

# -- runtime ---------------------------------------------------------------------------------
# The same base image as the builder: the virtualenv points at its /usr/local/bin/python.
FROM ${PYTHON_IMAGE}
RUN groupadd --system microblog \
 && useradd --system --gid microblog --home-dir /app --no-create-home microblog \
 && mkdir -p /app/instance && chown microblog:microblog /app/instance
WORKDIR /app
COPY --from=builder /app/.venv /app/.venv
COPY gunicorn.conf.py ./
ENV PATH="/app/.venv/bin:$PATH" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MICROBLOG_ENV=production \
    MICROBLOG_INSTANCE=/app/instance
USER microblog
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=3)"]
CMD ["gunicorn", "-c", "gunicorn.conf.py", "microblog:create_app()"]
