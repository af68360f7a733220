"""Turning configuration into the values the rules need, and refusing unsafe settings."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from flask import Flask, current_app

from checkin import maps
from checkin.domain.policy import Policy
from checkin.domain.signin_limits import parse_rate


class ConfigurationError(RuntimeError):
    pass


def check_config(app: Flask) -> None:
    env = app.config.get("CHECKIN_ENV", "production")
    if env not in {"development", "testing"} and not app.config.get("SECRET_KEY"):
        raise ConfigurationError(
            "SECRET_KEY must be set in the environment outside development "
            "(CHECKIN_ENV=development for a local try-out)."
        )
    if env == "development" and not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = "development-only-secret"
    trouble = maps.check_tiles(app.config)
    if trouble:
        raise ConfigurationError(trouble)
    for name in ("LOGIN_LIMIT_PER_ACCOUNT", "LOGIN_LIMIT_PER_ADDRESS",
                 "LOGIN_LIMIT_PER_ACCOUNT_ALL_ADDRESSES"):
        try:
            parse_rate(str(app.config.get(name, "")))
        except ValueError as error:
            raise ConfigurationError(f"{name}: {error}") from error
    field_cipher(app)


def field_cipher(app: Flask) -> None:
    """The cipher of FIELD_KEY / FIELD_CIPHER (None without a key), kept for the app."""
    from checkin.platform import field_crypto

    try:
        app.extensions["checkin_field_cipher"] = field_crypto.from_settings(
            str(app.config.get("FIELD_KEY") or ""), str(app.config.get("FIELD_CIPHER") or ""))
    except (ValueError, ImportError) as error:
        raise ConfigurationError(f"FIELD_KEY / FIELD_CIPHER: {error}") from error


def check_stored_numbers(app: Flask) -> None:
    from checkin.ops.field_encryption import check_stored
    from checkin.platform.field_crypto import FieldKeyError

    try:
        check_stored(app.extensions["checkin_engine"], app.extensions["checkin_field_cipher"])
    except FieldKeyError as error:
        raise ConfigurationError(str(error)) from error


def build_policy(values: dict[str, Any]) -> Policy:
    """POLICY_* values arrive as strings from the environment; coerce them by field type."""
    defaults = Policy()
    coerced: dict[str, Any] = {}
    for field in dataclasses.fields(Policy):
        if field.name not in values:
            continue
        raw = values[field.name]
        current = getattr(defaults, field.name)
        coerced[field.name] = _coerce(raw, current, field.name)
    return dataclasses.replace(defaults, **coerced)


def _coerce(raw: Any, current: Any, name: str) -> Any:
    if not isinstance(raw, str):
        return raw
    try:
        if isinstance(current, bool):
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        if isinstance(current, int):
            return int(raw)
        if isinstance(current, float):
            return float(raw)
        if isinstance(current, dict):
            return json.loads(raw)
        if isinstance(current, tuple):
            return tuple(part.strip() for part in raw.split(",") if part.strip())
    except ValueError as exc:
        raise ConfigurationError(f"POLICY_{name.upper()}: cannot read {raw!r}") from exc
    return raw


def policy() -> Policy:
    return current_app.extensions["checkin_policy"]
