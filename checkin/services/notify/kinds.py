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
