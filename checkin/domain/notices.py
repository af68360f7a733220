"""Who is told what, and when: the rules behind notifications, without Flask or a database.

- Leave asked: the supervisors of the level that decides it, nearest the cadre's village
  first (a township without its own supervisor passes it up the chain).
- 销假: due for the cadre the day after an approved leave ended unclosed; overdue for the
  township `return_overdue_after_days` days after that.
- A cadre without a counted check-in for `silent_days` days (not on leave meanwhile): the
  township is told once per silence.
- A household newly overdue: its deadline passed in the week before the digest.
- A make-up request (补卡): the deciders of the township level, as a day's leave; its
  decision: the cadre.
- A spot-check finding (a serious verdict): the county supervisors over the village. A
  sending unit has no users, so it learns of a finding from the county (the unit is named
  in the notification), as it does today from the bulletin.
- A roster import finished: the admin who started it. A bulletin published: the cadres of
  the area.
- Digests: one a day and one a week per supervisor, of what is in their jurisdiction (who
  was not on post, leave waiting for their decision, new findings); none when all is well.
- Audience: what concerns spot checks (or supervision) never goes to a cadre.
- Channels: the inbox is always on; a person may turn their personal channels off.
- Delivery: exponential backoff between attempts, then given up and shown to the admin.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

DECIDING_LEVELS: Mapping[str, frozenset[str]] = {
    "township": frozenset({"township", "county", "city", "province"}),
    "county": frozenset({"county", "city", "province"}),
}

# Kinds that only supervisors may receive: telling a cadre would reveal supervision
# (spot checks above all) or another cadre's record.
SUPERVISORS_ONLY: frozenset[str] = frozenset({
    "feedback.new",
    "leave.asked", "leave.return_overdue", "attendance.silent",
    "spotcheck.finding", "spotcheck.drawn", "correction.asked", "bulletin.warning_talk",
    "digest.supervisor_daily", "digest.supervisor_weekly",
})
CADRES_ONLY: frozenset[str] = frozenset({
    "leave.approved", "leave.rejected", "leave.return_due", "digest.overdue_households",
    "correction.approved", "correction.rejected", "bulletin.published",
})
ADMINS_ONLY: frozenset[str] = frozenset({"roster.import_finished"})
# A make-up request is the township's to decide, as a day's leave is.
MAKEUP_APPROVER_LEVEL = "township"
COUNTY_LEVELS: frozenset[str] = frozenset({"county", "city", "province"})
# Channels a person may turn off; the inbox is not among them, nor the group robots (one
# post per event in a group, not a person's).
PERSONAL_CHANNELS: tuple[str, ...] = ("email", "webhook")


@dataclass(frozen=True)
class ChainLevel:
    """One area on the way from a village up to the province, with its supervisors."""

    level: str
    supervisor_ids: tuple[int, ...]


def may_receive(kind: str, role: str) -> bool:
    """A supervisors-only kind never reaches a cadre; a cadre's own never a supervisor."""
    if kind in SUPERVISORS_ONLY:
        return role in {"supervisor", "admin"}
    if kind in CADRES_ONLY:
        return role == "cadre"
    if kind in ADMINS_ONLY:
        return role == "admin"
    return True


def county_supervisors(chain: Sequence[ChainLevel]) -> list[int]:
    """Who is told of a finding: the supervisors of the nearest county (or higher) area
    above the village that has any."""
    for area in chain:
        if area.level in COUNTY_LEVELS and area.supervisor_ids:
            return list(area.supervisor_ids)
    return []


def muted_of(stored: str | None) -> frozenset[str]:
    """The personal channels a person turned off, from the stored comma-separated list."""
    return frozenset(c for c in (stored or "").split(",") if c in PERSONAL_CHANNELS)


def stored_muted(muted: Iterable[str]) -> str:
    return ",".join(c for c in PERSONAL_CHANNELS if c in set(muted))


EMAIL_MAX = 254


