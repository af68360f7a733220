"""Notifications: the events that cause them, the inbox, the outbox and its channels.

Services emit an event with one call (`notify.leave_asked(session, leave)`); it writes rows
in the caller's transaction and never waits on a network: the scheduler's delivery job
sends them (checkin/ops/delivery.py).
"""

from checkin.services.notify.events import leave_asked, leave_decided

__all__ = ["leave_asked", "leave_decided"]
