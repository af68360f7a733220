"""household_contacts: each household's last contact and last visit, kept by triggers on
visits, so that coverage, overdue lists and due states read one row per household instead
of every visit (a province: 220,000 households, 4.5 million visits, 4 s of a page)

A new visit raises the household's dates (the later of the two wins, so concurrent
writers need no order); a correction, which supersedes the visit it points at, and a
deleted visit count the households concerned again from their visits. The rows are
filled from the visits already stored.

Revision ID: 0038_household_contacts
Revises: 0037_export_jobs
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0038_household_contacts'
down_revision = '0037_export_jobs'
branch_labels = None
depends_on = None

# Visits that count: those no correction supersedes.
COUNTING = "NOT EXISTS (SELECT 1 FROM visits AS c WHERE c.corrects_id = v.id)"


def recount(households: str) -> str:
    """Statements that count the households of the SQL list `households` again."""
    return (f"DELETE FROM household_contacts WHERE household_id IN ({households}); "
            "INSERT INTO household_contacts (household_id, last_contact, last_visit) "
            "SELECT v.household_id, MAX(v.local_day), "
            "MAX(CASE WHEN v.kind = 'visit' THEN v.local_day END) FROM visits AS v "
            f"WHERE v.household_id IN ({households}) AND {COUNTING} "
            "GROUP BY v.household_id;")


def upgrade() -> None:
    op.create_table(
        'household_contacts',
        sa.Column('household_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('last_contact', sa.Date(), nullable=True),
        sa.Column('last_visit', sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint('household_id', name='pk_household_contacts'),
    )
    op.execute("INSERT INTO household_contacts (household_id, last_contact, last_visit) "
               "SELECT v.household_id, MAX(v.local_day), "
               "MAX(CASE WHEN v.kind = 'visit' THEN v.local_day END) FROM visits AS v "
               f"WHERE {COUNTING} GROUP BY v.household_id")
    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        for statement in _postgresql_triggers():
            op.execute(statement)
    elif dialect == 'sqlite':
        for statement in _sqlite_triggers():
            op.execute(statement)
    else:
        raise NotImplementedError(f"household_contacts triggers for {dialect}")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        op.execute("DROP TRIGGER IF EXISTS visits_track_contacts ON visits")
        op.execute("DROP FUNCTION IF EXISTS visits_track_contacts()")
    elif dialect == 'sqlite':
        for name in ("raise", "correct", "remove"):
            op.execute(f"DROP TRIGGER IF EXISTS visits_{name}_contacts")
    op.drop_table('household_contacts')


def _sqlite_triggers() -> list[str]:
    def later(column: str) -> str:  # SQLite's two-argument max() is NULL if either is
        return f"{column} = COALESCE(MAX({column}, excluded.{column}), {column}, " \
               f"excluded.{column})"

    raise_dates = (
        "INSERT INTO household_contacts (household_id, last_contact, last_visit) "
        "VALUES (NEW.household_id, NEW.local_day, "
        "CASE WHEN NEW.kind = 'visit' THEN NEW.local_day END) "
        f"ON CONFLICT (household_id) DO UPDATE SET {later('last_contact')}, "
        f"{later('last_visit')};")
    corrected = "NEW.household_id, (SELECT household_id FROM visits WHERE id = NEW.corrects_id)"
    removed = "OLD.household_id, (SELECT household_id FROM visits WHERE id = OLD.corrects_id)"
    return [
        "CREATE TRIGGER visits_raise_contacts AFTER INSERT ON visits "
        f"WHEN NEW.corrects_id IS NULL BEGIN {raise_dates} END",
        "CREATE TRIGGER visits_correct_contacts AFTER INSERT ON visits "
        f"WHEN NEW.corrects_id IS NOT NULL BEGIN {recount(corrected)} END",
        f"CREATE TRIGGER visits_remove_contacts AFTER DELETE ON visits BEGIN "
        f"{recount(removed)} END",
    ]


def _postgresql_triggers() -> list[str]:
    function = f"""
CREATE FUNCTION visits_track_contacts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' AND NEW.corrects_id IS NULL THEN
        INSERT INTO household_contacts AS h (household_id, last_contact, last_visit)
        VALUES (NEW.household_id, NEW.local_day,
                CASE WHEN NEW.kind = 'visit' THEN NEW.local_day END)
        ON CONFLICT (household_id) DO UPDATE SET
            last_contact = GREATEST(h.last_contact, EXCLUDED.last_contact),
            last_visit = GREATEST(h.last_visit, EXCLUDED.last_visit);
    ELSIF TG_OP = 'INSERT' THEN
        {recount("NEW.household_id, (SELECT household_id FROM visits WHERE id = NEW.corrects_id)")}
    ELSE
        {recount("OLD.household_id, (SELECT household_id FROM visits WHERE id = OLD.corrects_id)")}
    END IF;
    RETURN NULL;
END
$$"""
    trigger = ("CREATE TRIGGER visits_track_contacts AFTER INSERT OR DELETE ON visits "
               "FOR EACH ROW EXECUTE FUNCTION visits_track_contacts()")
    return [function, trigger]