def email_problem(address: str) -> str | None:
    """Why an e-mail address cannot be used, or None: one "@", a dotted domain, no spaces.
    Deliberately loose: the SMTP server is the judge of the rest."""
    if len(address) > EMAIL_MAX:
        return "email_too_long"
    local, at, domain = address.rpartition("@")
    if not at or not local or "@" in local or any(c.isspace() for c in address) \
            or "." not in domain.strip(".") or domain.startswith(".") \
            or domain.endswith("."):
        return "email_invalid"
    return None


def channel_wanted(channel: str, muted: frozenset[str]) -> bool:
    """A personal channel the person did not turn off; the inbox and the groups always."""
    return channel not in muted


def not_on_post(status: str) -> bool:
    """Today's board: a cadre seen outside the fence or not seen at all (not on leave). At
    the hour of the daily digest the day still runs, so "not yet checked in" counts too:
    that is who the township has to ask about."""
    return status in {"outside", "not_seen", "not_yet"}


def absent_days(cells: Iterable[str]) -> int:
    """Days of a week's grid that were neither on post nor covered by leave."""
    return sum(1 for cell in cells if cell == "absent")


def digest_worth_sending(not_on_post: int, leave_waiting: int, findings: int) -> bool:
    """A digest with nothing in it is not sent: no news is not a message."""
    return bool(not_on_post or leave_waiting or findings)


def ancestors(area_path: str) -> list[int]:
    """The area ids of a materialised path ("/1/4/9/"), root first."""
    return [int(part) for part in area_path.strip("/").split("/") if part]


def deciders(approver_level: str, chain: Sequence[ChainLevel]) -> list[int]:
    """The supervisors of the nearest area, going up from the village, whose level may
    decide leave at `approver_level`; nobody if no such area has a supervisor."""
    allowed = DECIDING_LEVELS.get(approver_level, DECIDING_LEVELS["county"])
    for area in chain:  # nearest first
        if area.level in allowed and area.supervisor_ids:
            return list(area.supervisor_ids)
    return []


def township_supervisors(chain: Sequence[ChainLevel]) -> list[int]:
    """Who watches daily attendance (乡镇负责日常考勤): the nearest supervisors above the
    village, normally the township's."""
    for area in chain:
        if area.level != "village" and area.supervisor_ids:
            return list(area.supervisor_ids)
    return []


def return_due(status: str, end: date, today: date) -> bool:
    """销假 is due from the day after an approved leave's last day until it is closed."""
    return status == "approved" and today > end


def return_overdue(status: str, end: date, today: date, after_days: int) -> bool:
    """Overdue `after_days` days after 销假 fell due (the day after the leave's end)."""
    return status == "approved" and today >= end + timedelta(days=1 + after_days)


def silent_since(last_day: date | None, since: date, today: date, silent_days: int,
                 leave_days: Iterable[tuple[date, date]]) -> date | None:
    """The first day of a silence of at least `silent_days` days before today with no
    counted check-in, or None. A silence starts the day after the last counted day (or on
    `since`, the start of duty, if none); days on leave do not count towards it."""
    start = max(last_day + timedelta(days=1), since) if last_day else since
    quiet = 0
    day = start
    spans = list(leave_days)
    while day < today:
        if not any(first <= day <= last for first, last in spans):
            quiet += 1
        day += timedelta(days=1)
    return start if quiet >= silent_days else None


def newly_overdue(next_deadline: date | None, state: str, today: date,
                  window_days: int = 7) -> bool:
    """Overdue now, and its deadline passed within the last `window_days` days."""
    if state != "overdue" or next_deadline is None:
        return False
    return today - timedelta(days=window_days) <= next_deadline < today


def retry_delay_s(attempts: int, base_s: float, most_s: float) -> float:
    """Seconds to wait after the `attempts`-th failed attempt: base, 2x, 4x ... at most."""
    return float(min(most_s, base_s * 2 ** max(0, attempts - 1)))


def supervisors_up_to(chain: Sequence[ChainLevel], level: str) -> list[int]:
    """Supervisors of the chain from the village up to and including `level` (the area
    that published a bulletin): those who follow the team, none above. The whole chain
    when `level` is not on it."""
    levels = [lv.level for lv in chain]
    last = levels.index(level) if level in levels else len(chain) - 1
    return sorted({uid for lv in chain[:last + 1] for uid in lv.supervisor_ids})
