"""Column types shared by the models: UTC timestamps that come back timezone-aware, and
strings sealed at rest when FIELD_KEY is set (phone numbers)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from checkin.platform import field_crypto


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC on every backend, hands back aware UTC datetimes."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class SealedString(TypeDecorator[str]):
    """A string encrypted with the deployment's field key when it has one
    (checkin/platform/field_crypto.py); plain otherwise. Reading a sealed value without
    the right key raises FieldKeyError. Sealed values are never equal to one another:
    look a number up by its blind index (`phone_index`), never by this column."""

    impl = String
    cache_ok = True

    def __init__(self, length: int, column: str) -> None:
        super().__init__(length)
        self.column = column

    def process_bind_param(self, value: str | None, dialect: Dialect) -> Any:
        cipher = field_crypto.current()
        if value is None or cipher is None:
            return value
        return cipher.encrypt(value, self.column)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None or not field_crypto.is_sealed(value):
            return value
        cipher = field_crypto.current()
        if cipher is None:
            raise field_crypto.FieldKeyError(
                f"{self.column} is encrypted and FIELD_KEY is not set")
        return cipher.decrypt(value, self.column)
