"""SQLAlchemy 2 models, one module per aggregate."""

from microblog.models.auth import ApiKey, RefreshToken, TokenFamily
from microblog.models.idempotency import IdempotencyKey
from microblog.models.post import Post
from microblog.models.stats import post_stats
from microblog.models.task import Task
from microblog.models.user import Token, User, follows

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
