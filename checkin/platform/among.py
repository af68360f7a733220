"""`column IN ids` for a list of any length, in one bound parameter.

An IN list binds every id: SQLAlchemy then renders, and the driver parses, tens of
thousands of parameters (most of the time of a province's ledger on PostgreSQL); PostgreSQL
refuses more than 65,535 and SQLite more than 32,766 (a province's 264,000 households did).
PostgreSQL gets an array, SQLite a JSON array. Use it for every IN over ids computed in
Python; an IN over a subquery needs nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ARRAY, Integer, String, bindparam, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import any_


def among(session: Session, column: Any, ids: Iterable[int]) -> ColumnElement[bool]:
    values = [int(i) for i in ids]
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(Integer)))
    each = func.json_each(bindparam(None, json.dumps(values), type_=String)
                          ).table_valued("value")
    return column.in_(select(each.c.value))
