from __future__ import annotations

from typing import Any

from microblog.data.db import db
from microblog.data.models import User


def test_create_admin(app: Any) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "create-admin",
            "--username",
            "root",
            "--email",
            "root@example.com",
            "--password",
            "a long admin password",
        ]
    )
    assert result.exit_code == 0, result.output
    admin = db.session.query(User).filter_by(username="root").one()
    assert admin.role == "admin"


def test_create_admin_validates_input(app: Any) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["create-admin", "--username", "x", "--email", "bad", "--password", "short"]
    )
    assert result.exit_code != 0
    assert db.session.query(User).count() == 0


def test_create_admin_rejects_taken_username(app: Any) -> None:
    runner = app.test_cli_runner()
    args = ["create-admin", "--username", "root", "--email", "root@example.com"]
    assert runner.invoke(args=[*args, "--password", "a long admin password"]).exit_code == 0
    result = runner.invoke(
        args=["create-admin", "--username", "ROOT", "--email", "r2@example.com",
              "--password", "a long admin password"]
    )  # fmt: skip
    assert result.exit_code != 0
    assert "different username" in result.output


def test_seed_users(app: Any) -> None:
    result = app.test_cli_runner().invoke(args=["seed", "--users", "25"])
    assert result.exit_code == 0, result.output
    assert db.session.query(User).count() == 25
