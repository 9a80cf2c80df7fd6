"""credential documents compressed with lz4 on PostgreSQL

Every credential row holds its signed JSON-LD (about 60 KB, most of it the base64 image) and its
XML; PostgreSQL compresses such values when it stores them (TOAST). Its default, pglz, costs about
1 ms of server time per credential, lz4 about a quarter of that for a similar size. Values stored
before keep their compression; nothing changes on SQLite or on a server built without lz4.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

COLUMNS = ('jsonld', 'xml')


def _lz4_available() -> bool:
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql' or bind.dialect.server_version_info < (14,):
        return False
    values = bind.execute(sa.text(
        "SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'")).scalar()
    return values is not None and 'lz4' in values


def upgrade() -> None:
    if _lz4_available():
        for column in COLUMNS:
            op.execute(f'ALTER TABLE credentials ALTER COLUMN {column} SET COMPRESSION lz4')


def downgrade() -> None:
    if _lz4_available():
        for column in COLUMNS:
            op.execute(f'ALTER TABLE credentials ALTER COLUMN {column} SET COMPRESSION default')
