"""Separation of duties (三员分立, 等保 2.0 level 3): when a deployment turns it on, each
admin account holds exactly one duty, and each duty reaches only its own pages.

- system (系统管理员): the roster, accounts (edit, password reset), villages and fences,
  and the supervisors' pages an admin sees;
- security (安全管理员): locks and second factors (disable/enable an account, remove a lost
  second factor, end a person's sessions), the delivery failures; nothing of the records;
- audit (审计管理员): the audit log, and nothing else; reading it is itself audited.

Pages every signed-in person has (home, their own account, sign-out, the language, the
app's files) stay open to all. With separation off, an admin does everything (a small
county with one admin).
"""

from __future__ import annotations

DUTIES = ("system", "security", "audit")

OWN: frozenset[str] = frozenset({
    "home.index", "auth.logout", "auth.set_language", "auth.change_password",
    "auth.login", "auth.second_step", "auth.privacy", "account.security", "account.factor_begin",
    "account.factor_confirm", "account.factor_off", "account.end_sessions",
    "account.session_end", "account.token_end", "static",
    "inbox.index", "inbox.read", "inbox.read_all", "feedback.mine",
})

SECURITY_ENDPOINTS: frozenset[str] = frozenset({
    "admin.users", "admin.user", "admin.user_active", "admin.user_second_factor",
    "admin.user_session_end", "admin.user_token_end", "admin.user_sessions_end",
    "inbox.deliveries", "inbox.retry",
})
AUDIT_PREFIX = "audit_log."


def may_open(duty: str | None, endpoint: str, *, separated: bool) -> bool:
    """Whether an admin with `duty` may open `endpoint` (a Flask endpoint name)."""
    if not separated:
        return True
    if endpoint in OWN or endpoint.startswith(("pwa.", "vendor.")):
        return True
    if duty == "audit":
        return endpoint.startswith(AUDIT_PREFIX)
    if duty == "security":
        return endpoint in SECURITY_ENDPOINTS
    if duty == "system":
        return not endpoint.startswith(AUDIT_PREFIX) and endpoint not in (
            SECURITY_ENDPOINTS - {"admin.users", "admin.user"})
    return False  # an admin without a duty reaches nothing while duties are separated



def may_take_over(target_role: str, *, separated: bool) -> bool:
    """Whether a page may reset the password, edit or remove the second factor of an
    account of `target_role`. With duties separated, never an admin's: otherwise the
    system administrator could reset the audit administrator's password and read the log
    as them. An admin's own sign-in is then set with `flask set-password` on the host."""
    return not (separated and target_role == "admin")
