"""A programme year at scale: upload, individual issuance and both semester closes.

    python bench/semester.py [--students 20000] [--backends sqlite,postgres] [--workers 1,2]

Data: ``--students`` learners of the nine member universities (seeded, ``--seed``) with 6, 6, 6, 6,
5, 5, 5, 4, 4 and 3 completion records per ten learners (5 on average: 100,000 records for
20,000), spread over both semesters of the bundled catalogue, at most three a semester. A third
of the six-record learners follow the interdisciplinary track (one course per sector), a sixth
the expertise track (six courses of one sector); the rest pick courses at random. About 93 % of
records pass; a few miss attendance, are not bachelor students, lack B2 English, have no grade
announced or an objection pending, so some records are not due.

Phases, each in a fresh process (spawned; its peak RSS is its own ``VmHWM``), along the code
paths of the command line:

- upload: one CSV file per host university, each through ``rows_from_body`` and
  ``CompletionService.upload`` (``issuer import``), all or nothing per host;
- issue: every host's due individual certificates (JSON-LD with image and status entry, XML,
  both signed, stored), as ``issuer issue --workers N``: the phase's process takes one shard of
  the students and N - 1 worker processes (``issuer.parallel``) the others; the workers are
  started once for all hosts (the command starts them per host);
- close: 2024-autumn, then 2025-spring, as ``issuer close-semester --workers N`` (the phase's
  process and N - 1 workers claim students).

Before each phase the previous one's writes are flushed (``settle``: ``os.sync()`` and
PostgreSQL's ``CHECKPOINT``), outside the timings, so that a phase is not charged with the
background flushing of the one before (a close runs weeks after the issuance, not seconds).

SQLite runs one worker (one writer). PostgreSQL runs each worker count on its own copy of the
uploaded database (``CREATE DATABASE ... TEMPLATE``) in a fresh database that is dropped after;
the closes of all worker counts must give the same result (itineraries by award key with their
components, near misses, students evaluated), or the script exits 1.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import multiprocessing
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/semester.py` from a checkout
    sys.path.insert(0, str(ROOT))

SEMESTERS = ("2024-autumn", "2025-spring")
APPLICATIONS_OPEN = {"2024-autumn": date(2024, 9, 2), "2025-spring": date(2025, 2, 3)}
AS_OF = date(2025, 8, 29)  # every announced grade is final by then
RECORDS_PER_TEN = (6, 6, 6, 6, 5, 5, 5, 4, 4, 3)
PASSPHRASE = "bench-passphrase-not-secret"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
FIELDS = ("student_id", "home_university", "given_name", "family_name", "email", "date_of_birth",
          "study_level", "english_level", "course_code", "semester", "classes_attended", "classes_total",
          "grade", "passed", "assessed_on", "grade_announced_on", "objection", "applied_at")
GIVEN = ("Ana María", "Γιώργος", "Žydrūnė", "François", "Łucja", "Ștefan", "Ingrid", "Niamh", "Jürgen", "Χαρά",
         "Иван", "Zoë", "D'Arcy", "Mary-Jane", "Íñigo", "Sofía", "Đorđe", "Eleni", "Laura", "Aoife", "Mathéo")
FAMILY = ("Pérez-Žukauskaitė", "Παπαδόπουλος", "Kazlauskienė", "Lefèvre", "Ó Súilleabháin", "Müller",
          "Dumitrescu", "Petrović", "O'Brien", "García Márquez", "van der Berg", "Šimić", "Κωνσταντινίδου",
          "Kowalski", "Jonaitis", "Schäfer", "Rossi", "Nguyễn", "Håkansson")


# --- data ----------------------------------------------------------------------------------------

def catalogue() -> dict:
    return json.loads((ROOT / "issuer" / "data" / "catalogue.json").read_text(encoding="utf-8"))


def generate(students: int, seed: int) -> dict[str, list[dict]]:
    """host -> its completion records (CSV-ready string fields), deterministic for (students, seed)."""
    rng = random.Random(seed)
    runs = catalogue()["micro_credentials"]
    by_semester = {s: [c for c in runs if c["semester"] == s] for s in SEMESTERS}
    by_sector = {s: {} for s in SEMESTERS}
    for course in runs:
        by_sector[course["semester"]].setdefault(course["sector"], []).append(course)
    homes = sorted({c["host"] for c in runs})
    per_host: dict[str, list[dict]] = {}
    for n in range(students):
        home = homes[n % len(homes)]
        learner = _learner(rng, home, n)
        for course in _courses(rng, RECORDS_PER_TEN[n % 10], by_semester, by_sector):
            per_host.setdefault(course["host"], []).append({**learner, **_outcome(rng, course)})
    return per_host


def _learner(rng: random.Random, home: str, n: int) -> dict:
    student_id = f"{home}-{n:06d}"
    return {"student_id": student_id, "home_university": home, "given_name": rng.choice(GIVEN),
            "family_name": rng.choice(FAMILY), "email": f"{student_id.lower()}@students.example.eu",
            "date_of_birth": (date(1996, 1, 1) + timedelta(days=rng.randrange(3650))).isoformat(),
            "study_level": "bachelor" if rng.random() < 0.98 else "master",
            "english_level": rng.choice(("B2", "B2", "C1", "C2")) if rng.random() < 0.97 else "B1"}


def _courses(rng: random.Random, count: int, by_semester: dict, by_sector: dict) -> list[dict]:
    """``count`` runs over both semesters, at most three a semester, no course twice."""
    first = 3 if count == 6 else rng.choice({5: (2, 3), 4: (2, 2, 3, 1), 3: (1, 2)}[count])
    split = dict(zip(SEMESTERS, (first, count - first)))
    track = rng.random() if count == 6 else 1.0
    if track < 1 / 3:  # interdisciplinary: one course in each sector
        sectors = sorted(by_sector[SEMESTERS[0]])
        rng.shuffle(sectors)
        picks = [rng.choice(by_sector[s][sector]) for s, part in zip(SEMESTERS, (sectors[:3], sectors[3:]))
                 for sector in part]
        return _distinct(rng, picks, by_semester, split)
    if track < 1 / 2:  # expertise: six courses of one sector
        sector = rng.choice(sorted(by_sector[SEMESTERS[0]]))
        autumn = rng.sample(by_sector[SEMESTERS[0]][sector], 3)
        taken = {c["code"] for c in autumn}
        spring = rng.sample([c for c in by_sector[SEMESTERS[1]][sector] if c["code"] not in taken], 3)
        return autumn + spring
    return _distinct(rng, [], by_semester, split)


def _distinct(rng: random.Random, picks: list[dict], by_semester: dict, split: dict) -> list[dict]:
    codes = {c["code"] for c in picks}
    if len(codes) < len(picks):
        picks = []
    if not picks:
        for semester, wanted in split.items():
            options = [c for c in by_semester[semester] if c["code"] not in codes]
            chosen = rng.sample(options, wanted)
            codes |= {c["code"] for c in chosen}
            picks += chosen
    return picks


def _outcome(rng: random.Random, course: dict) -> dict:
    grading, end = course["grading"], date.fromisoformat(course["end_date"])
    passed = rng.random() < 0.93
    step = 0.5 if grading["maximum"] > 10 else 1
    if passed:
        grade = grading["pass_mark"] + step * rng.randrange(int((grading["maximum"] - grading["pass_mark"]) / step) + 1)
    else:
        grade = max(grading["minimum"], grading["pass_mark"] - step * rng.randrange(1, 4))
    total = course["classes_total"] if course["delivery"] == "synchronous" else None
    attended = None if total is None else (
        rng.randint(-(-6 * total // 10), total) if rng.random() < 0.96 else rng.randint(0, 6 * total // 10 - 1))
    announced = end + timedelta(days=rng.randrange(1, 10)) if rng.random() < 0.98 else None
    objection = rng.choices(("none", "raised", "resolved"), (96, 2, 2))[0] if announced else "none"
    applied = datetime.combine(APPLICATIONS_OPEN[course["semester"]], datetime.min.time(), UTC) + timedelta(
        seconds=rng.randrange(14 * 86400))
    return {"course_code": course["code"], "semester": course["semester"],
            "classes_attended": "" if attended is None else str(attended),
            "classes_total": "" if total is None else str(total), "grade": f"{grade:g}",
            "passed": "true" if passed else "false", "assessed_on": end.isoformat(),
            "grade_announced_on": announced.isoformat() if announced else "", "objection": objection,
            "applied_at": applied.strftime("%Y-%m-%dT%H:%M:%SZ")}


def write_csv(per_host: dict[str, list[dict]], directory: Path) -> int:
    for host, rows in per_host.items():
        out = io.StringIO(newline="")
        writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
        (directory / f"{host}.csv").write_text(out.getvalue(), encoding="utf-8")
    return sum(len(rows) for rows in per_host.values())


# --- measuring -----------------------------------------------------------------------------------

def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def config(url: str, keys_dir: str) -> dict:
    return {"DATABASE_URL": url, "KEYS_DIR": keys_dir, "KEY_PASSPHRASE": PASSPHRASE,
            "PUBLIC_URL": "https://credentials.eu-conexus.eu", "HOLIDAYS": "2025-05-01"}


def in_process(function, *args):
    """``function(*args)`` in a fresh spawned (non-daemon: it may start workers) process."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    process = context.Process(target=_call, args=(results, function, args))
    process.start()
    ok, value = results.get()
    process.join()
    if not ok:
        raise RuntimeError(f"{function.__name__} failed:\n{value}")
    return value


