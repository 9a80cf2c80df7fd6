"""Table statistics refreshed before bulk lookups (``db.refresh_statistics``)."""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from issuer.store.db import make_engine, refresh_statistics


def _analyzed(session: Session) -> int:
    return session.execute(text("SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'stats_probe'")).scalar()


def _insert(session: Session, rows: int) -> None:
    session.execute(text("INSERT INTO stats_probe (v) SELECT g FROM generate_series(1, :n) g"), {"n": rows})
    session.commit()
    session.execute(text("SELECT pg_stat_force_next_flush()"))  # the counters as of now, not in a second
    session.commit()


def test_postgresql_statistics_are_made_again_once_a_tenth_of_the_table_changed(postgres_url):
    engine = make_engine(postgres_url)
    with Session(engine) as session:
        session.execute(text("CREATE TABLE stats_probe (id serial PRIMARY KEY, v integer)"))
        session.commit()
        try:
            _insert(session, 500)
            assert refresh_statistics(session, "stats_probe") is False  # under a thousand changes
            _insert(session, 20_000)
            assert refresh_statistics(session, "stats_probe") is True
            assert _analyzed(session) == 1
            assert session.execute(text("SELECT reltuples FROM pg_class WHERE relname = 'stats_probe'")).scalar() \
                == 20_500
            _insert(session, 1_500)  # a thousand or more, but under a tenth of 20,500
            assert refresh_statistics(session, "stats_probe") is False
            _insert(session, 1_000)
            assert refresh_statistics(session, "stats_probe") is True
            assert _analyzed(session) == 2
        finally:
            session.rollback()
            session.execute(text("DROP TABLE stats_probe"))
            session.commit()
    engine.dispose()


def test_sqlite_has_nothing_to_refresh(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'stats.db'}")
    with Session(engine) as session:
        session.execute(text("CREATE TABLE stats_probe (id integer PRIMARY KEY)"))
        assert refresh_statistics(session, "stats_probe") is False
    engine.dispose()
