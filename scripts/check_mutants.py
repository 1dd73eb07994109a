"""Remove each rule that guards data, one at a time, and check that a test fails.

A rule that survives its own removal is guarded by nothing: this is how we know the
security suite would notice. Each mutant replaces one exact snippet of src/ (it must occur
once) and names the tests that must catch it; the file is restored whatever happens.

    uv run python scripts/check_mutants.py            # every mutant
    uv run python scripts/check_mutants.py refresh    # those whose name contains "refresh"
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "microblog"
LIFECYCLE = "tests/security/test_api2_credential_lifecycle.py"
API1 = "tests/security/test_api1_object_level_authorization.py"
BUDGET = "tests/security/test_api2_login_budget.py"
BOUNDS = "tests/security/test_api4_resource_bounds.py"
OPS = "tests/security/test_api5_function_level_authorization.py"
MISCONFIG = "tests/security/test_api8_misconfiguration.py"


@dataclass(frozen=True)
class Mutant:
    name: str
    path: str  # under src/microblog
    old: str
    new: str
    tests: tuple[str, ...]


MUTANTS = [
    Mutant(
        "ids reused: users without AUTOINCREMENT",
        "data/models/user.py",
        '        {"sqlite_autoincrement": True},\n    )',
        "    )",
        (f"{LIFECYCLE}::test_ids_are_never_handed_out_again",),
    ),
    Mutant(
        "JWT accepted without its family row",
        "services/jwt_tokens.py",
        """    .join(TokenFamily, TokenFamily.user_id == User.id)
    .where(
        User.id == bindparam("user_id"),
        TokenFamily.id == bindparam("family_id"),
        User.is_active.is_(True),
        TokenFamily.revoked_at.is_(None),
    )""",
        """.where(
        User.id == bindparam("user_id"),
        bindparam("family_id") != "",
        User.is_active.is_(True),
    )""",
        (f"{LIFECYCLE}::test_a_jwt_whose_family_row_is_gone_fails_closed",),
    ),
    Mutant(
        "refresh accepts a family of another subject",
        "services/jwt_tokens.py",
        '        or family.user_id != claims["sub"]\n',
        "",
        (f"{LIFECYCLE}::test_a_jwt_for_another_subject_in_my_family_fails_closed",),
    ),
    Mutant(
        "refresh ignores is_active",
        "services/jwt_tokens.py",
        "        or not user.is_active\n",
        "",
        (f"{LIFECYCLE}::test_refresh_refuses_an_inactive_user_whose_family_is_live",),
    ),
    Mutant(
        "no current password for one's own password or email",
        "services/users.py",
        '        _reauthenticate(actor, user, changes.get("current_password"), spend)\n',
        "        pass\n",
        (f"{LIFECYCLE}::test_own_password_or_email_change_needs_the_current_password",),
    ),
    Mutant(
        "an API key may change the password",
        "services/users.py",
        "    if actor.credential not in PASSWORD_BORN:\n",
        "    if False:\n",
        (f"{LIFECYCLE}::test_an_api_key_alone_cannot_change_password_or_email",),
    ),
    Mutant(
        "API keys survive a password change, deactivation or deletion",
        "services/users.py",
        "    db.session.execute(delete(ApiKey).where(ApiKey.user_id == user_id))\n",
        "",
        (f"{LIFECYCLE}::test_every_credential_ends_for_good",),
    ),
    Mutant(
        "JWT families survive a password change, deactivation or deletion",
        "services/users.py",
        "    jwt_tokens.revoke_user_families(user_id)\n",
        "",
        (f"{LIFECYCLE}::test_every_credential_ends_for_good",),
    ),
    Mutant(
        "deletion forgets the families instead of revoking them",
        "data/models/auth.py",
        'ForeignKey("users.id", ondelete="SET NULL")',
        'ForeignKey("users.id", ondelete="CASCADE")',
        (f"{LIFECYCLE}::test_deletion_revokes_the_families_and_keeps_them_until_they_expire",),
    ),
    Mutant(
        "a password checked without spending the login budget",
        "services/users.py",
        "    attempt: LoginAttempt = spend(account)\n",
        "    attempt: LoginAttempt = LoginAttempt(account)\n",
        (f"{BUDGET}::test_no_route_checks_a_password_once_the_account_budget_is_spent",),
    ),
    Mutant(
        "current_password checked without spending the login budget",
        "services/users.py",
        "    attempt: LoginAttempt = spend(account_key(user.id))\n",
        "    attempt: LoginAttempt = LoginAttempt(account_key(user.id))\n",
        (f"{BUDGET}::test_current_password_checks_spend_the_same_budget",),
    ),
    Mutant(
        "the per-address login budget not spent",
        "web/ratelimit.py",
        "                    self.hit(self.login_per_address, address),\n",
        "",
        (f"{BUDGET}::TestAddressBudget",),
    ),
    Mutant(
        "username and email are separate budgets",
        "services/users.py",
        "    return (account_key(row.id) if row is not None else",
        "    return (f'name:{name}' if row is not None else",
        (f"{BUDGET}::test_username_email_and_case_variants_are_one_account",),
    ),
    Mutant(
        "passwords of any length hashed",
        "data/passwords.py",
        "        if len(password) > MAX_PASSWORD_LENGTH:\n",
        "        if False:\n",
        (f"{BUDGET}::test_an_overlong_basic_password_is_refused_without_hashing",),
    ),
    Mutant(
        "untrusted Host not checked",
        "__init__.py",
        "    before.append(hosts.init_app(app))\n",
        "    hosts.init_app(app)\n",
        (f"{MISCONFIG}::TestUntrustedHost::test_every_rule_and_method_refuses_an_untrusted_host",),
    ),
    Mutant(
        "short secrets accepted in production",
        "config.py",
        "    if size < MIN_SECRET_BYTES:\n",
        "    if size < 16:\n",
        (f"{MISCONFIG}::TestSecrets::test_31_bytes_refused_32_accepted",),
    ),
    Mutant(
        "placeholder secrets accepted in production",
        "config.py",
        "    if value.strip().lower() in WEAK_SECRETS or REPEATED.fullmatch(value):\n",
        "    if False:\n",
        (f"{MISCONFIG}::TestSecrets::test_weak_values_refused",),
    ),
    Mutant(
        "secrets not judged in production",
        "config.py",
        '        if info.data.get("MICROBLOG_ENV") != "production":\n',
        "        if True:\n",
        (f"{MISCONFIG}::test_secret_key_is_required",),
    ),
    Mutant(
        "text log lines not escaped",
        "telemetry/logs.py",
        "    return text.translate(ESCAPES)\n",
        "    return text\n",
        (f"{MISCONFIG}::TestTextLogs",),
    ),
    Mutant(
        "/metrics open to everyone",
        "web/api/ops.py",
        "        if not is_operator(request):\n",
        "        if False:\n",
        (f"{OPS}::TestMetrics",),
    ),
    Mutant(
        "ids in queries unbounded",
        "web/schemas/common.py",
        "Id = Annotated[int, Field(ge=1, le=ID_MAX)]",
        "Id = Annotated[int, Field(ge=1)]",
        (f"{BOUNDS}::test_author_past_int64_is_400_not_500",),
    ),
    Mutant(
        "times outside UTC's range reach the database",
        "web/schemas/common.py",
        "    except OverflowError:\n        raise ValueError(",
        "    except ZeroDivisionError:\n        raise ValueError(",
        (f"{BOUNDS}::test_since_before_year_1_in_utc_is_400_not_500",),
    ),
    Mutant(
        "admins do not see drafts",
        "services/permissions.py",
        "actor is not None and (obj.user_id == actor.id or actor.is_admin)",
        "actor is not None and (obj.user_id == actor.id)",
        (f"{API1}::test_drafts_are_seen_by_their_author_and_admins_only",),
    ),
    Mutant(
        "anyone sees drafts",
        "services/permissions.py",
        "actor is not None and (obj.user_id == actor.id or actor.is_admin)",
        "True",
        (f"{API1}::test_drafts_are_seen_by_their_author_and_admins_only",),
    ),
]


def survives(mutant: Mutant) -> bool:
    path = SRC / mutant.path
    original = path.read_text()
    if original.count(mutant.old) != 1:
        raise SystemExit(f"{mutant.name}: the snippet is not in {mutant.path} exactly once")
    try:
        path.write_text(original.replace(mutant.old, mutant.new))
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *mutant.tests],
            cwd=ROOT,
            capture_output=True,
            check=False,
        )
    finally:
        path.write_text(original)
    return done.returncode == 0


def main(pattern: str = "") -> int:
    chosen = [m for m in MUTANTS if pattern in m.name]
    alive = []
    for mutant in chosen:
        lived = survives(mutant)
        print(f"{'SURVIVED' if lived else 'caught  '}  {mutant.name}", flush=True)
        if lived:
            alive.append(mutant.name)
    print(f"{len(chosen) - len(alive)} of {len(chosen)} mutants caught")
    return 1 if alive else 0


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:]))
