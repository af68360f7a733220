"""The daily log's draft in the reader's language: one line per record of the day
(`checkin.domain.daily_log.draft_items`), which the cadre edits before saving."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _

from checkin.domain.daily_log import DraftItem


def leave_word(kind: str) -> str:
    return {"personal": _("Personal leave"), "sick": _("Sick leave"),
            "urgent": _("Urgent leave"), "official": _("Official business"),
            "training": _("Training")}.get(kind, kind)


def draft_line(item: DraftItem) -> str:
    p = item.params
    if item.kind == "leave":
        return _("%(kind)s from %(start)s to %(end)s", kind=leave_word(str(p["kind"])),
                 start=p["start"], end=p["end"])
    if item.kind == "checkin":
        if p["counts"]:
            return _("%(at)s checked in at the village (%(m)s m from the centre)",
                     at=item.at, m=p["distance_m"])
        return _("%(at)s checked in, did not count (%(m)s m from the centre)",
                 at=item.at, m=p["distance_m"])
    note = str(p.get("note") or "")
    if item.kind == "contact":
        line = _("%(at)s contacted the household of %(name)s", at=item.at,
                 name=p["household"])
    else:
        line = _("%(at)s visited the household of %(name)s", at=item.at, name=p["household"])
    return _("%(line)s: %(note)s", line=line, note=note) if note else line


def draft_text(items: Sequence[DraftItem]) -> str:
    """The draft: the day's records, then an empty line for the cadre's own words."""
    lines = [draft_line(item) for item in items]
    return "\n".join(lines) + ("\n\n" if lines else "")
