"""Trusted hosts (docs/reference.md#host-names): links and ``Location`` come from a trusted origin
only.

Absolute URLs are built from ``PUBLIC_URL`` when it is set, else from the request's
``Host`` (the forwarded one behind ``TRUSTED_PROXIES``), which must be one of the trusted
names: the loopback names, the entries of ``TRUSTED_HOSTS`` and ``PUBLIC_URL``'s host. Any
other ``Host`` is a 400 on every route, checked by :class:`HostCheck`, the first step of the
request pipeline, before rate limits, credentials or bodies are looked at.

Why not Flask 3.1's own ``TRUSTED_HOSTS`` setting (read in the installed Flask 3.1.3 and
Werkzeug 3.1.9): Flask checks it while building the URL adapter and keeps the refusal as the
routing exception, raised only when the view is dispatched, after every ``before_request``
hook (our rate limits, password checks and body parsing would run for an untrusted host);
and Werkzeug's ``host_is_trusted`` cuts each entry at its first ``:``, so no IPv6 literal
(``[::1]``, a default here) can ever match, and it compares case-sensitively. So Flask's
setting stays ``None`` and this module checks the same value Flask then builds links from
(``werkzeug.wsgi.get_host``), IPv6- and case-aware.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Request, current_app, request, url_for
from werkzeug.wsgi import get_host

from microblog.errors import BadRequest

#: Always trusted, in every environment: a link to a loopback name can only point a client
#: at its own machine, and they are what probes inside a container send (Docker
#: HEALTHCHECK, ``curl localhost``).
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_NAME = re.compile(rf"\.?{_LABEL}(?:\.{_LABEL})*")
_HOST_PORT = re.compile(r"(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::([0-9]{1,5}))?")
EXTENSION_KEY = "microblog.hosts"


class UntrustedHost(BadRequest):
    default_message = (
        "The Host header names a host this server does not answer to; "
        "use the service's public address."
    )


def normalise_host(entry: str, setting: str = "TRUSTED_HOSTS") -> str:
    """One trusted name, lower-cased, an IPv6 address in brackets; a leading ``.`` trusts
    every subdomain (as in Werkzeug). Ports are not part of a name: refused here, so that
    ``TRUSTED_HOSTS=example.com:8443`` is not silently read as trusting every port."""
    name = entry.strip().lower()
    bare = name[1:-1] if name.startswith("[") and name.endswith("]") else name
    try:
        address = ipaddress.ip_address(bare)
    except ValueError:
        if _NAME.fullmatch(name) and len(name) <= 253:
            return name
        raise RuntimeError(
            f"{setting}: {entry!r} is not a host name or IP address "
            "(names only, no scheme or port; e.g. api.example.com, .example.com, 10.0.0.5)"
        ) from None
    return f"[{address.compressed}]" if address.version == 6 else address.compressed


def parse_public_url(value: str) -> str:
    """``PUBLIC_URL`` checked and normalised: ``scheme://host[:port][/prefix]`` with no
    trailing ``/``, query, fragment or user info."""
    parts = urlsplit(value.strip())
    problem = None
    if parts.scheme not in ("http", "https"):
        problem = "the scheme must be http or https"
    elif not parts.hostname or parts.username is not None or parts.password is not None:
        problem = "it needs a host (and no user info)"
    elif parts.query or parts.fragment or "?" in value or "#" in value:
        problem = "it cannot have a query or fragment"
    else:
        try:
            port = parts.port
            normalise_host(parts.hostname, "PUBLIC_URL")
        except (ValueError, RuntimeError):
            problem = "its host or port is not valid"
        else:
            host = normalise_host(parts.hostname, "PUBLIC_URL")
            netloc = host if port is None else f"{host}:{port}"
            return f"{parts.scheme}://{netloc}{parts.path.rstrip('/')}"
    raise RuntimeError(
        f"PUBLIC_URL {value!r} is not valid: {problem} "
        "(expected scheme://host[:port][/path], e.g. https://api.example.com)"
    )


def public_host(public_url: str) -> str:
    hostname = urlsplit(public_url).hostname or ""
    return normalise_host(hostname, "PUBLIC_URL")


def trusted_names(config: Any) -> frozenset[str]:
    """Every trusted host name for an app's config (validated: start-up fails on a bad one)."""
    names = set(LOOPBACK_HOSTS)
    entries = config["TRUSTED_HOST_NAMES"]
    if isinstance(entries, str):  # a comma-separated string, as in the environment
        entries = entries.split(",")
    names.update(normalise_host(entry) for entry in entries if entry.strip())
    if config["PUBLIC_URL"]:
        names.add(public_host(config["PUBLIC_URL"]))
    return frozenset(names)


def host_name(host: str) -> str | None:
    """The name part of a ``host[:port]`` value (lower-cased), or None if it is not one."""
    match = _HOST_PORT.fullmatch(host.lower())
    if match is None:
        return None
    name = match.group(1)
    if name.startswith("["):
        try:
            return f"[{ipaddress.IPv6Address(name[1:-1]).compressed}]"
        except ValueError:
            return None
    return name


class HostCheck:
    """The pipeline's first step: a request whose ``Host`` is not trusted is a 400."""

    CACHE_LIMIT = 256  # distinct accepted Host values remembered (names x ports)

    def __init__(self, names: frozenset[str]) -> None:
        self.exact = frozenset(n for n in names if not n.startswith("."))
        self.suffixes = tuple(n for n in names if n.startswith("."))
        self.accepted: set[str] = set()

    def trusts(self, host: str) -> bool:
        name = host_name(host)
        if name is None:
            return False
        return name in self.exact or any(
            name.endswith(suffix) or name == suffix[1:] for suffix in self.suffixes
        )

    def __call__(self, req: Request) -> None:
        environ = req.environ
        raw = environ.get("HTTP_HOST")
        if raw is not None and raw in self.accepted:
            return
        # The value Flask builds links from (its own TRUSTED_HOSTS is None): the Host
        # header, else the server's address; "" when its characters are not valid.
        host = get_host(environ)
        if not host or not self.trusts(host):
            raise UntrustedHost()
        if raw is not None and len(self.accepted) < self.CACHE_LIMIT:
            self.accepted.add(raw)


def init_app(app: Flask) -> HostCheck:
    """Validate ``PUBLIC_URL`` and the trusted names (a bad one stops start-up)."""
    if app.config["PUBLIC_URL"]:
        app.config["PUBLIC_URL"] = parse_public_url(app.config["PUBLIC_URL"])
    check = app.extensions[EXTENSION_KEY] = HostCheck(trusted_names(app.config))
    return check


def external_url(path: str) -> str:
    """The absolute URL of an app path (``/api/v1/tasks/1``): under ``PUBLIC_URL`` when
    set, else on the request's (checked) host."""
    base = current_app.config["PUBLIC_URL"]
    if base:
        return f"{base}{path}"
    return f"{request.host_url.rstrip('/')}{path}"


def external_url_for(endpoint: str, **values: Any) -> str:
    """``url_for(..., _external=True)`` that honours ``PUBLIC_URL`` (which includes any
    path prefix, so the request's own script root is left out under it)."""
    if not current_app.config["PUBLIC_URL"]:
        return url_for(endpoint, _external=True, **values)
    path = url_for(endpoint, **values)
    root = request.script_root
    if root and path.startswith(root):
        path = path[len(root) :]
    return external_url(path)
