"""Worker processes for the long runs: semester close and bulk issuance.

Each worker is a separate process with its own app and database connections. On PostgreSQL the
close workers claim students with ``FOR UPDATE SKIP LOCKED`` (workers on other machines can join
the same run with ``issuer close-semester <semester> --join``); issuance workers take disjoint
shards of the records, and the unique award keys make any overlap harmless. SQLite allows one
writer, so it always runs one worker.
"""
from __future__ import annotations

import multiprocessing
import queue as queue_module
from datetime import date, datetime
from typing import Callable, Sequence

from flask import Flask, has_app_context

from issuer.config import DEFAULTS

WORKER_CONFIG_KEYS = tuple(DEFAULTS) + ("TESTING",)


def effective_workers(app: Flask, requested: int) -> tuple[int, str | None]:
    """The number of workers to run and, when it differs from ``requested``, why."""
    if requested > 1 and app.config["DATABASE_URL"].startswith("sqlite"):
        return 1, "SQLite allows one writer: running 1 worker (use PostgreSQL for more)"
    return max(1, requested), None


def worker_config(app: Flask) -> dict:
    return {key: app.config[key] for key in WORKER_CONFIG_KEYS if key in app.config}


def run_workers(target, args_for: Callable[[int], tuple], workers: int,
                progress: Callable[[int], None]) -> list:
    """Run ``target(*args_for(i), queue)`` in ``workers`` processes; relay progress ticks;
    return their results (None for a worker that died)."""
    return start_workers(target, args_for, workers).join(progress)


def start_workers(target, args_for: Callable[[int], tuple], workers: int) -> "WorkerPool":
    """Start ``target(*args_for(i), queue)`` in ``workers`` processes and return at once, so that
    the calling process can take a share of the work meanwhile.

    Where the platform can, the workers are forked: they start in milliseconds with this
    process's modules and warm caches (compiled contexts, document templates, page backgrounds),
    where a spawned process spends a second or more importing and warming up. Each makes its own
    app and connections; so that none shares a database connection with this process, this
    process's connections are closed first (its current session is closed: objects it loaded
    become detached; the next query reconnects)."""
    context = _context()
    if context.get_start_method() == "fork":
        _release_database()
    ticks, results = context.Queue(), context.Queue()
    processes = [context.Process(target=_entry, args=(target, args_for(i), ticks, results, i), daemon=False)
                 for i in range(workers)]
    for process in processes:
        process.start()
    return WorkerPool(processes, ticks, results)


def _context():
    return multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")


def _release_database() -> None:
    if not has_app_context():
        return
    from issuer.store import db

    db.release_connections()


class WorkerPool:
    """Started worker processes: relay their progress ticks, wait for their results."""

    def __init__(self, processes, ticks, results):
        self.processes, self.ticks, self.results = processes, ticks, results
        self._outcome: dict[int, object] = {}

    def relay(self, progress: Callable[[int], None]) -> None:
        """Pass on the ticks received so far, without waiting."""
        while True:
            try:
                progress(self.ticks.get_nowait())
            except queue_module.Empty:
                return

    def join(self, progress: Callable[[int], None]) -> list:
        """Wait for every worker, relaying ticks; their results in order (None for one that died)."""
        while any(p.is_alive() for p in self.processes) or not self.ticks.empty():
            try:
                progress(self.ticks.get(timeout=0.02))  # a finished worker is seen within 20 ms
            except queue_module.Empty:
                pass
            _drain(self.results, self._outcome)
        for process in self.processes:
            process.join()
        _drain(self.results, self._outcome)
        return [self._outcome.get(i) for i in range(len(self.processes))]


def _drain(results, outcome: dict) -> None:
    while True:
        try:
            index, value = results.get_nowait()
        except queue_module.Empty:
            return
        outcome[index] = value


def _entry(target, args, ticks, results, index) -> None:
    results.put((index, target(*args, ticks)))


def close_worker(config: dict, run_id: int, now_iso: str, ticks) -> int:
    """One close worker: claim and evaluate students of the run until none is left."""
    from issuer import create_app
    from issuer.services.closing import CloseService
    from issuer.store import db
    from issuer.web import deps

    app = create_app(config)
    with app.app_context():
        claim_session = app.extensions["issuer.sessions"]()
        try:
            service = CloseService(db.session(), issuance=deps.issuance())
            return service.work(run_id, now=datetime.fromisoformat(now_iso), claim_session=claim_session,
                                progress=ticks.put)
        finally:
            claim_session.close()


def issue_worker(config: dict, hosts: str | Sequence[str], as_of_iso: str, now_iso: str, shard: tuple[int, int],
                 ticks) -> dict:
    """One issuance worker: issue the due certificates of its shard of each host's records (one
    host, or several in turn: the process starts once for all of them)."""
    from issuer import create_app
    from issuer.web import deps

    app = create_app(config)
    report: dict[str, list] = {"issued": [], "not_issued": []}
    with app.app_context():
        for host in [hosts] if isinstance(hosts, str) else hosts:
            part = deps.issuance().issue_individual(
                host, as_of=date.fromisoformat(as_of_iso), now=datetime.fromisoformat(now_iso), shard=shard,
                progress=ticks.put)
            report["issued"] += part["issued"]
            report["not_issued"] += part["not_issued"]
    return report
