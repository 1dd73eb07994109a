"""UTC time helpers: the database stores naive UTC, the API speaks ISO 8601 with ``Z``."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Naive UTC now, as stored in every ``DateTime`` column."""
    return datetime.now(UTC).replace(tzinfo=None)


def isoformat(value: datetime) -> str:
    """``2024-05-01T12:00:00.000000Z``: always UTC, always with fractional seconds."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds") + "Z"
