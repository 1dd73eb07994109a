from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from microblog.data.pages import Page
from microblog.services import users as user_service
from microblog.services.permissions import IsAdmin, authorize
from microblog.web import representations
from microblog.web.auth import require_user
from microblog.web.pagination import page_request
from microblog.web.routes import Routes
from microblog.web.schemas.users import UserCollection, UserListQuery

admin = Routes("admin", __name__, "/api/v1/admin", "Administrators only")
bp = admin.bp


@admin.get(
    "/users",
    response=UserCollection,
    represent=representations.user_for_caller,
    summary="All users with every field (email, role, is_active)",
    operation_id="adminListUsers",
    description="Every user with every field; administrators only (403 otherwise).",
    permission=True,
)
def list_users(query: UserListQuery) -> Page[Sequence[Any]]:
    authorize(require_user(), IsAdmin())
    page = page_request(query.page, query.per_page)
    return user_service.list_users(page, q=query.q, sort=query.sort)
