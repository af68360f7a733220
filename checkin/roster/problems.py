"""What can be wrong with a roster file: a Problem per thing (code, params, sheet, row,
column), and the one refusal that carries them all. The sentences are in the refusal table
(checkin/refusals.py, under ``roster_<code>``), in Chinese and English through gettext."""

from __future__ import annotations

from collections.abc import Iterable

from checkin.domain.refusal import Problem, Refusal

__all__ = ["Problem", "rejected"]


def rejected(problems: Iterable[Problem]) -> Refusal:
    """The file cannot be imported; nothing was written."""
    return Refusal("roster_rejected", problems=problems)
