"""SQLAlchemy 2 models, one module per aggregate."""

from microblog.data.models.auth import ApiKey, RefreshToken, TokenFamily
from microblog.data.models.idempotency import IdempotencyKey
from microblog.data.models.post import Post
from microblog.data.models.stats import post_stats
from microblog.data.models.task import Task
from microblog.data.models.user import Token, User, follows

__all__ = [
    "ApiKey",
    "IdempotencyKey",
    "Post",
    "RefreshToken",
    "Task",
    "Token",
    "TokenFamily",
    "User",
    "follows",
    "post_stats",
]
