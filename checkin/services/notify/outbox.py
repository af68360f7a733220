"""The outbox: a notification's deliveries on the configured channels, queued in the same
transaction as the notification, taken by the worker under a lease, retried with backoff,
and given up after the last attempt (the admin's page lists those)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from flask import current_app, url_for
from flask_babel import force_locale
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from checkin.domain.notices import channel_wanted, muted_of, retry_delay_s
from checkin.models import Delivery, Notification, User
from checkin.platform import clock
from checkin.services.notify import channels, kinds
from checkin.services.notify.inbox import Created, insert_ignoring_duplicates

LEASE_S = 300.0


def group_kinds(config: Mapping[str, Any]) -> set[str]:
    return {k.strip() for k in str(config.get("GROUP_NOTIFY_KINDS", "")).split(",") if k}


def wanted(config: Mapping[str, Any], created: Created, user: User) -> list[dict[str, Any]]:
    """The deliveries one new notification needs on this deployment, less the personal
    channels the person turned off (the inbox is always on; a group robot is not theirs)."""
    rows: list[dict[str, Any]] = []
    muted = muted_of(user.muted_channels)
    if config.get("SMTP_HOST") and user.email and channel_wanted("email", muted):
        rows.append({"channel": "email", "dedupe_key": f"email:{created.id}",
                     "target": user.email})
    if config.get("WEBHOOK_URL") and channel_wanted("webhook", muted):
        rows.append({"channel": "webhook", "dedupe_key": f"webhook:{created.id}",
                     "target": ""})
    for channel, setting in (("wecom", "WECOM_WEBHOOK_URL"),
                             ("dingtalk", "DINGTALK_WEBHOOK_URL")):
        if config.get(setting) and created.kind in group_kinds(config):
            # One post per event in the group, whichever recipient's notification carries it.
            rows.append({"channel": channel, "dedupe_key": f"{channel}:{created.event_key}",
                         "target": ""})
    return [{**row, "notification_id": created.id} for row in rows]


def enqueue(session: Session, made: Sequence[tuple[Created, User]]) -> int:
    config = current_app.config
    now = clock.now()
    rows = [{**row, "status": "pending", "attempts": 0, "created_at": now,
             "next_attempt_at": now} for created, user in made
            for row in wanted(config, created, user)]
    return len(insert_ignoring_duplicates(session, Delivery.__table__, rows, Delivery.id))


def claim(session: Session, now: datetime, limit: int, lease_s: float = LEASE_S) -> list[int]:
    """Take up to `limit` due deliveries for this worker: one conditional UPDATE, so two
    workers never take the same one while its lease runs."""
    free = (Delivery.status == "pending") & (Delivery.next_attempt_at <= now) & or_(
        Delivery.lease_until.is_(None), Delivery.lease_until < now)
    due = select(Delivery.id).where(free).order_by(Delivery.next_attempt_at, Delivery.id) \
        .limit(limit).scalar_subquery()
    stmt = update(Delivery).where(Delivery.id.in_(due), free).values(
        lease_until=now + timedelta(seconds=lease_s), attempts=Delivery.attempts + 1) \
        .returning(Delivery.id)
    return sorted(session.scalars(stmt))


@lru_cache(maxsize=64)
def _link(app_name: str, endpoint: str, public_url: str) -> str:
    with current_app.test_request_context(base_url=public_url or "http://localhost"):
        return url_for(endpoint, _external=bool(public_url))


def link_for(endpoint: str, public_url: str) -> str:
    return _link(current_app.import_name, endpoint, public_url)


def messages(session: Session, delivery_ids: Sequence[int]) -> list[channels.Message]:
    """The deliveries rendered in their recipients' languages (a group robot: the default
    one), loaded in one query and rendered one language at a time."""
    config = current_app.config
    rows = session.execute(
        select(Delivery, Notification, User).join(Notification, Delivery.notification)
        .join(User, Notification.user).where(Delivery.id.in_(delivery_ids))
        .order_by(Delivery.id)).all()
    by_lang: dict[str, list[tuple[Delivery, Notification, User]]] = {}
    for delivery, note, user in rows:
        personal = delivery.channel not in channels.GROUP_CHANNELS
        lang = (user.lang if personal and user.lang else None) or config["BABEL_DEFAULT_LOCALE"]
        by_lang.setdefault(lang, []).append((delivery, note, user))
    made: list[channels.Message] = []
    for lang, group in by_lang.items():
        with force_locale(lang):
            made += [_message(delivery, note, user, lang, config)
                     for delivery, note, user in group]
    return sorted(made, key=lambda m: m.delivery_id)


def _message(delivery: Delivery, note: Notification, user: User, lang: str,
             config: Mapping[str, Any]) -> channels.Message:
    personal = delivery.channel not in channels.GROUP_CHANNELS
    return channels.Message(
        delivery_id=delivery.id, dedupe_key=delivery.dedupe_key, channel=delivery.channel,
        target=delivery.target, kind=note.kind, lang=lang, subject=kinds.subject(note.kind),
        text=kinds.render(note.kind, note.params),
        link=link_for(kinds.endpoint(note.kind), config.get("PUBLIC_URL", "")),
        created_at=note.created_at.isoformat().replace("+00:00", "Z"),
        recipient={"id": user.id, "username": user.username, "code": user.code,
                   "role": user.role} if personal else {})


@dataclass(frozen=True)
class Outcome:
    delivery_id: int
    error: str | None


def record(session: Session, outcome: Outcome, config: Mapping[str, Any]) -> Delivery:
    """Sent, or tried again after a backoff, or given up after the last attempt."""
    delivery = session.get(Delivery, outcome.delivery_id)
    assert delivery is not None
    now = clock.now()
    delivery.lease_until = None
    if outcome.error is None:
        delivery.status, delivery.sent_at, delivery.last_error = "sent", now, None
    elif delivery.attempts >= int(config["NOTIFY_MAX_ATTEMPTS"]):
        delivery.status, delivery.last_error = "failed", outcome.error
    else:
        delivery.last_error = outcome.error
        delivery.next_attempt_at = now + timedelta(seconds=retry_delay_s(
            delivery.attempts, float(config["NOTIFY_RETRY_BASE_S"]),
            float(config["NOTIFY_RETRY_MAX_S"])))
    session.flush()
    return delivery


def retry_now(session: Session, delivery: Delivery) -> None:
    """The admin sends a given-up delivery again: it starts over."""
    delivery.status, delivery.attempts = "pending", 0
    delivery.next_attempt_at, delivery.lease_until = clock.now(), None
    session.flush()


def troubled(session: Session, limit: int = 200) -> list[Delivery]:
    """Given up first, then waiting ones that failed at least once, then the rest waiting."""
    stmt = select(Delivery).where(Delivery.status != "sent").order_by(
        (Delivery.status == "failed").desc(), Delivery.last_error.is_(None),
        Delivery.next_attempt_at).limit(limit)
    return list(session.scalars(stmt))
