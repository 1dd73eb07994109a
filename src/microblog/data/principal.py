"""Who is calling: the identity every rule is checked against."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Credential = Literal["password", "token", "jwt", "api_key"]


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: enough of the user to authorise, without loading the ORM row."""

    id: int
    username: str
    role: str
    last_seen: datetime
    credential: Credential = "password"
    #: the opaque token's row id (credential "token")
    token_id: int | None = None
    #: the JWT's family, i.e. its login (credential "jwt")
    family_id: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"
