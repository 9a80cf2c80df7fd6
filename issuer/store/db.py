"""Engine, per-request session and schema migrations (Alembic), after the flask tutorial's db.py."""
from __future__ import annotations

import codecs
from pathlib import Path
from typing import Callable

from alembic import command
from alembic.config import Config
from flask import Flask, current_app, g
from psycopg.adapt import Dumper
from psycopg.postgres import types as postgres_types
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets foreign keys, WAL and a busy timeout."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)
    if engine.dialect.driver == "psycopg":
        event.listen(engine, "connect", _psycopg_adapters)
    return engine


class Utf8Text(bytes):
    """Text already encoded in UTF-8, bound to a text column as it is (see ``utf8_text``)."""


def utf8_text(session: Session) -> Callable[[bytes], str | Utf8Text]:
    """What to bind for text at hand in UTF-8 (a signed credential) on ``session``'s database: on
    PostgreSQL the bytes themselves, which psycopg sends without the decoding to a str and encoding
    back (for a 55 KB text with one non-Latin-1 character, that round trip costs more than hashing
    it); elsewhere the decoded text."""
    if session.get_bind().dialect.driver == "psycopg":
        return Utf8Text
    return _decoded


# A table's statistics are refreshed when this share of its rows changed since they were made (as
# autovacuum's analyze does by default).
STALE_SHARE = 0.1


def refresh_statistics(session: Session, table: str) -> bool:
    """``ANALYZE table`` on PostgreSQL when a tenth of its rows (and at least a thousand) changed
    since its statistics were made; commits. Returns whether it ran.

    Lookups that run many times (award keys, status indexes) are prepared by psycopg and planned
    once by PostgreSQL, costed with the statistics of the moment: a bulk run that starts on an
    empty table would keep a sequential scan for them while the table grows, where autovacuum does
    not analyze it meanwhile (off, or not yet). New statistics make PostgreSQL plan them again."""
    if session.get_bind().dialect.name != "postgresql":
        return False
    row = session.execute(text(
        "SELECT n_mod_since_analyze, n_live_tup FROM pg_stat_user_tables WHERE relname = :table"),
        {"table": table}).first()
    if row is None or row.n_mod_since_analyze < max(1000, STALE_SHARE * row.n_live_tup):
        return False
    session.execute(text(f'ANALYZE "{table}"'))  # noqa: S608 - a table name of ours, not input
    session.commit()
    return True


def defer_flush(session: Session) -> None:
    """Let the commit of ``session``'s current transaction return before its WAL is on disk, on
    PostgreSQL (``SET LOCAL synchronous_commit TO OFF``; nothing on SQLite).

    For batches that a rerun redoes, such as a close's claims: a crash may lose the last few
    commits, never part of one, and WAL is flushed in order, so the next ordinary commit (the
    close's report) makes every earlier one durable. The commit no longer waits for the disk while
    other workers wait for it in turn (about 5 % of a two-worker close)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))


def _decoded(data: bytes) -> str:
    return data.decode("utf-8")


class _Utf8TextDumper(Dumper):
    """psycopg's dumper for ``Utf8Text``: a text value, its bytes as they are (transcoded if the
    connection's client encoding is not UTF-8)."""

    oid = postgres_types["text"].oid

    def __init__(self, cls, context=None):
        super().__init__(cls, context)
        self._encoding = self.connection.info.encoding if self.connection is not None else "utf-8"
        self._utf8 = codecs.lookup(self._encoding).name == "utf-8"

    def dump(self, obj: bytes) -> bytes:
        return obj if self._utf8 else bytes(obj).decode("utf-8").encode(self._encoding)


def _psycopg_adapters(dbapi_connection, _record) -> None:
    connection = getattr(dbapi_connection, "driver_connection", dbapi_connection)
    connection.adapters.register_dumper(Utf8Text, _Utf8TextDumper)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["issuer.engine"] = engine
    app.extensions["issuer.sessions"] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def engine() -> Engine:
    return current_app.extensions["issuer.engine"]


def session() -> Session:
    """The session of the current app context (one per request or CLI command)."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["issuer.sessions"]()
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.close()


def release_connections() -> None:
    """Close the current session and every pooled connection of the app's engine (before forking:
    a child must not share a connection with its parent); later queries connect again."""
    if "db_session" in g:
        g.db_session.close()
    engine().dispose()


def upgrade(engine_: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` with the bundled Alembic migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine_.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
