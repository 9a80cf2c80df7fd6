"""Shared fixtures: the app on SQLite and on a fresh PostgreSQL database, clients, tokens.

Storage and API tests take the ``backend`` fixture (directly or through ``app``) and so run twice,
once per database. PostgreSQL comes from ISSUER_TEST_POSTGRES_URL (default: the local server,
trust auth); a fresh database is created for the run and dropped after it. If the server does
not answer, the PostgreSQL tests fail; set ISSUER_TEST_SKIP_POSTGRES=1 to skip them knowingly.
"""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from issuer import create_app
from issuer.store import db as store_db
from issuer.store.models import Base

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DATA = Path(__file__).resolve().parent / "data"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TEST_PASSPHRASE = "test-passphrase-not-secret"
MUTABLE_TABLES = ("close_claims", "close_runs", "credential_components", "credentials", "status_lists", "completion_records",
                  "students", "api_tokens", "audit_log")


def _postgres_database():
    admin_url = os.environ.get("ISSUER_TEST_POSTGRES_URL", DEFAULT_PG)
    name = f"issuer_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    return admin, name, url


@pytest.fixture(scope="session")
def postgres_url():
    if os.environ.get("ISSUER_TEST_SKIP_POSTGRES") == "1":
        pytest.skip("ISSUER_TEST_SKIP_POSTGRES=1")
    admin, name, url = _postgres_database()
    yield url
    store_db_engines = [e for e in _ENGINES if str(e.url.database) == name]
    for engine in store_db_engines:
        engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


_ENGINES: list = []


@pytest.fixture(scope="session")
def keys_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("keys")


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'issuer.sqlite'}"


def _config(url: str, keys_dir: Path) -> dict:
    return {"TESTING": True, "DATABASE_URL": url, "KEYS_DIR": str(keys_dir),
            "KEY_PASSPHRASE": TEST_PASSPHRASE, "PUBLIC_URL": "http://issuer.test",
            "HOLIDAYS": "2025-05-01"}


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def backend(request) -> str:
    return request.param


_INITIALISED: set[str] = set()


@pytest.fixture
def app(request, backend, keys_dir):
    """The app on ``backend``; the database is initialised once per run and wiped after each test."""
    url = request.getfixturevalue("sqlite_url" if backend == "sqlite" else "postgres_url")
    application = create_app(_config(url, keys_dir))
    _ENGINES.append(application.extensions["issuer.engine"])
    if url not in _INITIALISED:
        result = application.test_cli_runner().invoke(args=["init"])
        assert result.exit_code == 0, result.output
        _INITIALISED.add(url)
    yield application
    _wipe(application)
    application.extensions["issuer.engine"].dispose()


def _wipe(application) -> None:
    """Remove what a test wrote, keeping schema and reference data."""
    with application.extensions["issuer.engine"].begin() as conn:
        for table in MUTABLE_TABLES:
            if table in Base.metadata.tables:
                conn.execute(Base.metadata.tables[table].delete())


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def token_for(app):
    """token_for("KU") -> a fresh bearer token header for that institution."""
    from datetime import UTC, datetime

    from issuer.services.tokens import TokenService

    def make(code: str) -> dict:
        with app.app_context():
            token = TokenService(store_db.session()).create(code, now=datetime.now(UTC))
        return {"Authorization": f"Bearer {token}"}

    return make
