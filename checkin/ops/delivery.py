"""The delivery worker: takes due deliveries from the outbox and sends them, committing
outcomes as they come back, so what was sent is never sent again by a later run and a
failure never loses a message (a worker that dies mid-pass leaves its deliveries leased:
they are sent again after the lease, with the same Message-ID / X-Checkin-Delivery for the
receiver to drop). Runs from the scheduler (`flask run-jobs`), never in a request."""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from flask import current_app

from checkin import db
from checkin.platform import clock
from checkin.services.notify import channels, outbox


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0

    def __str__(self) -> str:
        return f"sent {self.sent}, to retry {self.retried}, given up {self.failed}"


def _send(message: channels.Message, config: Mapping[str, Any]) -> outbox.Outcome:
    try:
        channels.send(message, config)
    except channels.DeliveryError as exc:
        return outbox.Outcome(message.delivery_id, str(exc))
    return outbox.Outcome(message.delivery_id, None)


def deliver_due(limit: int = 500) -> DeliveryReport:
    """One pass over what is due now: claim (and commit the lease), render, then send
    outside any transaction, NOTIFY_SENDERS at a time (a channel's latency is the cost),
    and commit each outcome as it comes, in this thread: the session stays in one thread."""
    config = dict(current_app.config)
    report = DeliveryReport()
    senders = max(1, int(config.get("NOTIFY_SENDERS", 8)))
    # Every message of a pass must be sent, even at the timeout, before its lease runs out.
    limit = min(limit, max(senders, int(senders * outbox.LEASE_S
                                        / (2 * float(config["NOTIFY_TIMEOUT_S"])))))
    with db.command_transaction() as session:
        messages = outbox.messages(session, outbox.claim(session, clock.now(), limit))
    if not messages:
        return report
    with ThreadPoolExecutor(max_workers=min(senders, len(messages)),
                            thread_name_prefix="notify") as pool:
        waiting = {pool.submit(_send, message, config) for message in messages}
        while waiting:
            done, waiting = wait(waiting, return_when=FIRST_COMPLETED)
            # What has come back by now is committed together: one commit per outcome
            # bounded the rate by the commit's latency (tens of ms on a busy server).
            for status in _record([future.result() for future in done], config):
                _count(report, status)
    return report


def _record(outcomes: list[outbox.Outcome], config: Mapping[str, Any]) -> list[str]:
    with db.command_transaction() as session:
        return [outbox.record(session, outcome, config).status for outcome in outcomes]


def _count(report: DeliveryReport, status: str) -> None:
    if status == "sent":
        report.sent += 1
    elif status == "failed":
        report.failed += 1
    else:
        report.retried += 1


def deliver_all(limit: int = 500, passes: int = 1000) -> DeliveryReport:
    """Pass after pass until nothing due is left (a backlog, the benchmark)."""
    total = DeliveryReport()
    for _ in range(passes):
        one = deliver_due(limit)
        total.sent, total.retried, total.failed = (total.sent + one.sent,
                                                   total.retried + one.retried,
                                                   total.failed + one.failed)
        if one.sent + one.retried + one.failed == 0:
            break
    return total
