"""argon2id password hashing, with a dummy hash so unknown users cost the same time.

Checking a password takes a :class:`LoginAttempt`: proof that the
attempt was counted against the login budgets first (``services.users.authenticate_password``
spends one). A password longer than :data:`MAX_PASSWORD_LENGTH` is never hashed."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from microblog.data.db import app_extension

EXTENSION_KEY = "microblog.password_hasher"

#: The longest password accepted anywhere (JSON bodies and HTTP Basic): argon2 hashes
#: whatever it is given, so a 40 kB guess would otherwise cost 40 kB of hashing.
MAX_PASSWORD_LENGTH = 256


@dataclass(frozen=True, slots=True)
class LoginAttempt:
    """Proof that one password check was counted against the login budgets: the hasher's
    ``verify`` takes one, and only the rate limiter's login budget makes them."""

    account: str  # the budget's key: "id:<user id>" or "name:<normalised login>"


#: Spends one attempt of ``account``'s login budget (and the caller's); raises when spent.
LoginBudget = Callable[[str], LoginAttempt]


class Passwords:
    def __init__(self, hasher: PasswordHasher) -> None:
        self.hasher = hasher
        # Verified against when the user does not exist, so that the response time does
        # not tell an attacker which usernames are registered.
        self.dummy_hash = hasher.hash("not-a-real-password-used-for-timing-only")

    def hash(self, password: str) -> str:
        return self.hasher.hash(password)

    def verify(self, password_hash: str | None, password: str, attempt: LoginAttempt) -> bool:
        """Whether ``password`` matches ``password_hash`` (``None``: an unknown account,
        checked against the dummy hash and never a match). ``attempt`` is the login budget's
        receipt for this check."""
        if len(password) > MAX_PASSWORD_LENGTH:
            return False  # no stored password is this long: refused without hashing
        try:
            return self.hasher.verify(password_hash or self.dummy_hash, password) and (
                password_hash is not None
            )
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self.hasher.check_needs_rehash(password_hash)


def from_settings(config: Mapping[str, Any]) -> Passwords:
    return Passwords(
        PasswordHasher(
            time_cost=config["ARGON2_TIME_COST"],
            memory_cost=config["ARGON2_MEMORY_COST"],
            parallelism=config["ARGON2_PARALLELISM"],
        )
    )


def passwords() -> Passwords:
    hasher: Passwords = app_extension(EXTENSION_KEY)
    return hasher
