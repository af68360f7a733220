"""Separation of duties as a table: which admin duty opens which page."""

from __future__ import annotations

import pytest

from checkin.domain.duties import may_open, may_take_over

CASES = [
    # duty, endpoint, separated, allowed
    ("audit", "audit_log.entries", True, True),
    ("audit", "audit_log.export", True, True),
    ("audit", "admin.users", True, False),
    ("audit", "admin.roster", True, False),
    ("audit", "supervise.today", True, False),
    ("audit", "home.index", True, True),
    ("audit", "account.security", True, True),
    ("security", "admin.user_active", True, True),
    ("security", "admin.user_second_factor", True, True),
    ("security", "admin.users", True, True),
    ("security", "admin.user_session_end", True, True),  # a lost phone: a lock
    ("security", "admin.user_token_end", True, True),
    ("security", "admin.user_sessions_end", True, True),
    ("system", "admin.user_session_end", True, False),
    ("system", "admin.user_sessions_end", True, False),
    ("audit", "admin.user_sessions_end", True, False),
    ("audit", "account.session_end", True, True),  # one's own sessions are one's own
    ("security", "admin.user_edit", True, False),
    ("security", "admin.user_password", True, False),
    ("security", "admin.roster", True, False),
    ("security", "audit_log.entries", True, False),
    ("security", "visits.visits_list", True, False),
    ("system", "admin.roster", True, True),
    ("system", "admin.user_edit", True, True),
    ("system", "admin.user_password", True, True),
    ("system", "admin.users", True, True),
    ("system", "admin.village_fence", True, True),
    ("system", "supervise.today", True, True),
    ("system", "admin.user_active", True, False),
    ("system", "admin.user_second_factor", True, False),
    ("system", "inbox.deliveries", True, False),
    ("system", "audit_log.entries", True, False),
    # The annual assessment and the pledges: read by the system administrator with the
    # other supervisors' pages (no admin grades: services/people/assessment.py), never by
    # the security or audit administrator.
    ("system", "assessment.county_list", True, True),
    ("system", "assessment.sheet", True, True),
    ("system", "pledges.overview", True, True),
    ("audit", "assessment.county_list", True, False),
    ("audit", "assessment.print_form", True, False),
    ("security", "assessment.sheet", True, False),
    ("security", "pledges.team_page", True, False),
    (None, "admin.roster", True, False),
    (None, "home.index", True, True),
    (None, "audit_log.entries", False, True),
    ("system", "audit_log.entries", False, True),
    ("audit", "admin.roster", False, True),
]


@pytest.mark.parametrize(("duty", "endpoint", "separated", "allowed"), CASES)
def test_each_duty_reaches_its_own_pages(duty: str | None, endpoint: str, separated: bool,
                                         allowed: bool) -> None:
    assert may_open(duty, endpoint, separated=separated) is allowed


@pytest.mark.parametrize(("role", "separated", "allowed"), [
    ("admin", True, False), ("admin", False, True), ("supervisor", True, True),
    ("cadre", True, True),
])
def test_no_admin_takes_over_another_admins_sign_in(role: str, separated: bool,
                                                    allowed: bool) -> None:
    assert may_take_over(role, separated=separated) is allowed
