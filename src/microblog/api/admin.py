from __future__ import annotations

from flask import Response
from flask_openapi3 import APIBlueprint, Tag

from microblog.api.responses import respond
from microblog.auth import SECURITY, auth_required, require_user
from microblog.auth.permissions import IsAdmin, authorize
from microblog.pagination import PageRequest, collection
from microblog.schemas.users import UserCollection, UserListQuery
from microblog.services import users as user_service

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
    page = PageRequest.from_query(query.page, query.per_page)
    items, total = user_service.list_users(page, q=query.q, sort=query.sort, viewer=admin)
    body, headers = collection(items, page, total)
    return respond(UserCollection, body, headers=headers)
