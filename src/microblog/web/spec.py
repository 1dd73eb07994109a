"""What a route declared (web/routes.py) and the pipeline enforces: kept on the view."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
AuthKind = Literal["bearer", "basic", "basic_or_bearer"]
Throttle = Literal["default", "exempt"]


@dataclass(frozen=True, slots=True)
class RouteSpec:
    """What the pipeline enforces for a route (web/auth.py, web/ratelimit.py)."""

    auth: AuthKind | None = None  # None: public
    optional: bool = False  # anonymous callers pass; credentials sent must be valid
    throttle: Throttle = "default"


def spec_of(view: Any) -> RouteSpec | None:
    spec: RouteSpec | None = getattr(view, "route_spec", None)
    return spec


def declare(view: F, spec: RouteSpec) -> F:
    """Attach ``spec`` to a view registered some other way (the ops routes, the docs)."""
    view.route_spec = spec  # type: ignore[attr-defined]
    return view


def exempt(view: F) -> F:
    """Not rate limited: documentation assets and liveness probes (web/api/ops.py)."""
    return declare(view, RouteSpec(throttle="exempt"))
