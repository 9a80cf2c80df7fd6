"""Parallel semester close on PostgreSQL: workers in separate processes claim students with
FOR UPDATE SKIP LOCKED and reach the single worker's result; a killed worker's claims return.

The sample records are uploaded and issued once (with two issuance workers); the resulting
database is then copied (CREATE DATABASE ... TEMPLATE) for each scenario.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import TEST_PASSPHRASE

pytestmark = pytest.mark.slow

SEMESTER = "2025-spring"
HOSTS = ("AUA", "FredU", "KU", "LRUniv", "SETU", "UCV", "UNIZD", "UROS", "UTCB")


def _env(url: str, keys_dir) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ISSUER_")}
    env.update(ISSUER_DATABASE_URL=url, ISSUER_KEYS_DIR=str(keys_dir), ISSUER_KEY_PASSPHRASE=TEST_PASSPHRASE,
               ISSUER_PUBLIC_URL="http://issuer.test")
    return env


def _cli(url: str, keys_dir, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "issuer.cli", *args], env=_env(url, keys_dir),
                            capture_output=True, text=True, timeout=600)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture(scope="module")
def template(postgres_url, tmp_path_factory):
    """A database with the sample records uploaded and every due individual certificate issued."""
    keys_dir = tmp_path_factory.mktemp("parallel-keys")
    admin = create_engine(postgres_url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    name = f"issuer_tpl_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = postgres_url.rsplit("/", 1)[0] + f"/{name}"
    _cli(url, keys_dir, "init")
    sample = os.path.join(os.path.dirname(__file__), "..", "..", "issuer", "data", "sample_completions.csv")
    _upload_sample(url, keys_dir, sample)
    for host in HOSTS:
        _cli(url, keys_dir, "issue", "--institution", host, "--as-of", "2025-07-31", "--workers", "2")
    yield admin, name, keys_dir
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _upload_sample(url, keys_dir, path) -> None:
    import csv
    import json
    import tempfile

    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    with open(os.path.join(os.path.dirname(path), "catalogue.json"), encoding="utf-8") as handle:
        catalogue = json.load(handle)
    host_of = {(m["code"], m["semester"]): m["host"] for m in catalogue["micro_credentials"]}
    for host in HOSTS:
        mine = [r for r in rows if host_of[(r["course_code"], r["semester"])] == host]
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as out:
            json.dump(mine, out)
        _cli(url, keys_dir, "import", out.name, "--institution", host)
        os.unlink(out.name)


@pytest.fixture
def copy_of(template):
    admin, name, keys_dir = template
    made = []

    def make() -> str:
        copy = f"issuer_copy_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{copy}" TEMPLATE "{name}"'))
        made.append(copy)
        return str(admin.url.set(database=copy).render_as_string(hide_password=False))

    yield make, keys_dir
    with admin.connect() as conn:
        for copy in made:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)'))


def _outcome(url: str) -> dict:
    """What the close produced, independent of random ids: itineraries with their components."""
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("""
            SELECT c.award_key, c.kind, c.status_list_id, c.status_index,
                   string_agg(comp.award_key, '|' ORDER BY cc.position) AS parts
            FROM credentials c
            JOIN credential_components cc ON cc.itinerary_id = c.id
            JOIN credentials comp ON comp.id = cc.component_id
            WHERE c.kind <> 'individual'
            GROUP BY c.award_key, c.kind, c.status_list_id, c.status_index""")).all()
        unfinished = conn.execute(text("SELECT count(*) FROM close_claims WHERE NOT done")).scalar()
    engine.dispose()
    slots = Counter((r.status_list_id, r.status_index) for r in rows)
    assert all(n == 1 for n in slots.values()), "two credentials share a status index"
    keys = Counter(r.award_key for r in rows)
    assert all(n == 1 for n in keys.values()), "an itinerary was issued twice"
    return {"itineraries": {r.award_key: (r.kind, r.parts) for r in rows}, "unfinished": unfinished}


def test_two_workers_equal_one(copy_of):
    make, keys_dir = copy_of
    one, two = make(), make()
    _cli(one, keys_dir, "close-semester", SEMESTER, "--workers", "1")
    _cli(two, keys_dir, "close-semester", SEMESTER, "--workers", "2")
    single, double = _outcome(one), _outcome(two)
    assert len(single["itineraries"]) >= 30
    assert double == single


def test_two_machines_closing_at_once_equal_one(copy_of):
    """Two independent processes start the same close at the same moment (as two machines would)."""
    make, keys_dir = copy_of
    one, shared = make(), make()
    _cli(one, keys_dir, "close-semester", SEMESTER)
    command = [sys.executable, "-m", "issuer.cli", "close-semester", SEMESTER]
    procs = [subprocess.Popen(command, env=_env(shared, keys_dir), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=600) for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    assert _outcome(shared) == _outcome(one)


def test_killed_worker_then_rerun_issues_each_itinerary_exactly_once(copy_of):
    make, keys_dir = copy_of
    reference, victim = make(), make()
    _cli(reference, keys_dir, "close-semester", SEMESTER)
    proc = subprocess.Popen([sys.executable, "-m", "issuer.cli", "close-semester", SEMESTER],
                            env=_env(victim, keys_dir), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    engine = create_engine(victim)
    deadline = time.monotonic() + 300
    done = total = 0
    while time.monotonic() < deadline and proc.poll() is None:
        with engine.connect() as conn:
            done = conn.execute(text("SELECT count(*) FROM close_claims WHERE done")).scalar() or 0
            total = conn.execute(text("SELECT count(*) FROM close_claims")).scalar() or 0
        if done >= 10:
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    engine.dispose()
    assert 0 < done < total, f"the worker was not stopped mid-close ({done} of {total} done)"
    partial = _outcome(victim)
    assert partial["unfinished"] > 0
    _cli(victim, keys_dir, "close-semester", SEMESTER)
    assert _outcome(victim) == {**_outcome(reference)}


def test_claims_come_from_the_index_of_pending_claims(copy_of):
    """Late in a close most claims are done: the claim query must read the pending ones only (on
    the primary key it stepped over every done claim, each batch)."""
    from sqlalchemy.dialects import postgresql

    from issuer.services.closing import claim_statement

    make, _keys_dir = copy_of
    engine = create_engine(make())
    with engine.begin() as conn:
        run = conn.execute(text("INSERT INTO close_runs (semester_id, started_at) "
                                "VALUES (:s, now()) RETURNING id"), {"s": SEMESTER}).scalar()
        conn.execute(text("INSERT INTO close_claims (run_id, student_pk, done) "
                          "SELECT :run, id, id % 10 <> 0 FROM students"), {"run": run})
        conn.execute(text("ANALYZE close_claims"))
    statement = claim_statement(run).compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
    with engine.connect() as conn:  # the sample's few claims fit in a page: only an index is asked
        conn.execute(text("SET enable_seqscan = off"))
        plan = conn.execute(text(f"EXPLAIN (FORMAT JSON) {statement}")).scalar()
        pending = conn.execute(statement.statement).all()
    engine.dispose()
    assert "ix_close_claims_pending" in str(plan), plan
    assert pending and all(not claim.done for claim in pending)


def test_a_small_close_still_comes_in_many_batches():
    """A 64th of the run's students a batch, from 10 to 200: the sample's 300 students in 30
    batches (two workers share them, and a worker killed mid-close leaves some), a semester of
    19,000 in batches of 200 (fewer claim scans and commits)."""
    from issuer.services.closing import claim_batch

    assert [claim_batch(n) for n in (0, 300, 640, 1000, 12_800, 19_000, 10**6)] == [10, 10, 10, 15, 200, 200, 200]
