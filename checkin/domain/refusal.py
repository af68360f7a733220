"""Refusal: the one error raised when a request cannot be done, wherever the rule lives.

It carries what went wrong, not words: a stable `code`, the offending input (`field`), the
named `params` the sentence needs, and for a file (a roster) every `problems` found at once.
The sentence, in the reader's language, and the HTTP status come from one table at the edge
(checkin/refusals.py); nothing here knows Flask or a language.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

ParamValue = object


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a file, located by sheet, row and column where that applies."""

    code: str
    sheet: str | None = None  # the sheet's name as written in the file
    row: int | None = None
    column: str | None = None  # the header as written in the file
    letter: str | None = None  # the column's letter, as Excel shows it ("D")
    params: dict[str, ParamValue] = field(default_factory=dict)


class Refusal(Exception):
    """The request is refused; `code` is stable, `field` names the input, `params` fill in."""

    def __init__(self, code: str, *, field: str | None = None,
                 problems: Iterable[Problem] = (), **params: ParamValue) -> None:
        super().__init__(code)
        self.code = code
        self.field = field
        self.params: dict[str, ParamValue] = params
        self.problems: tuple[Problem, ...] = tuple(problems)

    def __repr__(self) -> str:
        return f"Refusal({self.code!r}, field={self.field!r}, params={self.params!r})"
