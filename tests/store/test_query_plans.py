"""Statements that run many times are planned for their values on PostgreSQL, not once for all.

psycopg prepares a statement on the server after five runs; PostgreSQL may then keep one generic
plan, costed for the table as it was. Bulk issuance starts on an empty credentials table, so its
lookups (award keys, status indexes) kept a sequential scan while the table grew.
"""
from __future__ import annotations

from sqlalchemy import create_engine, text

from issuer.store.db import make_engine

LOOKUP = "SELECT v FROM plan_probe WHERE k IN (:a, :b, :c)"


def _plans_after_repeats(engine) -> tuple[int, int]:
    """(generic, custom) plans of the lookup after it ran twenty times on an empty table (psycopg
    prepares it after five; PostgreSQL plans the first five runs of a prepared statement for their
    values, then chooses)."""
    with engine.connect() as conn:
        conn.execute(text("CREATE TEMPORARY TABLE plan_probe (k varchar(40) PRIMARY KEY, v integer)"))
        for n in range(20):
            assert conn.execute(text(LOOKUP), {"a": f"a{n}", "b": f"b{n}", "c": f"c{n}"}).all() == []
        row = conn.execute(text("SELECT generic_plans, custom_plans FROM pg_prepared_statements "
                                "WHERE statement LIKE '%FROM plan_probe WHERE k IN%'")).one()
        conn.rollback()
    engine.dispose()
    return row.generic_plans, row.custom_plans


def test_repeated_lookups_are_planned_for_their_values(postgres_url):
    generic, custom = _plans_after_repeats(make_engine(postgres_url))
    assert generic == 0 and custom == 15


def test_without_the_setting_postgresql_keeps_a_generic_plan(postgres_url):
    """The case the setting is for: PostgreSQL's own choice, on a plain engine, is the generic plan."""
    generic, _custom = _plans_after_repeats(create_engine(postgres_url))
    assert generic > 0


def test_options_given_in_the_url_are_kept(postgres_url):
    engine = make_engine(f"{postgres_url}?options=-c%20work_mem%3D8MB")
    with engine.connect() as conn:
        assert conn.execute(text("SHOW work_mem")).scalar() == "8MB"
        assert conn.execute(text("SHOW plan_cache_mode")).scalar() == "force_custom_plan"
    engine.dispose()
