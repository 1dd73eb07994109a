"""The rules: who may do what and what a write changes. No Flask request in here."""
