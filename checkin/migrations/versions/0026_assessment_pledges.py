"""the annual assessment's decisions (年度考核) and the teams' yearly pledges with their
quarterly reports and the township's reviews (年承诺、季报告); all insert-only, with the
triggers of 0006 (DDL copied in as it was when this was written)

Revision ID: 0026_assessment_pledges
Revises: 0025_public_evaluation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0026_assessment_pledges'
down_revision = '0025_public_evaluation'
branch_labels = None
depends_on = None

_TABLES = ('assessment_decisions', 'team_pledges', 'quarter_reports', 'quarter_report_reviews')
_UNLOCK_TABLE = 'evidence_unlock'
_PG_FUNCTION = 'insert_only_guard'
_PG_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION insert_only_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND coalesce(current_setting('checkin.purge', true), '') = 'on'
       AND (to_jsonb(NEW) - TG_ARGV) = (to_jsonb(OLD) - TG_ARGV) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION USING
        MESSAGE = TG_TABLE_NAME || ' is insert-only: ' || TG_OP || ' refused',
        HINT = 'records of evidence are corrected by new records, never changed';
END
$$"""


def _insert_only_statements(dialect: str, table: str, columns: list[str]) -> list[str]:
    if dialect == 'postgresql':
        return [
            _PG_FUNCTION_SQL,
            f'DROP TRIGGER IF EXISTS {table}_insert_only ON "{table}"',
            f'CREATE TRIGGER {table}_insert_only BEFORE UPDATE OR DELETE ON "{table}" '
            f'FOR EACH ROW EXECUTE FUNCTION {_PG_FUNCTION}()',
        ]
    same = ' AND '.join(f'NEW."{name}" IS OLD."{name}"' for name in columns) or '1'
    return [
        f'CREATE TABLE IF NOT EXISTS {_UNLOCK_TABLE} (reason VARCHAR(16) PRIMARY KEY)',
        f'DROP TRIGGER IF EXISTS {table}_insert_only_update',
        f'DROP TRIGGER IF EXISTS {table}_insert_only_delete',
        f'CREATE TRIGGER {table}_insert_only_update BEFORE UPDATE ON "{table}" '
        f'FOR EACH ROW WHEN NOT (EXISTS (SELECT 1 FROM {_UNLOCK_TABLE} '
        f"WHERE reason = 'purge') AND {same}) "
        f"BEGIN SELECT RAISE(ABORT, '{table} is insert-only: UPDATE refused'); END",
        f'CREATE TRIGGER {table}_insert_only_delete BEFORE DELETE ON "{table}" '
        f'FOR EACH ROW WHEN NOT EXISTS (SELECT 1 FROM {_UNLOCK_TABLE} '
        f"WHERE reason = 'wipe') "
        f"BEGIN SELECT RAISE(ABORT, '{table} is insert-only: DELETE refused'); END",
    ]


_GRADES = "IN ('excellent','competent','basic','incompetent')"


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f'{target}.id'],
                                   name=f'fk_{table}_{column}_{target}')


