"""Alembic environment: the URL and metadata come from the application, not alembic.ini."""

from __future__ import annotations

from alembic import context

import checkin.models  # noqa: F401  (registers every table)
from checkin.db import Base, make_engine

config = context.config
url = config.get_main_option("sqlalchemy.url")
connection = config.attributes.get("connection")


def run() -> None:
    if connection is not None:
        _migrate(connection)
        return
    assert url is not None, "sqlalchemy.url is not set"
    engine = make_engine(url)
    with engine.connect() as conn:
        _migrate(conn)
    engine.dispose()


def _migrate(conn) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=conn,
        target_metadata=Base.metadata,
        render_as_batch=conn.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    if conn.in_transaction():
        conn.commit()


run()
