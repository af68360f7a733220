"""Each kind of notification: its sentence (a gettext msgid with named parameters, rendered
in the reader's language when read) and the page it links to."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext


@dataclass(frozen=True)
class Kind:
    subject: Any  # lazy string: the e-mail subject
    text: Callable[[Mapping[str, Any]], str]
    endpoint: str


def _leave_asked(p: Mapping[str, Any]) -> str:
    return _("%(cadre)s (%(village)s) asks for %(days)s days of leave, %(start)s to %(end)s.",
             **p)


def _leave_approved(p: Mapping[str, Any]) -> str:
    return _("Your leave from %(start)s to %(end)s was approved.", **p)


def _leave_rejected(p: Mapping[str, Any]) -> str:
    return _("Your leave from %(start)s to %(end)s was not approved.", **p)


def _return_due(p: Mapping[str, Any]) -> str:
    return _("Your leave ended on %(end)s: close it (销假) now that you are back.", **p)


def _return_overdue(p: Mapping[str, Any]) -> str:
    return _("%(cadre)s (%(village)s) has not closed leave that ended on %(end)s.", **p)


def _silent(p: Mapping[str, Any]) -> str:
    if p.get("last"):
        return _("%(cadre)s (%(village)s) has had no counted check-in since %(last)s.", **p)
    return _("%(cadre)s (%(village)s) has had no counted check-in since %(since)s.", **p)


def _overdue_households(p: Mapping[str, Any]) -> str:
    names = "、".join(p.get("names", []))
    return ngettext("%(num)d of your households fell overdue this week: %(names)s.",
                    "%(num)d of your households fell overdue this week: %(names)s.",
                    int(p.get("count", 0)), names=names)


def _makeup_asked(p: Mapping[str, Any]) -> str:
    return _("%(cadre)s (%(village)s) asks to make up %(day)s (补卡).", **p)


def _makeup_approved(p: Mapping[str, Any]) -> str:
    return _("Your make-up for %(day)s was approved: the day counts.", **p)


def _makeup_rejected(p: Mapping[str, Any]) -> str:
    return _("Your make-up for %(day)s was not approved.", **p)


def _finding(p: Mapping[str, Any]) -> str:
    if p.get("unit"):
        return _("A spot check of %(cadre)s (%(village)s, sent by %(unit)s) on %(day)s "
                 "found a serious problem.", **p)
    return _("A spot check of %(cadre)s (%(village)s) on %(day)s found a serious problem.",
             **p)


def _import_finished(p: Mapping[str, Any]) -> str:
    if p.get("status") != "done":
        return _("Roster import %(import_id)s failed with %(problems)s problems.", **p)
    if p.get("dry_run"):
        return _("The preview of roster import %(import_id)s is ready: %(created)s new, "
                 "%(updated)s changed.", **p)
    return _("Roster import %(import_id)s is done: %(created)s new, %(updated)s changed.",
             **p)


def _bulletin(p: Mapping[str, Any]) -> str:
    if p.get("corrected"):
        return _("The bulletin of %(area)s for %(month)s was corrected.", **p)
    return _("The bulletin of %(area)s for %(month)s is published.", **p)


def _digest_parts(p: Mapping[str, Any], absent: str) -> str:
    parts = []
    if p.get("absent"):
        parts.append(absent)
    if p.get("leave") or p.get("makeup"):
        parts.append(_("Waiting for your decision: %(leave)s leave, %(makeup)s make-ups.",
                       leave=p.get("leave", 0), makeup=p.get("makeup", 0)))
    if p.get("findings"):
        parts.append(_("New serious spot-check findings: %(findings)s.",
                       findings=p["findings"]))
    return _joined(parts) or _("Nothing needs you.")


def _joined(parts: list[str]) -> str:
    """Sentences one after another: a space between them in English, none in Chinese."""
    text = parts[0] if parts else ""
    for part in parts[1:]:
        text = _("%(first)s %(then)s", first=text, then=part)
    return text


def _supervisor_daily(p: Mapping[str, Any]) -> str:
    names = "、".join(p.get("names", []))
    return _joined([_("%(day)s:", day=p["day"]), _digest_parts(p, _(
        "Not on post today: %(num)s (%(names)s).", num=p.get("absent", 0), names=names))])


def _supervisor_weekly(p: Mapping[str, Any]) -> str:
    names = "、".join(p.get("names", []))
    return _joined([_("%(first)s to %(last)s:", first=p["first"], last=p["last"]),
                    _digest_parts(p, _("Cadres with days not on post: %(num)s "
                                       "(most first: %(names)s).",
                                       num=p.get("absent", 0), names=names))])


def _feedback_new(p: Mapping[str, Any]) -> str:
    word = FEEDBACK_KIND_WORDS.get(p.get("kind", ""))
    return _("%(name)s sent feedback (%(kind)s).", name=p.get("name", ""),
             kind=str(word) if word else p.get("kind", ""))


def _feedback_answered(p: Mapping[str, Any]) -> str:
    if p.get("closes"):
        return _("Your feedback was answered and closed.")
    return _("Your feedback was answered.")


FEEDBACK_KIND_WORDS = {"suggestion": _l("suggestion"), "problem": _l("problem"),
                       "complaint": _l("complaint")}


def _warning_talk(p: Mapping[str, Any]) -> str:
    return _("%(village)s, %(month)s: villagers' satisfaction %(share)s%% (%(answers)s "
             "answers). A warning talk with the head of %(unit)s and %(responsible)s is due.",
             **p)


KINDS: dict[str, Kind] = {
    "leave.asked": Kind(_l("Leave waits for your decision"), _leave_asked,
                        "supervise.leave_inbox"),
    "leave.approved": Kind(_l("Leave approved"), _leave_approved, "cadre.leaves_page"),
    "leave.rejected": Kind(_l("Leave not approved"), _leave_rejected, "cadre.leaves_page"),
    "leave.return_due": Kind(_l("Close your leave (销假)"), _return_due, "cadre.leaves_page"),
    "leave.return_overdue": Kind(_l("Leave not closed"), _return_overdue,
                                 "supervise.leave_inbox"),
    "attendance.silent": Kind(_l("No check-in for days"), _silent, "supervise.today"),
    "bulletin.warning_talk": Kind(_l("A warning talk is due"), _warning_talk,
                                  "bulletins.warning_talks_page"),
    "digest.overdue_households": Kind(_l("Households overdue this week"),
                                      _overdue_households, "visits.my_households"),
    "correction.asked": Kind(_l("A make-up waits for your decision"), _makeup_asked,
                             "supervise.leave_inbox"),
    "correction.approved": Kind(_l("Make-up approved"), _makeup_approved,
                                "cadre.attendance_page"),
    "correction.rejected": Kind(_l("Make-up not approved"), _makeup_rejected,
                                "cadre.attendance_page"),
    "spotcheck.finding": Kind(_l("A spot check found a serious problem"), _finding,
                              "spotchecks.findings_page"),
    "roster.import_finished": Kind(_l("Roster import finished"), _import_finished,
                                   "admin.roster"),
    "feedback.new": Kind(_l("New feedback"), _feedback_new, "feedback.queue"),
    "feedback.answered": Kind(_l("Your feedback was answered"), _feedback_answered,
                              "feedback.mine"),
    "bulletin.published": Kind(_l("Bulletin published"), _bulletin, "cadre.attendance_page"),
    "digest.supervisor_daily": Kind(_l("Today in your area"), _supervisor_daily,
                                    "supervise.today"),
    "digest.supervisor_weekly": Kind(_l("The week in your area"), _supervisor_weekly,
                                     "supervise.month"),
}


def render(kind: str, params: Mapping[str, Any]) -> str:
    """The sentence in the current locale; a kind this version does not know shows its name."""
    known = KINDS.get(kind)
    if known is None:
        return kind
    try:
        return known.text(params)
    except (KeyError, TypeError, ValueError):  # params of an older version
        return str(known.subject)


def subject(kind: str) -> str:
    known = KINDS.get(kind)
    return str(known.subject) if known else kind


def endpoint(kind: str) -> str:
    known = KINDS.get(kind)
    return known.endpoint if known else "inbox.index"