def _call(results, function, args) -> None:
    import traceback

    try:
        results.put((True, function(*args)))
    except BaseException:  # reported to the parent, which stops
        results.put((False, traceback.format_exc()))


def _app(cfg: dict):
    from issuer import create_app

    return create_app(cfg)


# --- phases (each runs in its own process) ---------------------------------------------------------

def phase_init(cfg: dict) -> None:
    result = _app(cfg).test_cli_runner().invoke(args=["init"])
    if result.exit_code != 0:
        raise RuntimeError(result.output)


def phase_upload(cfg: dict, csv_dir: str) -> dict:
    from issuer.services.completions import CompletionService, rows_from_body
    from issuer.store import db

    app = _app(cfg)
    with app.app_context():
        start, records = time.perf_counter(), 0
        for path in sorted(Path(csv_dir).glob("*.csv")):
            rows, source = rows_from_body(path.read_bytes(), "text/csv")
            result = CompletionService(db.session()).upload(rows, source=source, reported_by=path.stem,
                                                             now=datetime.now(UTC))
            records += result.accepted
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "items": records, "rss": [peak_rss_mb()]}


def phase_issue(cfg: dict, hosts: list[str], workers: int) -> dict:
    """As ``issuer issue``: in process with one worker; with N, this process takes shard 0 and N - 1
    worker processes the others (started once for all hosts, where the command starts them per host)."""
    from issuer import parallel
    from issuer.web import deps

    app = _app(cfg)
    now = datetime.now(UTC)
    with app.app_context():
        start = time.perf_counter()
        pool = None
        if workers > 1:
            pool = parallel.start_workers(_issue_worker, lambda i: (
                parallel.worker_config(app), hosts, AS_OF.isoformat(), now.isoformat(), (i + 1, workers)),
                workers - 1)
        issued = sum(len(deps.issuance().issue_individual(h, as_of=AS_OF, now=now, shard=(0, workers))["issued"])
                     for h in hosts)
        rss = []
        if pool is not None:
            parts = pool.join(lambda _n: None)
            if any(p is None for p in parts):
                raise RuntimeError("an issuance worker failed")
            issued += sum(p[0] for p in parts)
            rss = [p[1] for p in parts]
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "items": issued, "rss": [peak_rss_mb(), *rss]}


