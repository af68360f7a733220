"""The delivery worker: takes due deliveries from the outbox and sends them, each outcome
committed on its own, so what was sent is never sent again by a later run and a failure
never loses a message. Runs from the scheduler (`flask run-jobs`), never in a request."""

from __future__ import annotations

from dataclasses import dataclass

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


def deliver_due(limit: int = 500) -> DeliveryReport:
    """One pass over what is due now: claim (and commit the lease), render, then send each
    outside any transaction and commit its outcome."""
    config = current_app.config
    report = DeliveryReport()
    with db.command_transaction() as session:
        messages = [outbox.message(session, delivery_id)
                    for delivery_id in outbox.claim(session, clock.now(), limit)]
    for message in messages:
        error = None
        try:
            channels.send(message, config)
        except channels.DeliveryError as exc:
            error = str(exc)
        with db.command_transaction() as session:
            delivery = outbox.record(session, outbox.Outcome(message.delivery_id, error),
                                     config)
            if delivery.status == "sent":
                report.sent += 1
            elif delivery.status == "failed":
                report.failed += 1
            else:
                report.retried += 1
    return report


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
