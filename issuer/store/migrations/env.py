"""Alembic environment: the connection is handed in by issuer.store.db.upgrade()."""
from __future__ import annotations

from alembic import context

from issuer.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - the CLI always passes a connection
    raise RuntimeError("run migrations through `issuer init` (issuer.store.db.upgrade)")

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