def _issue_worker(cfg, hosts, as_of_iso, now_iso, shard, ticks) -> tuple[int, float]:
    from issuer import parallel

    report = parallel.issue_worker(cfg, hosts, as_of_iso, now_iso, shard, ticks)
    return len(report["issued"]), peak_rss_mb()


def phase_close(cfg: dict, semester: str, workers: int) -> dict:
    """As ``issuer close-semester SEMESTER --workers N``; returns timing and the outcome by award key."""
    from issuer import parallel
    from issuer.services.closing import CloseService
    from issuer.store import db
    from issuer.web import deps

    app = _app(cfg)
    now = datetime.now(UTC)
    with app.app_context():
        start = time.perf_counter()
        service = CloseService(db.session(), issuance=deps.issuance())
        run_id = service.open_run(semester, now=now)
        pool = None
        if workers > 1:  # workers - 1 more processes; this one works meanwhile
            pool = parallel.start_workers(_close_worker, lambda i: (parallel.worker_config(app), run_id,
                                                                    now.isoformat()), workers - 1)
        claim_session = app.extensions["issuer.sessions"]()
        try:
            service.complete(run_id, now=now, claim_session=claim_session)
        finally:
            claim_session.close()
        rss = [] if pool is None else [p[1] for p in pool.join(lambda _n: None) if p is not None]
        report = service.finish(run_id, now=now)
        seconds = time.perf_counter() - start
        outcome = _close_outcome(db.session(), report)
    return {"seconds": seconds, "items": report["students_evaluated"], "issued": len(report["issued"]),
            "rss": [peak_rss_mb(), *rss], "outcome": outcome}


