"""Security regression suite: one module per OWASP API Security Top 10 (2023) category
that applies to this service, each test a concrete attack (or its class) on SQLite and
PostgreSQL. See docs/security.md for the threat model."""
