from __future__ import annotations

from argon2 import PasswordHasher

from microblog.auth.passwords import Passwords


def test_hash_and_verify() -> None:
    hasher = Passwords(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    stored = hasher.hash("correct horse")
    assert stored.startswith("$argon2id$")
    assert hasher.verify(stored, "correct horse")
    assert not hasher.verify(stored, "wrong horse")
    assert not hasher.verify("not-a-hash", "correct horse")


def test_unknown_user_verifies_against_dummy_and_fails() -> None:
    hasher = Passwords(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    # Even the dummy's own password must not authenticate a missing user.
    assert not hasher.verify(None, "not-a-real-password-used-for-timing-only")
    assert not hasher.verify(None, "anything")


def test_rehash_when_parameters_change() -> None:
    weak = Passwords(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    strong = Passwords(PasswordHasher(time_cost=2, memory_cost=16, parallelism=1))
    assert strong.needs_rehash(weak.hash("pw123456"))
