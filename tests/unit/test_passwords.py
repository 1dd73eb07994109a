from __future__ import annotations

from argon2 import PasswordHasher

from microblog.data.passwords import MAX_PASSWORD_LENGTH, LoginAttempt, Passwords

#: The login budget's receipt a check needs (spent for real in the API tests).
ATTEMPT = LoginAttempt("id:1")


def test_hash_and_verify() -> None:
    hasher = Passwords(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    stored = hasher.hash("correct horse")
    assert stored.startswith("$argon2id$")
    assert hasher.verify(stored, "correct horse", ATTEMPT)
    assert not hasher.verify(stored, "wrong horse", ATTEMPT)
    assert not hasher.verify("not-a-hash", "correct horse", ATTEMPT)


def test_unknown_user_verifies_against_dummy_and_fails() -> None:
    hasher = Passwords(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    # Even the dummy's own password must not authenticate a missing user.
    assert not hasher.verify(None, "not-a-real-password-used-for-timing-only", ATTEMPT)
    assert not hasher.verify(None, "anything", ATTEMPT)


def test_rehash_when_parameters_change() -> None:
    weak = Passwords(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    strong = Passwords(PasswordHasher(time_cost=2, memory_cost=16, parallelism=1))
    assert strong.needs_rehash(weak.hash("pw123456"))


def test_a_password_over_the_cap_never_matches() -> None:
    """Refused before argon2 runs: not even its own hash matches it."""
    hasher = Passwords(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    longest = "y" * MAX_PASSWORD_LENGTH
    assert hasher.verify(hasher.hash(longest), longest, ATTEMPT)
    assert not hasher.verify(hasher.hash(longest + "y"), longest + "y", ATTEMPT)