def _close_worker(cfg, run_id, now_iso, ticks) -> tuple[int, float]:
    from issuer import parallel

    return parallel.close_worker(cfg, run_id, now_iso, ticks), peak_rss_mb()


def _close_outcome(session, report: dict) -> dict:
    """The close report with every credential id replaced by its award key (ids are random)."""
    from sqlalchemy import select

    from issuer.store.models import CredentialRow

    keys = dict(session.execute(select(CredentialRow.id, CredentialRow.award_key)).all())
    issued = sorted((keys[i["credential"]], tuple(keys[c["credential"]] for c in i["components"]))
                    for i in report["issued"])
    near = sorted((n["home_university"], n["student_id"], n["kind"], n["sector"] or "", n["missing"])
                  for n in report["near"])
    return {"students": report["students_evaluated"], "issued": issued, "near": near}


# --- databases -----------------------------------------------------------------------------------

class Postgres:
    """Fresh databases on the server of ``admin_url``, dropped at the end."""

    def __init__(self, admin_url: str):
        from sqlalchemy import create_engine

        self.admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self.names: list[str] = []

    def create(self, template: str | None = None) -> str:
        from sqlalchemy import text

        name = f"issuer_bench_{uuid.uuid4().hex[:10]}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
        self.names.append(name)
        return name

    def url(self, name: str) -> str:
        return self.admin.url.set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        from sqlalchemy import text

        with self.admin.connect() as conn:
            for name in self.names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


# --- the run -------------------------------------------------------------------------------------

