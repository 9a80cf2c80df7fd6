"""status_lists.used dropped: never kept up to date

Allocation counts the credentials of a list (their status indexes) instead; the column only ever
held the 0 it was created with.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('status_lists') as batch:  # SQLite rebuilds the table
        batch.drop_column('used')


def downgrade() -> None:
    with op.batch_alter_table('status_lists') as batch:
        batch.add_column(sa.Column('used', sa.Integer(), nullable=False, server_default='0'))
