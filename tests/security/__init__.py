"""Security regression suite: one module per OWASP API Security Top 10 (2023) category
that applies to this service, each test a concrete attack (or its class) on SQLite and
PostgreSQL (a test that never reaches the database says so and runs on SQLite), and
test_live_attacks.py over real HTTP. See docs/security.md for the threat model.

API1, API2, API3, API4, API5, API8 and API9 have modules here. Of the others:

* API6 (sensitive business flows) applies only as volume: there is nothing scarce to buy,
  reserve or redeem; sign-ups, posts and follows are bounded per client address by the
  default rate limit (tests/api/test_rate_limits.py).
* API7 (SSRF) does not apply: the server requests no URL a client chose (no webhooks,
  previews or fetched avatars); it connects only to the database and Redis the operator set.
* API10 (unsafe consumption of APIs) does not apply: the server calls no third-party API;
  Gravatar is a link the client follows.

docs/security.md#owasp-api-security-top-10-2023-category-by-category says what would make
each apply."""
