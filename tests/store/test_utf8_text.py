"""Text bound as UTF-8 bytes (signed credentials) is stored as the text it encodes, on both databases."""
from __future__ import annotations

import os

import pytest
from sqlalchemy import Column, MetaData, String, Table, Text, insert, select
from sqlalchemy.orm import Session

from issuer.store import db
from tests.conftest import _postgres_database

TEXTS = ['{"name":"Γιώργος Παπαδόπουλος","x":"Ž\\u0000 \\"q\\" 🙂"}', "ASCII only", "Müller, Lefèvre", ""]


@pytest.fixture(params=["sqlite", "postgres"])
def url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'text.sqlite'}"
        return
    if os.environ.get("ISSUER_TEST_SKIP_POSTGRES") == "1":
        pytest.skip("ISSUER_TEST_SKIP_POSTGRES=1")
    admin, name, url = _postgres_database()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def store(url):
    """(engine, table) of a fresh table with a text column, on the service's own engine."""
    engine = db.make_engine(url)
    table = Table("texts", MetaData(), Column("key", String(8), primary_key=True), Column("body", Text))
    table.metadata.create_all(engine)
    yield engine, table
    engine.dispose()


def test_utf8_bytes_are_stored_as_their_text(url, store):
    engine, table = store
    with Session(engine) as session:
        bind = db.utf8_text(session)
        assert (bind is db.Utf8Text) == url.startswith("postgresql")
        session.execute(insert(table), [{"key": str(n), "body": bind(t.encode("utf-8"))}
                                        for n, t in enumerate(TEXTS)])
        session.commit()
    with engine.connect() as conn:
        stored = dict(conn.execute(select(table.c.key, table.c.body)).all())
        assert stored == {str(n): t for n, t in enumerate(TEXTS)}
        assert all(type(v) is str for v in stored.values())
        if url.startswith("postgresql"):  # the server counts characters, not bytes
            lengths = conn.exec_driver_sql("SELECT key, length(body) FROM texts").all()
            assert dict(lengths) == {str(n): len(t) for n, t in enumerate(TEXTS)}


@pytest.mark.parametrize("url", ["postgres"], indirect=True)  # client encodings are PostgreSQL's
def test_a_connection_in_another_client_encoding_gets_the_text_transcoded(store):
    engine, table = store
    with Session(engine) as session:
        session.connection().exec_driver_sql("SET client_encoding TO 'LATIN1'")
        session.execute(insert(table), [{"key": "1", "body": db.Utf8Text("Müller, Lefèvre".encode("utf-8"))}])
        session.commit()
        session.connection().exec_driver_sql("SET client_encoding TO 'UTF8'")
        session.commit()
    with engine.connect() as conn:
        assert conn.execute(select(table.c.body)).scalar_one() == "Müller, Lefèvre"
