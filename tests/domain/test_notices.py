"""The rules of who is told what, and when (checkin/domain/notices.py)."""

from __future__ import annotations

from datetime import date

import pytest

from checkin.domain.notices import (
    PERSONAL_CHANNELS,
    SUPERVISORS_ONLY,
    ChainLevel,
    absent_days,
    ancestors,
    channel_wanted,
    county_supervisors,
    deciders,
    digest_worth_sending,
    email_problem,
    may_receive,
    muted_of,
    newly_overdue,
    not_on_post,
    retry_delay_s,
    return_due,
    return_overdue,
    silent_since,
    stored_muted,
    township_supervisors,
)

D = date(2026, 12, 10)

CHAIN = [ChainLevel("village", ()), ChainLevel("township", (5, 6)),
         ChainLevel("county", (7,)), ChainLevel("city", ()), ChainLevel("province", (9,))]
NO_TOWNSHIP = [ChainLevel("village", ()), ChainLevel("township", ()),
               ChainLevel("county", (7,))]


@pytest.mark.parametrize(("level", "chain", "told"), [
    ("township", CHAIN, [5, 6]),          # short leave: the township decides
    ("county", CHAIN, [7]),               # long leave: the county, not the township
    ("township", NO_TOWNSHIP, [7]),       # a township without supervisors passes it up
    ("county", [ChainLevel("village", ()), ChainLevel("township", (5,))], []),
])
def test_leave_goes_to_the_deciding_level(level: str, chain: list[ChainLevel],
                                          told: list[int]) -> None:
    assert deciders(level, chain) == told


def test_attendance_goes_to_the_nearest_supervisors() -> None:
    assert township_supervisors(CHAIN) == [5, 6]
    assert township_supervisors(NO_TOWNSHIP) == [7]


@pytest.mark.parametrize(("kind", "role", "ok"), [
    ("spotcheck.finding", "cadre", False), ("spotcheck.drawn", "cadre", False),
    ("leave.asked", "cadre", False), ("attendance.silent", "cadre", False),
    ("leave.asked", "supervisor", True), ("leave.approved", "cadre", True),
    ("leave.approved", "supervisor", False), ("bulletin.published", "cadre", True),
    ("correction.asked", "cadre", False), ("correction.asked", "supervisor", True),
    ("correction.approved", "cadre", True), ("correction.rejected", "supervisor", False),
    ("digest.supervisor_daily", "cadre", False), ("digest.supervisor_weekly", "cadre", False),
    ("digest.supervisor_daily", "supervisor", True), ("bulletin.published", "supervisor", False),
    ("roster.import_finished", "admin", True), ("roster.import_finished", "supervisor", False),
    ("roster.import_finished", "cadre", False), ("spotcheck.finding", "supervisor", True),
])
def test_supervision_never_reaches_a_cadre(kind: str, role: str, ok: bool) -> None:
    assert may_receive(kind, role) is ok


@pytest.mark.parametrize(("status", "end", "due", "overdue"), [
    ("approved", date(2026, 12, 10), False, False),   # last day of leave: not yet
    ("approved", date(2026, 12, 9), True, False),     # the day after: 销假 due
    ("approved", date(2026, 12, 7), True, False),     # 3 days after the due day: not yet
    ("approved", date(2026, 12, 6), True, True),      # due on the 7th, overdue on the 10th
    ("closed", date(2026, 12, 1), False, False),
    ("pending", date(2026, 12, 1), False, False),
])
def test_return_due_then_overdue(status: str, end: date, due: bool, overdue: bool) -> None:
    assert return_due(status, end, D) is due
    assert return_overdue(status, end, D, after_days=3) is overdue


@pytest.mark.parametrize(("last", "leave", "silent"), [
    (date(2026, 12, 9), [], None),                      # checked in yesterday
    (date(2026, 12, 7), [], None),                      # 2 quiet days (8th, 9th)
    (date(2026, 12, 6), [], date(2026, 12, 7)),         # 3 quiet days
    (date(2026, 12, 6), [(date(2026, 12, 8), date(2026, 12, 9))], None),  # on leave
    (None, [], date(2026, 12, 1)),                      # never since duty began
])
def test_days_without_a_counted_checkin(last: date | None, leave: list[tuple[date, date]],
                                        silent: date | None) -> None:
    assert silent_since(last, date(2026, 12, 1), D, 3, leave) == silent


@pytest.mark.parametrize(("deadline", "state", "new"), [
    (date(2026, 12, 9), "overdue", True), (date(2026, 12, 3), "overdue", True),
    (date(2026, 12, 2), "overdue", False),  # overdue since before this week: told already
    (date(2026, 12, 9), "due", False), (None, "overdue", False),
])
def test_newly_overdue_households(deadline: date | None, state: str, new: bool) -> None:
    assert newly_overdue(deadline, state, D) is new


