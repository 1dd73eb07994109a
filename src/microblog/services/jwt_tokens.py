"""JWT access and refresh tokens with rotation and theft detection.

* Access tokens live ``JWT_ACCESS_TTL`` (15 min), refresh tokens ``JWT_REFRESH_TTL``
  (30 days); both HS256 with ``JWT_SECRET_KEY`` (or ``SECRET_KEY``), and both carry
  ``iss``, ``aud``, ``sub``, ``iat``, ``nbf``, ``exp``, ``jti``, ``typ`` and ``fam``.
* A login starts a *family*. ``refresh`` spends the presented refresh token and issues a
  new pair in the same family. Presenting a spent refresh token again means it was
  stolen (or replayed), so the whole family is revoked, unless the operator set
  ``JWT_REFRESH_REUSE_GRACE`` (0, off, by default) and the reuse comes within that many
  seconds of the first use: then it is taken for the client's own retry (or a request
  that lost a race with it), gets a 401 and the family lives on, the pair its first use
  issued included (docs/authentication.md#jwt-access-and-refresh-tokens).
* Revoking a family also kills the access tokens issued in it (their ``fam`` claim):
  every access check reads the family in the same query as the user (``ACTIVE_USER``), so
  the database is the one record of revocations, shared by every process, and there is no
  separate store to mirror or to lose (docs/authentication.md#what-ends-what).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, NoReturn

import jwt
from sqlalchemy import bindparam, select, update

from microblog.data.db import db, read_connection, settings
from microblog.data.models import RefreshToken, TokenFamily, User
from microblog.data.principal import Principal
from microblog.data.timeutil import utcnow
from microblog.errors import Unauthorized, ValidationFailed

ALGORITHM = "HS256"
TokenType = Literal["access", "refresh"]
REQUIRED_CLAIMS = ["exp", "iat", "nbf", "iss", "aud", "sub", "jti", "typ", "fam"]

# The token's family must still exist, belong to its subject and be unrevoked: a JWT
# whose family is gone fails closed, whoever holds the id now (docs/security.md#ids).
ACTIVE_USER = (
    select(User.id, User.username, User.role, User.last_seen)
    .join(TokenFamily, TokenFamily.user_id == User.id)
    .where(
        User.id == bindparam("user_id"),
        TokenFamily.id == bindparam("family_id"),
        User.is_active.is_(True),
        TokenFamily.revoked_at.is_(None),
    )
)


class InvalidToken(Exception):
    pass


def _key() -> str:
    key: str = settings().get("JWT_SECRET_KEY") or settings()["SECRET_KEY"]
    return key


def _encode(user_id: int, family_id: str, typ: TokenType, now: datetime) -> tuple[str, str]:
    ttl = settings()["JWT_ACCESS_TTL" if typ == "access" else "JWT_REFRESH_TTL"]
    jti = uuid.uuid4().hex
    claims = {
        "iss": settings()["JWT_ISSUER"],
        "aud": settings()["JWT_AUDIENCE"],
        "sub": str(user_id),
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(seconds=ttl),
        "jti": jti,
        "typ": typ,
        "fam": family_id,
    }
    return jwt.encode(claims, _key(), algorithm=ALGORITHM), jti


def decode(token: str, typ: TokenType) -> dict[str, Any]:
    """Verify signature, algorithm, times, issuer, audience and type, or raise."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            _key(),
            algorithms=[ALGORITHM],  # never "none", never what the header asks for
            audience=settings()["JWT_AUDIENCE"],
            issuer=settings()["JWT_ISSUER"],
            leeway=settings()["JWT_LEEWAY"],
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from None
    if claims.get("typ") != typ:
        raise InvalidToken(f"not an {typ} token")
    if not isinstance(claims.get("jti"), str) or not isinstance(claims.get("fam"), str):
        raise InvalidToken("malformed claims")
    try:
        claims["sub"] = int(claims["sub"])
    except (TypeError, ValueError):
        raise InvalidToken("malformed subject") from None
    return claims


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int  # seconds the access token lives


def _issue_pair(user_id: int, family_id: str) -> TokenPair:
    now = utcnow()
    access, _ = _encode(user_id, family_id, "access", now)
    refresh, refresh_jti = _encode(user_id, family_id, "refresh", now)
    db.session.add(
        RefreshToken(
            jti=refresh_jti,
            family_id=family_id,
            expires_at=now + timedelta(seconds=settings()["JWT_REFRESH_TTL"]),
        )
    )
    return TokenPair(access, refresh, settings()["JWT_ACCESS_TTL"])


