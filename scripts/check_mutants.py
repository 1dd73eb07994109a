"""Remove each rule that guards data, one at a time, and check that a test fails.

A rule that survives its own removal is guarded by nothing: this is how we know the
security suite would notice. Each mutant replaces one exact snippet of src/ (it must occur
once) and names the tests that must catch it; the file is restored whatever happens. The
named tests must pass first, unmutated (one run of them all), and tests that do not run
under a mutant (a stale test id, a mutant that breaks an import) stop the script rather
than count as a catch. Name few, fast tests (one SQLite parameter where the rule is the
same on both databases): the whole script should take minutes.

    uv run python scripts/check_mutants.py            # every mutant
    uv run python scripts/check_mutants.py refresh    # those whose name contains "refresh"
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterable
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
PROPERTIES = "tests/security/test_api3_object_property_level.py"
# One test each, on SQLite, that meets the rule at every step it guards: the bad credentials
# of API1's matrix (revoked, expired, replayed refresh, deactivated...) on GET /me, and user
# B against every object route of user A.
ME_REFUSES_BAD_CREDENTIALS = f"{API1}::test_route_authentication[sqlite-GET /api/v1/me]"
ANOTHER_USERS_OBJECTS = f"{API1}::test_another_users_objects[sqlite-token]"


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
    Mutant(
        "the public listing shows drafts (page mode)",
        "services/posts.py",
        "    return _run_page(pager, sort, params, drafts=False)\n",
        "    return _run_page(pager, sort, params, drafts=True)\n",
        (f"{API1}::test_drafts_are_seen_by_their_author_and_admins_only[sqlite-anonymous]",),
    ),
    Mutant(
        "the public listing shows drafts (keyset mode)",
        "services/posts.py",
        "        return _run_keyset(pager, params, drafts=False)\n",
        "        return _run_keyset(pager, params, drafts=True)\n",
        (f"{API1}::test_drafts_are_seen_by_their_author_and_admins_only[sqlite-anonymous]",),
    ),
    Mutant(
        "no published filter on listings",
        "services/posts.py",
        "    if not drafts:\n        conditions.append(Post.published == true())\n",
        "",
        (f"{API1}::test_drafts_are_seen_by_their_author_and_admins_only[sqlite-anonymous]",),
    ),
    Mutant(
        "the feed's per-author merge reads drafts",
        "services/posts.py",
        ", Post.published == true()]\n",
        "]\n",
        ("tests/api/test_feed.py::test_feed_has_own_and_followed_published_posts[sqlite]",),
    ),
    # -- ownership and permissions (services/permissions.py), each forced to allow
    Mutant(
        "IsOwner allows anyone (tasks, API keys)",
        "services/permissions.py",
        "        self.noun = noun\n\n"
        "    def has_object_permission(self, actor: Principal, obj: Any) -> bool:\n"
        "        return bool(obj.user_id == actor.id)\n",
        "        self.noun = noun\n\n"
        "    def has_object_permission(self, actor: Principal, obj: Any) -> bool:\n"
        "        return True\n",
        (ANOTHER_USERS_OBJECTS,),
    ),
    Mutant(
        "IsAuthor allows anyone (editing posts)",
        "services/permissions.py",
        '    message = "Only the author can edit a post."\n\n'
        "    def has_object_permission(self, actor: Principal, obj: Any) -> bool:\n"
        "        return bool(obj.user_id == actor.id)\n",
        '    message = "Only the author can edit a post."\n\n'
        "    def has_object_permission(self, actor: Principal, obj: Any) -> bool:\n"
        "        return True\n",
        (ANOTHER_USERS_OBJECTS,),
    ),
    Mutant(
        "IsAuthorOrAdmin allows anyone (deleting posts)",
        "services/permissions.py",
        "        return bool(obj.user_id == actor.id or actor.is_admin)\n",
        "        return True\n",
        (ANOTHER_USERS_OBJECTS,),
    ),
    Mutant(
        "IsSelfOrAdmin allows anyone (changing or deleting accounts)",
        "services/permissions.py",
        "        return bool(actor.id == obj.id or actor.is_admin)\n",
        "        return True\n",
        (ANOTHER_USERS_OBJECTS,),
    ),
    Mutant(
        "IsAdmin allows anyone (admin routes, role and is_active)",
        "services/permissions.py",
        "        return actor.is_admin\n",
        "        return True\n",
        (
            f"{PROPERTIES}::test_a_user_cannot_set_privileged_or_computed_fields[sqlite-PATCH-role]",
            "tests/api/test_admin.py::test_admin_list_is_for_admins_only[sqlite]",
        ),
    ),
    # -- opaque tokens and API keys
    Mutant(
        "opaque tokens of a deactivated user accepted",
        "services/tokens.py",
        '        Token.expires_at > bindparam("now"),\n        User.is_active.is_(True),\n',
        '        Token.expires_at > bindparam("now"),\n',
        (ME_REFUSES_BAD_CREDENTIALS,),
    ),
    Mutant(
        "expired opaque tokens accepted",
        "services/tokens.py",
        '        Token.expires_at > bindparam("now"),\n',
        "",
        (ME_REFUSES_BAD_CREDENTIALS,),
    ),
    Mutant(
        "DELETE /tokens deletes nothing",
        "services/tokens.py",
        "    db.session.execute(delete(Token).where(Token.id == token_id))\n",
        "",
        (ME_REFUSES_BAD_CREDENTIALS,),
    ),
    Mutant(
        "API keys of a deactivated user accepted",
        "services/api_keys.py",
        '.where(ApiKey.prefix == bindparam("prefix"), User.is_active.is_(True))',
        '.where(ApiKey.prefix == bindparam("prefix"))',
        (ME_REFUSES_BAD_CREDENTIALS,),
    ),
    # -- JWT refresh
    Mutant(
        "refresh ignores a revoked family",
        "services/jwt_tokens.py",
        "        or family.revoked_at is not None\n",
        "",
        (f"{LIFECYCLE}::test_every_credential_ends_for_good[sqlite-password change]",),
    ),
    Mutant(
        "a replayed refresh token does not revoke its family",
        "services/jwt_tokens.py",
        "    revoke_families([family_id])\n    db.session.commit()\n",
        "    db.session.commit()\n",
        (ME_REFUSES_BAD_CREDENTIALS,),
    ),
    Mutant(
        "a replay long after the grace window is taken for a retry",
        "services/jwt_tokens.py",
        "    if used_at is not None and utcnow() - used_at < grace:\n",
        "    if used_at is not None:\n",
        (
            "tests/api/test_auth_jwt.py::test_a_reuse_ends_the_login_only_after_the_grace_window[sqlite-10-11-True]",
        ),
    ),
    # -- budgets and operator-only detail
    Mutant(
        "the per-account login budget not spent",
        "web/ratelimit.py",
        "                    self.hit(self.login_per_account, account),\n",
        "",
        (f"{BUDGET}::test_todo_routes_answer_429_once_tokens_spent_the_budget[sqlite]",),
    ),
    Mutant(
        "/readyz detail shown to everyone",
        "web/api/ops.py",
        "        detailed = is_loopback(request) or has_metrics_token(request)\n",
        "        detailed = True\n",
        (f"{OPS}::TestReadiness",),
    ),
]


#: pytest's exit status: 0, every test named passed (the mutant survived); 1, one failed (it was
#: caught). Any other (interrupted, a collection or usage error, a test id that names nothing)
#: means the tests did not run, which must not pass for a catch.
PASSED, FAILED = 0, 1
#: Third-party pytest plugins that no mutant's tests use: loading them costs each run a second
#: or two. A test that did need one would not run, which stops the script (above).
UNUSED_PLUGINS = ("schemathesis", "hypothesispytest", "faker", "anyio")


def pytest(tests: Iterable[str]) -> subprocess.CompletedProcess[bytes]:
    options = ["-x", "-q", "-p", "no:cacheprovider"]
    for plugin in UNUSED_PLUGINS:
        options += ["-p", f"no:{plugin}"]
    return subprocess.run(
        [sys.executable, "-m", "pytest", *options, *tests],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )


def tail(done: subprocess.CompletedProcess[bytes]) -> str:
    return "\n".join(done.stdout.decode(errors="replace").strip().splitlines()[-5:])


def survives(mutant: Mutant) -> bool:
    path = SRC / mutant.path
    original = path.read_text()
    if original.count(mutant.old) != 1:
        raise SystemExit(f"{mutant.name}: the snippet is not in {mutant.path} exactly once")
    try:
        path.write_text(original.replace(mutant.old, mutant.new))
        done = pytest(mutant.tests)
    finally:
        path.write_text(original)
    if done.returncode not in (PASSED, FAILED):
        raise SystemExit(
            f"{mutant.name}: its tests did not run (pytest exit status {done.returncode}):\n"
            + tail(done)
        )
    return done.returncode == PASSED


def check_unmutated(chosen: list[Mutant]) -> None:
    """Every test named passes on the source as it is: else a failure under a mutant
    would prove nothing."""
    done = pytest(dict.fromkeys(test for mutant in chosen for test in mutant.tests))
    if done.returncode != PASSED:
        raise SystemExit(f"the mutants' tests fail without any mutant:\n{tail(done)}")


def main(pattern: str = "") -> int:
    chosen = [m for m in MUTANTS if pattern in m.name]
    alive = []
    started = time.monotonic()
    check_unmutated(chosen)
    for mutant in chosen:
        began = time.monotonic()
        lived = survives(mutant)
        took = time.monotonic() - began
        print(f"{'SURVIVED' if lived else 'caught  '}  {took:5.1f} s  {mutant.name}", flush=True)
        if lived:
            alive.append(mutant.name)
    took = time.monotonic() - started
    print(f"{len(chosen) - len(alive)} of {len(chosen)} mutants caught in {took:.0f} s")
    return 1 if alive else 0


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:]))
