"""Configuration from the environment; TestConfig for the test suite."""

from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar

BASE_DIR = Path(__file__).resolve().parent


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'instance' / 'checkin.db'}")
    # Heroku-style and libpq-style URLs name the driver differently from SQLAlchemy.
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


class Config:
    """Every setting the service reads, with its default. README lists them."""

    CHECKIN_ENV = os.environ.get("CHECKIN_ENV", "production")
    SECRET_KEY = os.environ.get("SECRET_KEY")
    DATABASE_URL = _database_url()
    PHOTO_DIR = os.environ.get("PHOTO_DIR", str(BASE_DIR / "instance" / "photos"))
    # Empty: photos in PHOTO_DIR. s3://bucket/prefix: S3-compatible object storage at
    # S3_ENDPOINT_URL; the credentials come from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.
    PHOTO_STORE = os.environ.get("PHOTO_STORE", "")
    S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL", "")
    S3_REGION = os.environ.get("S3_REGION", "us-east-1")
    # check-integrity hashes each photo once in this many days (a rolling share a day)
    INTEGRITY_VERIFY_DAYS = int(os.environ.get("INTEGRITY_VERIFY_DAYS", "30"))
    TIMEZONE = os.environ.get("TIMEZONE", "Asia/Shanghai")
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(64 * 1024 * 1024)))
    PHOTOS_PER_VISIT = int(os.environ.get("PHOTOS_PER_VISIT", "6"))
    MAX_FORM_PARTS = 200  # a visit has a JSON field and a few photos; 10,000 parts is an attack
    TOKEN_LIFETIME_DAYS = int(os.environ.get("TOKEN_LIFETIME_DAYS", "30"))
    # Where failed sign-ins are counted: redis://... or, by default, the database; either is
    # shared by every worker (services/people/signin_guard.py; Redis down: the database).
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "database")
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "10 per 15 minutes")
    LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "50 per 15 minutes")
    LOGIN_LIMIT_PER_ACCOUNT_ALL_ADDRESSES = os.environ.get(
        "LOGIN_LIMIT_PER_ACCOUNT_ALL_ADDRESSES", "50 per 15 minutes")
    LOGIN_DELAY_MAX_S = int(os.environ.get("LOGIN_DELAY_MAX_S", "30"))
    # 等保 level 3 (README: "Sign-in and sessions"): the roles that must sign in with a
    # second factor (TOTP or a recovery code), comma-separated, e.g. "supervisor,admin";
    # none by default, so a fresh demo signs in with a password alone. Sessions end after
    # minutes without a request and hours after sign-in (0: no limit), supervisors and
    # admins at an office desk apart from cadres on their own phones.
    SECOND_FACTOR_ROLES = tuple(r.strip() for r in os.environ.get(
        "SECOND_FACTOR_ROLES", "").split(",") if r.strip())
    # 三员分立: each admin account holds one duty (system, security, audit; `flask set-duty`)
    # and reaches only its pages. Off by default: a small county may have one admin.
    SEPARATION_OF_DUTIES = _bool("SEPARATION_OF_DUTIES", False)
    # Password rules (等保): length, kinds of character (of lower, upper, digit, punctuation,
    # other letters; a passphrase of 20+ characters needs no mix), how many earlier
    # passwords may not be used again, and the age after which one must be changed (0: never).
    PASSWORD_MIN_LENGTH = int(os.environ.get("PASSWORD_MIN_LENGTH", "8"))
    PASSWORD_MIN_KINDS = int(os.environ.get("PASSWORD_MIN_KINDS", "3"))
    PASSWORD_HISTORY = int(os.environ.get("PASSWORD_HISTORY", "5"))
    PASSWORD_MAX_AGE_DAYS = int(os.environ.get("PASSWORD_MAX_AGE_DAYS", "0"))
    SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "30"))
    SESSION_MAX_HOURS = int(os.environ.get("SESSION_MAX_HOURS", "12"))
    CADRE_SESSION_IDLE_MINUTES = int(os.environ.get("CADRE_SESSION_IDLE_MINUTES", "10080"))
    CADRE_SESSION_MAX_HOURS = int(os.environ.get("CADRE_SESSION_MAX_HOURS", "720"))
    ROSTER_MAX_BYTES = int(os.environ.get("ROSTER_MAX_BYTES", str(20 * 1024 * 1024)))
    ROSTER_MAX_ROWS = int(os.environ.get("ROSTER_MAX_ROWS", "50000"))
    # Background jobs (roster imports, large exports): "thread" (each web worker runs
    # queued jobs in a thread) or "external" (`flask run-worker` runs them; the web workers
    # only queue). IMPORT_WORKER is its older name, still read.
    BACKGROUND_WORKER = os.environ.get("BACKGROUND_WORKER",
                                       os.environ.get("IMPORT_WORKER", "thread"))
    # An export longer than this many rows is written by the worker, not in the request;
    # its files are kept in EXPORT_DIR (shared by the web and the worker) for a day.
    EXPORT_INLINE_ROWS = int(os.environ.get("EXPORT_INLINE_ROWS", "10000"))
    EXPORT_DIR = os.environ.get("EXPORT_DIR", str(BASE_DIR / "instance" / "exports"))
    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = TIMEZONE
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "checkin" / "translations")
    LANGUAGES = ("zh", "en")
    # Map tiles (checkin/maps.py): "tianditu" (vector and annotation, with TIANDITU_KEY),
    # "osm", "none", or tile URL templates in MAP_TILES_SYSTEM (wgs84, cgcs2000, gcj02).
    # MAP_TILE_URL is the older name of a custom template, still read.
    MAP_TILES = os.environ.get("MAP_TILES") or os.environ.get("MAP_TILE_URL") or "tianditu"
    MAP_TILES_SYSTEM = os.environ.get("MAP_TILES_SYSTEM", "wgs84")
    MAP_TILES_SUBDOMAINS = os.environ.get("MAP_TILES_SUBDOMAINS", "abc")  # what {s} becomes
    TIANDITU_KEY = os.environ.get("TIANDITU_KEY", "")
    MAP_ATTRIBUTION = os.environ.get("MAP_ATTRIBUTION", "")  # empty: the source's own credit
    # Spot checks: the key that seeds the weekly draws (default: derived from SECRET_KEY;
    # set it apart to rotate SECRET_KEY without changing how past draws verify), and the
    # share of an area's cadres drawn for a presence check each week.
    SPOTCHECK_SECRET = os.environ.get("SPOTCHECK_SECRET") or None
    # The key of the audit log's digests (platform/audit.py); derived from SECRET_KEY when
    # unset. Keep it as long as the log: an entry names the key it was made with.
    AUDIT_DIGEST_KEY = os.environ.get("AUDIT_DIGEST_KEY") or None
    SPOTCHECK_PRESENCE_SHARE = float(os.environ.get("SPOTCHECK_PRESENCE_SHARE", "0.10"))
    # Personal data (photos, positions) of records older than this many days is purged
    # by `flask purge` (run it from cron); the records themselves stay.
    RETENTION_DAYS = int(os.environ.get("RETENTION_DAYS", "1095"))
    # Phone numbers encrypted at rest (checkin/platform/field_crypto.py): the key, base64
    # (32 bytes for aes-256-gcm, 16 for sm4-gcm); empty: stored plain, as before. Turning it
    # on for a database that has numbers: `flask encrypt-fields`.
    FIELD_KEY = os.environ.get("FIELD_KEY", "")
    FIELD_CIPHER = os.environ.get("FIELD_CIPHER", "aes-256-gcm")
    # Notifications beyond the inbox (README: "Notifications"). Each channel is off until
    # configured. E-mail goes to users.email; the group robots get one message per event.
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "")  # e.g. https://checkin.example.gov.cn
    SMTP_HOST = os.environ.get("SMTP_HOST", "")
    SMTP_PORT = int(os.environ.get("SMTP_PORT", "25"))
    SMTP_USER = os.environ.get("SMTP_USER", "")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
    SMTP_FROM = os.environ.get("SMTP_FROM", "checkin@localhost")
    SMTP_STARTTLS = _bool("SMTP_STARTTLS", False)
    WECOM_WEBHOOK_URL = os.environ.get("WECOM_WEBHOOK_URL", "")
    DINGTALK_WEBHOOK_URL = os.environ.get("DINGTALK_WEBHOOK_URL", "")
    DINGTALK_SECRET = os.environ.get("DINGTALK_SECRET", "")
    WEBHOOK_URL = os.environ.get("WEBHOOK_URL", "")
    WEBHOOK_SECRET = os.environ.get("WEBHOOK_SECRET", "")
    # Which kinds the group robots post (supervisors' groups: never a cadre's own news).
    GROUP_NOTIFY_KINDS = os.environ.get(
        "GROUP_NOTIFY_KINDS", "leave.asked,leave.return_overdue,attendance.silent")
    NOTIFY_TIMEOUT_S = float(os.environ.get("NOTIFY_TIMEOUT_S", "10"))
    NOTIFY_SENDERS = int(os.environ.get("NOTIFY_SENDERS", "8"))  # deliveries under way at once
    NOTIFY_RETRY_BASE_S = float(os.environ.get("NOTIFY_RETRY_BASE_S", "60"))
    NOTIFY_RETRY_MAX_S = float(os.environ.get("NOTIFY_RETRY_MAX_S", "21600"))
    NOTIFY_MAX_ATTEMPTS = int(os.environ.get("NOTIFY_MAX_ATTEMPTS", "12"))
    # The scheduler (`flask run-worker`): areas whose weekly spot-check draw it makes (codes,
    # comma-separated; none by default), and the hour (local) after which daily jobs run.
    SPOTCHECK_DRAW_AREAS = os.environ.get("SPOTCHECK_DRAW_AREAS", "")
    JOBS_DAILY_HOUR = int(os.environ.get("JOBS_DAILY_HOUR", "7"))
    # The supervisors' digests: the daily one after the day's work (who was not on post
    # today), the weekly one on Monday morning (the seven days before).
    DIGEST_DAILY_HOUR = int(os.environ.get("DIGEST_DAILY_HOUR", "18"))
    DIGEST_WEEKLY_HOUR = int(os.environ.get("DIGEST_WEEKLY_HOUR", "8"))
    # The retention purge needs the owner role on PostgreSQL and must not overlap a backup:
    # off in the scheduler unless the deployment says so (else cron runs `checkin-owner purge`).
    JOBS_PURGE = _bool("JOBS_PURGE", False)
    WTF_CSRF_CHECK_DEFAULT = False  # checked in one before_request hook (see security.py)
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    # Policy numbers (DOMAIN.md); any POLICY_<FIELD> environment variable overrides one.
    POLICY: ClassVar[dict[str, str]] = {
        key.removeprefix("POLICY_").lower(): value
        for key, value in os.environ.items()
        if key.startswith("POLICY_")
    }


class TestConfig(Config):
    """Isolated settings for the test suite: in-memory SQLite unless told otherwise."""

    TESTING = True
    CHECKIN_ENV = "testing"
    SECRET_KEY = "test-secret-key"
    DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    RATELIMIT_STORAGE_URI = "database"
    MAP_TILES = "tianditu"  # and no TIANDITU_KEY: no tiles, tests never leave 127.0.0.1
    TIANDITU_KEY = ""
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # scrypt is slow on purpose; tests need speed
    WTF_CSRF_ENABLED = True
    # The suite's bulletins are those of a county whose rules rank (seed 001, as the demo);
    # tests/web/test_less_burden.py runs with the deployment default (no ranking).
    POLICY: ClassVar[dict[str, str]] = {"bulletin_ranking": "on"}