@pytest.mark.parametrize(("attempts", "delay"), [(1, 30), (2, 60), (3, 120), (10, 3600)])
def test_backoff_doubles_up_to_a_ceiling(attempts: int, delay: float) -> None:
    assert retry_delay_s(attempts, 30, 3600) == delay


def test_every_kind_that_tells_of_supervision_is_kept_from_cadres() -> None:
    """A new kind about spot checks, findings or a supervisor's digest cannot slip through:
    every known kind of that family is supervisors-only."""
    from checkin.services.notify.kinds import KINDS

    revealing = [k for k in KINDS if k.startswith(("spotcheck.", "digest.supervisor"))]
    assert revealing and all(k in SUPERVISORS_ONLY for k in revealing)
    assert not any(may_receive(k, "cadre") for k in revealing)


@pytest.mark.parametrize(("chain", "told"), [
    (CHAIN, [7]),                                               # the county over the village
    ([ChainLevel("village", ()), ChainLevel("township", (5,)),
      ChainLevel("county", ()), ChainLevel("city", (8,))], [8]),  # a county without: the city
    ([ChainLevel("village", ()), ChainLevel("township", (5,))], []),  # never the township
])
def test_findings_go_to_the_county(chain: list[ChainLevel], told: list[int]) -> None:
    assert county_supervisors(chain) == told


@pytest.mark.parametrize(("stored", "muted", "email", "webhook"), [
    ("", frozenset(), True, True),
    ("email", frozenset({"email"}), False, True),
    ("webhook,email", frozenset({"email", "webhook"}), False, False),
    ("email,inbox,sms", frozenset({"email"}), False, True),  # the inbox cannot be turned off
    (None, frozenset(), True, True),
])
def test_a_person_turns_personal_channels_off(stored: str | None, muted: frozenset[str],
                                              email: bool, webhook: bool) -> None:
    assert muted_of(stored) == muted
    assert channel_wanted("email", muted) is email
    assert channel_wanted("webhook", muted) is webhook
    assert channel_wanted("wecom", muted) and channel_wanted("dingtalk", muted)  # groups'
    assert stored_muted(muted) == ",".join(c for c in PERSONAL_CHANNELS if c in muted)


@pytest.mark.parametrize(("address", "problem"), [
    ("town@county.gov.cn", None), ("张三@例子.中国", None),
    ("no-at.example.com", "email_invalid"), ("a@b", "email_invalid"),
    ("a b@c.cn", "email_invalid"), ("@c.cn", "email_invalid"), ("a@@c.cn", "email_invalid"),
    ("a@.cn", "email_invalid"), ("a@c.cn.", "email_invalid"),
    ("a" * 250 + "@c.cn", "email_too_long"),
])
def test_an_email_address_must_look_like_one(address: str, problem: str | None) -> None:
    assert email_problem(address) == problem


@pytest.mark.parametrize(("status", "absent"), [
    ("on_post", False), ("on_leave", False), ("outside", True), ("not_seen", True),
    ("not_yet", True)])
def test_who_is_not_on_post_today(status: str, absent: bool) -> None:
    assert not_on_post(status) is absent


@pytest.mark.parametrize(("cells", "days"), [
    (("on_post",) * 7, 0), (("absent", "leave", "official", "training", "makeup", "absent",
                             "on_post"), 2), ((), 0)])
def test_days_not_on_post_in_a_week(cells: tuple[str, ...], days: int) -> None:
    assert absent_days(cells) == days


@pytest.mark.parametrize(("counts", "sent"), [
    ((0, 0, 0), False), ((1, 0, 0), True), ((0, 2, 0), True), ((0, 0, 1), True)])
def test_no_news_is_no_digest(counts: tuple[int, int, int], sent: bool) -> None:
    assert digest_worth_sending(*counts) is sent


def test_an_area_path_names_its_ancestors_root_first() -> None:
    assert ancestors("/1/4/9/") == [1, 4, 9] and ancestors("") == []
@pytest.mark.parametrize(("level", "told"), [
    ("county", [5, 6, 7]),  # a county's bulletin: the township and the county
    ("township", [5, 6]),
    ("province", [5, 6, 7, 9]),
    ("", [5, 6, 7, 9]),  # not on the chain: everyone on it
])
def test_a_warning_talk_is_told_to_the_supervisors_up_to_the_publisher(
        level: str, told: list[int]) -> None:
    from checkin.domain.notices import supervisors_up_to

    assert supervisors_up_to(CHAIN, level) == told


def test_a_warning_talk_never_reaches_a_cadre() -> None:
    assert not may_receive("bulletin.warning_talk", "cadre")
    assert may_receive("bulletin.warning_talk", "supervisor")