def settle(cfg: dict) -> float:
    """Let the previous phase's writes reach the disk before the next phase is timed: ``os.sync()``
    and, on PostgreSQL, ``CHECKPOINT``. Issuing writes about 5 GB; without this the kernel and
    PostgreSQL flushed it in the background during the closes that followed, which hurt most with
    two workers, as they need both cores (a two-worker autumn close took 1.43-2.05 s on the same
    data, settled 1.43-1.55 s). Returns the seconds it took, which no phase counts (they are
    printed at the end)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import DBAPIError

    start = time.perf_counter()
    os.sync()
    if cfg["DATABASE_URL"].startswith("postgresql"):
        engine = create_engine(cfg["DATABASE_URL"], isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text("CHECKPOINT"))  # superuser or pg_checkpoint
        except DBAPIError as error:
            print(f"  (no CHECKPOINT before the phase: {error.orig})", flush=True)
        finally:
            engine.dispose()
        os.sync()
    SETTLED.append(time.perf_counter() - start)
    return SETTLED[-1]


SETTLED: list[float] = []


def pipeline(cfg: dict, hosts: list[str], workers: int, rows: list, backend: str) -> list[dict]:
    outcomes = []
    settle(cfg)
    result = in_process(phase_issue, cfg, hosts, workers)
    rows.append(("issue", backend, workers, result))
    for semester in SEMESTERS:
        settle(cfg)
        result = in_process(phase_close, cfg, semester, workers)
        rows.append((f"close {semester}", backend, workers, result))
        outcomes.append(result["outcome"])
    return outcomes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=20_000)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--workers", default="1,2", help="worker counts on PostgreSQL (default 1,2)")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--postgres-url", default=os.environ.get("ISSUER_TEST_POSTGRES_URL", DEFAULT_PG),
                        help="a server database to connect to for creating (and dropping) the bench databases")
    args = parser.parse_args()
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = sorted(set(backends) - {"sqlite", "postgres"})
    if unknown or not backends:
        parser.error(f"--backends: unknown {', '.join(unknown) or '(none given)'}; choose from sqlite, postgres")
    worker_counts = [int(w) for w in args.workers.split(",")]

    work = Path(tempfile.mkdtemp(prefix="issuer-bench-"))
    csv_dir, keys_dir = work / "csv", str(work / "keys")
    csv_dir.mkdir()
    start = time.perf_counter()
    per_host = generate(args.students, args.seed)
    total = write_csv(per_host, csv_dir)
    hosts = sorted(per_host)
    del per_host
    print(f"{args.students} students, {total} completion records for {len(hosts)} hosts "
          f"(generated in {time.perf_counter() - start:.1f} s); as of {AS_OF}", flush=True)

    rows: list[tuple] = []
    outcomes: dict[tuple[str, int], list] = {}
    if "sqlite" in backends:
        cfg = config(f"sqlite:///{work / 'sqlite.db'}", keys_dir)
        in_process(phase_init, cfg)
        settle(cfg)
        rows.append(("upload", "sqlite", 1, in_process(phase_upload, cfg, str(csv_dir))))
        outcomes[("sqlite", 1)] = pipeline(cfg, hosts, 1, rows, "sqlite")
        _print_progress(rows)
    if "postgres" in backends:
        pg = Postgres(args.postgres_url)
        try:
            template = pg.create()
            cfg = config(pg.url(template), keys_dir)
            in_process(phase_init, cfg)
            settle(cfg)
            rows.append(("upload", "postgres", 1, in_process(phase_upload, cfg, str(csv_dir))))
            for workers in worker_counts:
                copy = pg.create(template=template)
                outcomes[("postgres", workers)] = pipeline(config(pg.url(copy), keys_dir), hosts, workers, rows,
                                                           "postgres")
                _print_progress(rows)
        finally:
            pg.drop_all()
    return report(rows, outcomes)


_printed = 0


def _print_progress(rows) -> None:
    global _printed
    for row in rows[_printed:]:
        print("  done: " + _format(row), flush=True)
    _printed = len(rows)


def _format(row) -> str:
    phase, backend, workers, r = row
    rss = max(r["rss"])
    return (f"{phase:<20} {backend:<9} {workers:>7} {r['seconds']:>9.1f} {r['items']:>8} "
            f"{r['items'] / r['seconds']:>9.1f} {rss:>12.0f}")


def report(rows, outcomes) -> int:
    print()
    print(f"{'phase':<20} {'backend':<9} {'workers':>7} {'seconds':>9} {'items':>8} {'items/s':>9} "
          f"{'peak RSS MB':>12}")
    for row in rows:
        print(_format(row))
    print("items: records uploaded; certificates issued; students evaluated by the close "
          "(peak RSS: the largest process of the phase)")
    if SETTLED:
        print(f"before each phase, the previous one's writes flushed (os.sync, CHECKPOINT): {len(SETTLED)} times, "
              f"{sum(SETTLED):.1f} s in all (at most {max(SETTLED):.1f} s), counted in no phase")
    print()
    ok = True
    for backend in ("sqlite", "postgres"):
        for workers in sorted({w for b, w in outcomes if b == backend}):
            phases = [r for r in rows if r[1] == backend and (r[2] == workers or r[0] == "upload")]
            seconds = sum(r[3]["seconds"] for r in phases)
            issued = next(r[3] for r in phases if r[0] == "issue")
            itineraries = sum(r[3]["issued"] for r in phases if r[0].startswith("close"))
            rss = max(max(r[3]["rss"]) for r in phases)
            print(f"{backend}, {workers} worker(s): end to end {seconds:.1f} s "
                  f"({issued['items']} individual certificates at {issued['items'] / issued['seconds']:.1f}/s, "
                  f"{itineraries} itinerary certificates), peak RSS {rss:.0f} MB")
    pg = sorted(w for b, w in outcomes if b == "postgres")
    if len(pg) > 1:
        base = pg[0]
        for workers in pg[1:]:
            same = outcomes[("postgres", workers)] == outcomes[("postgres", base)]
            ok &= same
            close = {w: sum(r[3]["seconds"] for r in rows if r[1] == "postgres" and r[2] == w
                            and r[0].startswith("close")) for w in (base, workers)}
            issue = {w: next(r[3]["seconds"] for r in rows if r[1] == "postgres" and r[2] == w and r[0] == "issue")
                     for w in (base, workers)}
            print(f"postgres close, {workers} workers vs {base}: {close[base] / close[workers]:.2f}x faster "
                  f"{'(target 1.7x)' if (base, workers) == (1, 2) else '(the target is for 2 vs 1)'}; "
                  f"issuance {issue[base] / issue[workers]:.2f}x; "
                  f"close results identical: {'yes' if same else 'NO'}")
    if ("sqlite", 1) in outcomes and ("postgres", 1) in outcomes:
        same = outcomes[("sqlite", 1)] == outcomes[("postgres", 1)]
        ok &= same
        print(f"sqlite and postgres close results identical: {'yes' if same else 'NO'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
