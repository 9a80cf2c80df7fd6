"""The Alembic migrations build exactly the schema the models describe, on both databases."""
from __future__ import annotations

import uuid

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from issuer.store import db
from issuer.store.models import Base
from tests.conftest import DEFAULT_PG


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request, tmp_path):
    import os

    if request.param == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'migrations.sqlite'}")
        yield engine
        engine.dispose()
        return
    if os.environ.get("ISSUER_TEST_SKIP_POSTGRES") == "1":
        pytest.skip("ISSUER_TEST_SKIP_POSTGRES=1")
    admin = create_engine(os.environ.get("ISSUER_TEST_POSTGRES_URL", DEFAULT_PG), isolation_level="AUTOCOMMIT")
    name = f"issuer_migrations_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(admin.url.set(database=name))
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _differences(engine) -> list:
    with engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)


def _downgrade(engine, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(db.MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def test_head_is_the_models_schema(engine):
    db.upgrade(engine)
    assert _differences(engine) == []


def test_0003_drops_the_unused_status_list_column_and_back(engine):
    db.upgrade(engine, "0002")
    assert "used" in {c["name"] for c in inspect(engine).get_columns("status_lists")}
    db.upgrade(engine)
    assert "used" not in {c["name"] for c in inspect(engine).get_columns("status_lists")}
    _downgrade(engine, "0002")
    assert "used" in {c["name"] for c in inspect(engine).get_columns("status_lists")}
    db.upgrade(engine)
    assert _differences(engine) == []


def _close_claim_indexes(engine) -> dict[str, list[str]]:
    return {i["name"]: i["column_names"] for i in inspect(engine).get_indexes("close_claims")}


def test_0004_indexes_the_pending_claims_and_back(engine):
    db.upgrade(engine, "0003")
    assert _close_claim_indexes(engine) == {"ix_close_claims_done": ["done"]}
    db.upgrade(engine)
    assert _close_claim_indexes(engine) == {"ix_close_claims_pending": ["run_id", "student_pk"]}
    postgres = engine.dialect.name == "postgresql"
    with engine.connect() as connection:  # partial: the pending claims only
        definition = connection.scalar(text(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_close_claims_pending'" if postgres else
            "SELECT sql FROM sqlite_master WHERE name = 'ix_close_claims_pending'"))
    assert definition.endswith("WHERE (NOT done)" if postgres else "WHERE done = 0")
    _downgrade(engine, "0003")
    assert _close_claim_indexes(engine) == {"ix_close_claims_done": ["done"]}
    db.upgrade(engine)
    assert _differences(engine) == []
