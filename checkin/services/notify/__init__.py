"""Notifications: the events that cause them, the inbox, the outbox and its channels.

Services emit an event with one call (`notify.leave_asked(session, leave)`); it writes rows
in the caller's transaction and never waits on a network: the scheduler's delivery job
sends them (checkin/ops/delivery.py).
"""

from checkin.services.notify.events import (
    bulletin_published,
    finding,
    import_finished,
    leave_asked,
    leave_decided,
    makeup_asked,
    makeup_decided,
)

__all__ = ["bulletin_published", "finding", "import_finished", "leave_asked",
           "leave_decided", "makeup_asked", "makeup_decided"]
