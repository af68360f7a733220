"""Responsible helpers (帮扶责任人, seed 001: every poor household has one, who contacts it
monthly and visits it every two months) who are not resident cadres, and what a change of
helper does to the household's deadlines.

Decisions:

- A household keeps its resident cadre (`helper_id`, as before: the team's cadre who has it
  on their list and whose visits count for the team). Its responsible helper may instead be
  a person who does not live in the village (`outside_helper_id`: a unit employee, with a
  name, a phone and a unit): such a person has no account, is never in the 200-day ledger
  and never on a check-in page.
- The household's visits belong to the household, not to the helper: a new helper (or a
  household moved to another village) carries the whole history, and the last contact and
  visit still decide the deadlines.
- A new helper gets a grace of one cadence period from the day of the change: each
  deadline is the later of the usual one (from the last contact or visit) and the change
  day plus the period. A household already overdue is then due again one period after the
  change, not at once.
- The grace is given once per visit period (the longer one): a change within
  `visit_every_days` of the previous grace keeps that grace's day, so changing helpers back
  and forth never keeps a household from falling overdue.
"""

from __future__ import annotations

from datetime import date, timedelta

from checkin.domain.policy import Policy


def grace_from(previous: date | None, change_day: date, policy: Policy) -> date:
    """The day a new helper's grace runs from: the change day, unless the previous grace
    began less than one visit period before it."""
    if previous is not None and change_day - previous < timedelta(days=policy.visit_every_days):
        return previous
    return change_day


def deadline(last: date | None, since: date, grace: date | None, every_days: int) -> date:
    """One duty's deadline: from the last time it was done (or the start of the duty), but
    not before one period after the new helper's grace began."""
    usual = (last or since) + timedelta(days=every_days)
    if grace is None:
        return usual
    return max(usual, grace + timedelta(days=every_days))
