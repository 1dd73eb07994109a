from __future__ import annotations

from flask import Response
from flask_openapi3 import APIBlueprint, Tag

from microblog.services import users as user_service
from microblog.services.permissions import IsAdmin, authorize
from microblog.web.api.responses import respond
from microblog.web.auth import SECURITY, auth_required, require_user
from microblog.web.pagination import collection, page_request
from microblog.web.schemas.users import UserCollection, UserListQuery

bp = APIBlueprint(
    "admin",
    __name__,
    url_prefix="/api/v1/admin",
    abp_tags=[Tag(name="admin", description="Administrators only")],
)


@bp.get(
    "/users",
    responses={200: UserCollection},
    security=SECURITY["bearer"],
    summary="All users with every field (email, role, is_active)",
)
@auth_required()
def list_users(query: UserListQuery) -> Response:
    admin = require_user()
    authorize(admin, IsAdmin())
    page = page_request(query.page, query.per_page)
    items, total = user_service.list_users(page, q=query.q, sort=query.sort, viewer=admin)
    body, headers = collection(items, page, total)
    return respond(UserCollection, body, headers=headers)
