"""``flask --app microblog ...`` commands beyond Flask-Migrate's ``db``."""

from __future__ import annotations

import secrets

import click
from flask import Flask

from microblog.data.db import db
from microblog.errors import APIError
from microblog.services import users as user_service


def register(app: Flask) -> None:
    @app.cli.command("create-admin")
    @click.option("--username", prompt=True)
    @click.option("--email", prompt=True)
    @click.option(
        "--password",
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        envvar="MICROBLOG_ADMIN_PASSWORD",
        help="Or set MICROBLOG_ADMIN_PASSWORD.",
    )
    def create_admin(username: str, email: str, password: str) -> None:
        """Create an administrator (the only way to make the first admin)."""
        from microblog.web.schemas.users import UserCreate

        try:
            data = UserCreate.model_validate(
                {"username": username, "email": email, "password": password}
            )
            user = user_service.create_admin(data.username, data.email, data.password)
        except APIError as exc:
            raise click.ClickException(exc.message) from None
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"created admin {user.username} (id {user.id})")

    @app.cli.command("seed")
    @click.option("--users", "user_count", default=20, show_default=True, type=int)
    @click.option("--password", default=None, help="Password for every fake user.")
    def seed(user_count: int, password: str | None) -> None:
        """Fill the database with fake users."""
        from faker import Faker

        from microblog.data.models import User
        from microblog.data.passwords import passwords

        fake = Faker()
        secret = password or secrets.token_urlsafe(12)
        # One hash for all: hashing thousands of passwords would take minutes.
        password_hash = passwords().hash(secret)
        existing = {name.lower() for (name,) in db.session.query(User.username)}
        created = 0
        while created < user_count:
            username = f"{fake.user_name()}{fake.random_int(0, 9999)}"
            if username.lower() in existing:
                continue
            existing.add(username.lower())
            db.session.add(
                User(
                    username=username,
                    email=f"{username}@example.com",
                    password_hash=password_hash,
                    about_me=fake.sentence(),
                )
            )
            created += 1
            if created % 1000 == 0:
                db.session.commit()
        db.session.commit()
        click.echo(f"created {created} users (password: {secret})")

    @app.cli.command("prune")
    @click.option(
        "--batch-size",
        default=1000,
        show_default=True,
        type=click.IntRange(1, 100_000),
        help="Rows deleted (and committed) per statement.",
    )
    def prune(batch_size: int) -> None:
        """Delete expired tokens, token families and idempotency keys (run it from cron
        every 10 minutes, on one or every instance: docs/architecture.md#maintenance)."""
        from microblog.services.prune import prune as run

        click.echo(str(run(batch=batch_size)))