def login(user_id: int) -> TokenPair:
    # Expired families are deleted by `flask prune` (services/prune.py), not by logins.
    now = utcnow()
    family = TokenFamily(
        id=uuid.uuid4().hex,
        user_id=user_id,
        created_at=now,
        expires_at=now + timedelta(seconds=settings()["JWT_REFRESH_TTL"]),
    )
    db.session.add(family)
    db.session.flush()
    pair = _issue_pair(user_id, family.id)
    db.session.commit()
    return pair


def refresh(token: str) -> TokenPair:
    try:
        claims = decode(token, "refresh")
    except InvalidToken:
        raise Unauthorized("The refresh token is invalid or expired.") from None
    family = db.session.get(TokenFamily, claims["fam"])
    user = db.session.get(User, claims["sub"])
    if (
        family is None
        or family.revoked_at is not None
        or family.expires_at <= utcnow()  # expired, whether or not prune has run yet
        or family.user_id != claims["sub"]
        or user is None
        or not user.is_active
    ):
        raise Unauthorized("The refresh token has been revoked.")
    # Spend it atomically: of two concurrent refreshes with one token, one wins.
    spent = db.session.execute(
        update(RefreshToken)
        .where(RefreshToken.jti == claims["jti"], RefreshToken.used_at.is_(None))
        .values(used_at=utcnow())
    )
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        _refuse_reuse(claims["jti"], family.id)
    pair = _issue_pair(user.id, family.id)
    db.session.commit()
    return pair


def _refuse_reuse(jti: str, family_id: str) -> NoReturn:
    """A spent refresh token came back: within the grace window, refuse it and end
    nothing; after it (or when its row is gone), assume theft and end the whole login.

    Read after the ``UPDATE`` that found the token spent: on PostgreSQL that ``UPDATE``
    waited for a concurrent winner to commit, and READ COMMITTED shows the winner's
    ``used_at`` to this next statement; SQLite runs one writer at a time."""
    grace = timedelta(seconds=settings()["JWT_REFRESH_REUSE_GRACE"])
    # No window (the default): nothing to read, every reuse is theft.
    used_at = (
        db.session.scalar(select(RefreshToken.used_at).where(RefreshToken.jti == jti))
        if grace
        else None
    )
    if used_at is not None and utcnow() - used_at < grace:
        db.session.rollback()
        raise Unauthorized(
            "The refresh token was already used; use the pair its first use returned, "
            "or log in again."
        )
    revoke_families([family_id])
    db.session.commit()
    raise Unauthorized("The refresh token was already used; this login has been revoked.")


def principal_for_access(token: str) -> Principal | None:
    try:
        claims = decode(token, "access")
    except InvalidToken:
        return None
    params = {"user_id": claims["sub"], "family_id": claims["fam"]}
    row = read_connection().execute(ACTIVE_USER, params).one_or_none()
    if row is None:
        return None
    user_id, username, role, last_seen = row
    return Principal(
        id=user_id,
        username=username,
        role=role,
        last_seen=last_seen,
        credential="jwt",
        family_id=claims["fam"],
    )


def revoke_families(family_ids: list[str]) -> None:
    """Mark families revoked (the caller commits): their tokens fail from the next request."""
    if not family_ids:
        return
    now = utcnow()
    db.session.execute(
        update(TokenFamily)
        .where(TokenFamily.id.in_(family_ids), TokenFamily.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def revoke_user_families(user_id: int) -> None:
    stmt = select(TokenFamily.id).where(
        TokenFamily.user_id == user_id, TokenFamily.revoked_at.is_(None)
    )
    revoke_families(list(db.session.scalars(stmt)))


def logout(principal: Principal, refresh_token: str | None) -> None:
    """Revoke the family of the access token in use (it and every token of that login),
    and the family of ``refresh_token`` if one is sent (it must be the caller's)."""
    families: list[str] = []
    if refresh_token is not None:
        try:
            claims = decode(refresh_token, "refresh")
        except InvalidToken:
            raise ValidationFailed(
                errors={"refresh_token": ["Invalid or expired refresh token."]}
            ) from None
        if claims["sub"] != principal.id:
            raise ValidationFailed(errors={"refresh_token": ["Not your refresh token."]})
        families.append(claims["fam"])
    if principal.family_id is not None:
        families.append(principal.family_id)
    revoke_families(families)
    db.session.commit()
