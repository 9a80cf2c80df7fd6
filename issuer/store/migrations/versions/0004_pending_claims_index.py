"""close_claims: a partial index of the pending claims replaces the index on done

The claim query (``run_id``, not done, in ``student_pk`` order, ``FOR UPDATE SKIP LOCKED``) went
through the primary key and stepped over every claim already done, so each batch of a large close
cost more than the one before (6 ms of the database's time per batch with 16,000 claims done).
The partial index holds the pending claims only. The index on ``done`` alone served no query.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_close_claims_done', table_name='close_claims')
    op.create_index('ix_close_claims_pending', 'close_claims', ['run_id', 'student_pk'], unique=False,
                    postgresql_where=sa.text('NOT done'), sqlite_where=sa.text('done = 0'))


def downgrade() -> None:
    op.drop_index('ix_close_claims_pending', table_name='close_claims')
    op.create_index('ix_close_claims_done', 'close_claims', ['done'], unique=False)
