"""Table statistics refreshed before bulk lookups (``db.refresh_statistics``)."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from issuer.services.completions import CompletionService
from issuer.store import db
from issuer.store.db import make_engine, refresh_statistics
from tests.web.helpers import record


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


@pytest.mark.parametrize("backend", ["postgres"])
def test_an_upload_refreshes_stale_statistics_before_its_lookups(app):
    """The second upload finds a thousand and more records written since the tables were analyzed,
    and analyzes them before looking students and records up (autovacuum may be off or late)."""
    def upload(students: range) -> None:
        with app.app_context():
            session = db.session()
            result = CompletionService(session).upload([record(f"S-{n}") for n in students], source="json",
                                                       reported_by="KU", now=datetime.now(UTC))
            assert result.accepted == len(students)
            session.execute(text("SELECT pg_stat_force_next_flush()"))  # its counters as of now

    def analyzed() -> dict[str, int]:
        with app.app_context():
            return dict(db.session().execute(text(
                "SELECT relname, analyze_count FROM pg_stat_user_tables "
                "WHERE relname IN ('students', 'completion_records')")).all())

    with app.app_context():  # fresh statistics, whatever earlier tests wrote and wiped
        session = db.session()
        session.execute(text("ANALYZE students; ANALYZE completion_records"))
        session.execute(text("SELECT pg_stat_force_next_flush()"))
        session.commit()
    before = analyzed()
    upload(range(1_200))
    after_first = analyzed()
    upload(range(1_200, 1_210))
    after_second = analyzed()
    assert after_first == before  # small tables at the first upload's start: nothing to refresh
    assert after_second == {table: count + 1 for table, count in before.items()}
