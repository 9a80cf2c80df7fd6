"""Text bound as UTF-8 bytes (signed credentials) is stored as the text it encodes, on both databases."""
from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import Column, MetaData, String, Table, Text, create_engine, insert, select
from sqlalchemy.orm import Session

from issuer.store import db
from tests.conftest import DEFAULT_PG

TEXTS = ['{"name":"Γιώργος Παπαδόπουλος","x":"Ž\\u0000 \\"q\\" 🙂"}', "ASCII only", "Müller, Lefèvre", ""]


@pytest.fixture(params=["sqlite", "postgres"])
def url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'text.sqlite'}"
        return
    if os.environ.get("ISSUER_TEST_SKIP_POSTGRES") == "1":
        pytest.skip("ISSUER_TEST_SKIP_POSTGRES=1")
    admin = create_engine(os.environ.get("ISSUER_TEST_POSTGRES_URL", DEFAULT_PG), isolation_level="AUTOCOMMIT")
    name = f"issuer_text_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' TEMPLATE template0')
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _table():
    return Table("texts", MetaData(), Column("key", String(8), primary_key=True), Column("body", Text))


def test_utf8_bytes_are_stored_as_their_text(url):
    engine = db.make_engine(url)
    table = _table()
    table.metadata.create_all(engine)
    try:
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
    finally:
        engine.dispose()


@pytest.mark.parametrize("url", ["postgres"], indirect=True)  # client encodings are PostgreSQL's
def test_a_connection_in_another_client_encoding_gets_the_text_transcoded(url):
    engine = db.make_engine(url)
    table = _table()
    table.metadata.create_all(engine)
    try:
        with Session(engine) as session:
            session.connection().exec_driver_sql("SET client_encoding TO 'LATIN1'")
            session.execute(insert(table), [{"key": "1", "body": db.Utf8Text("Müller, Lefèvre".encode("utf-8"))}])
            session.commit()
            session.connection().exec_driver_sql("SET client_encoding TO 'UTF8'")
            session.commit()
        with engine.connect() as conn:
            assert conn.execute(select(table.c.body)).scalar_one() == "Müller, Lefèvre"
    finally:
        engine.dispose()