def upgrade() -> None:
    op.create_table(
        'assessment_decisions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('sequence', sa.Integer(), nullable=False),
        sa.Column('supersedes_id', sa.Integer(), nullable=True),
        sa.Column('grade', sa.String(length=16), nullable=False),
        sa.Column('ceiling', sa.String(length=16), nullable=False),
        sa.Column('above_ceiling', sa.Boolean(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('override_reason', sa.Text(), nullable=False),
        sa.Column('flags', sa.JSON(), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=False),
        sa.Column('decided_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint(f'grade {_GRADES}', name='ck_assessment_decisions_grade'),
        sa.CheckConstraint(f'ceiling {_GRADES}', name='ck_assessment_decisions_ceiling'),
        _fk('assessment_decisions', 'user_id', 'users'),
        _fk('assessment_decisions', 'supersedes_id', 'assessment_decisions'),
        _fk('assessment_decisions', 'decided_by_id', 'users'),
        sa.PrimaryKeyConstraint('id', name='pk_assessment_decisions'),
        sa.UniqueConstraint('user_id', 'year', 'sequence',
                            name='uq_assessment_decisions_user_id'),
    )
    op.create_index('ix_assessment_decisions_user_id', 'assessment_decisions', ['user_id'])
    op.create_table(
        'team_pledges',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('team_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('items', sa.JSON(), nullable=False),
        sa.Column('written_by_id', sa.Integer(), nullable=False),
        sa.Column('written_at', sa.DateTime(), nullable=False),
        _fk('team_pledges', 'team_id', 'teams'),
        _fk('team_pledges', 'written_by_id', 'users'),
        sa.PrimaryKeyConstraint('id', name='pk_team_pledges'),
        sa.UniqueConstraint('team_id', 'year', 'version', name='uq_team_pledges_team_id'),
    )
    op.create_index('ix_team_pledges_team_id', 'team_pledges', ['team_id'])
    op.create_table(
        'quarter_reports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.String(length=36), nullable=True),
        sa.Column('team_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('quarter', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('pledge_id', sa.Integer(), nullable=False),
        sa.Column('entries', sa.JSON(), nullable=False),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('submitted_by_id', sa.Integer(), nullable=False),
        sa.Column('submitted_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('quarter BETWEEN 1 AND 4', name='ck_quarter_reports_quarter'),
        _fk('quarter_reports', 'team_id', 'teams'),
        _fk('quarter_reports', 'pledge_id', 'team_pledges'),
        _fk('quarter_reports', 'submitted_by_id', 'users'),
        sa.PrimaryKeyConstraint('id', name='pk_quarter_reports'),
        sa.UniqueConstraint('request_id', name='uq_quarter_reports_request_id'),
        sa.UniqueConstraint('team_id', 'year', 'quarter', 'version',
                            name='uq_quarter_reports_team_id'),
    )
    op.create_index('ix_quarter_reports_team_id', 'quarter_reports', ['team_id'])
    op.create_table(
        'quarter_report_reviews',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.Column('decision', sa.String(length=8), nullable=False),
        sa.Column('remark', sa.Text(), nullable=False),
        sa.Column('reviewed_by_id', sa.Integer(), nullable=False),
        sa.Column('reviewed_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("decision IN ('approve','return')",
                           name='ck_quarter_report_reviews_decision'),
        _fk('quarter_report_reviews', 'report_id', 'quarter_reports'),
        _fk('quarter_report_reviews', 'reviewed_by_id', 'users'),
        sa.PrimaryKeyConstraint('id', name='pk_quarter_report_reviews'),
        sa.UniqueConstraint('report_id', name='uq_quarter_report_reviews_report_id'),
    )
    bind = op.get_bind()
    for table in _TABLES:
        columns = [column['name'] for column in sa.inspect(bind).get_columns(table)]
        for statement in _insert_only_statements(bind.dialect.name, table, columns):
            bind.execute(sa.text(statement))


def downgrade() -> None:
    for table in reversed(_TABLES):
        if op.get_bind().dialect.name == 'postgresql':
            op.execute(f'DROP TRIGGER IF EXISTS {table}_insert_only ON "{table}"')
        else:
            op.execute(f'DROP TRIGGER IF EXISTS {table}_insert_only_update')
            op.execute(f'DROP TRIGGER IF EXISTS {table}_insert_only_delete')
    op.drop_table('quarter_report_reviews')
    op.drop_index('ix_quarter_reports_team_id', table_name='quarter_reports')
    op.drop_table('quarter_reports')
    op.drop_index('ix_team_pledges_team_id', table_name='team_pledges')
    op.drop_table('team_pledges')
    op.drop_index('ix_assessment_decisions_user_id', table_name='assessment_decisions')
    op.drop_table('assessment_decisions')
