"""POST /credentials/verify under load, served by gunicorn.

    python bench/http_load.py [--seconds 20] [--concurrency 8] [--rate 100] [--format jsonld|xml]
                              [--workers 2] [--threads 4]

Set-up: a SQLite database in a temporary folder, initialised (institutions, catalogue, keys), the
bundled sample records of one host uploaded and its due certificates issued; one of them (signed
JSON-LD with its image, or its XML) is the request body. gunicorn serves ``wsgi:app`` with
``-w 2 --threads 4`` on 127.0.0.1 (a free port), configured through ``ISSUER_*`` variables.

Two measurements, each ``--seconds`` long, from a separate process (``http.client`` with one
keep-alive connection per thread, loopback only):

- closed loop: ``--concurrency`` threads send one request after the other; requests per second
  and latency percentiles (the maximum throughput);
- open loop: requests are sent at a fixed ``--rate`` per second whatever the answers; latency is
  counted from the moment a request was due, so queueing shows (p50, p99).

Every answer must be 200 with ``"verified": true``, or the script exits 1. The client shares the
machine with the server: on 2 cores it takes part of one, so the closed-loop figure is a lower
bound of what the server alone would do.
"""
from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import socket
import subprocess
import tempfile
import sys
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/http_load.py` from a checkout
    sys.path.insert(0, str(ROOT))

HOST = "127.0.0.1"
PASSPHRASE = "bench-passphrase-not-secret"
ISSUING_HOST = "KU"
AS_OF = date(2025, 7, 31)


def environment(work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ISSUER_")}
    env.update(ISSUER_DATABASE_URL=f"sqlite:///{work / 'issuer.sqlite'}", ISSUER_KEYS_DIR=str(work / "keys"),
               ISSUER_KEY_PASSPHRASE=PASSPHRASE, ISSUER_PUBLIC_URL="http://issuer.test")
    return env


def prepare(work: Path, fmt: str) -> tuple[bytes, str]:
    """Initialise the database, issue the sample host's certificates; one as (body, content type)."""
    import csv

    from sqlalchemy import select

    from issuer import create_app
    from issuer.services.completions import CompletionService
    from issuer.store import db
    from issuer.store.models import CredentialRow
    from issuer.web import deps

    env = environment(work)
    app = create_app({"DATABASE_URL": env["ISSUER_DATABASE_URL"], "KEYS_DIR": env["ISSUER_KEYS_DIR"],
                      "KEY_PASSPHRASE": PASSPHRASE, "PUBLIC_URL": env["ISSUER_PUBLIC_URL"]})
    result = app.test_cli_runner().invoke(args=["init"])
    if result.exit_code != 0:
        raise RuntimeError(result.output)
    catalogue = json.loads((ROOT / "issuer" / "data" / "catalogue.json").read_text(encoding="utf-8"))
    host_of = {(m["code"], m["semester"]): m["host"] for m in catalogue["micro_credentials"]}
    with (ROOT / "issuer" / "data" / "sample_completions.csv").open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if host_of[(r["course_code"], r["semester"])] == ISSUING_HOST]
    with app.app_context():
        CompletionService(db.session()).upload(rows, source="csv", reported_by=ISSUING_HOST, now=datetime.now(UTC))
        issued = deps.issuance().issue_individual(ISSUING_HOST, as_of=AS_OF, now=datetime.now(UTC))["issued"]
        row = db.session().scalar(select(CredentialRow).where(CredentialRow.id == issued[0]["credential"]))
        if fmt == "xml":
            return row.xml.encode("utf-8"), "application/xml"
        return row.jsonld.encode("utf-8"), "application/json"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_gunicorn(work: Path, port: int, workers: int, threads: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "gunicorn", "-w", str(workers), "--threads", str(threads),
               "-b", f"{HOST}:{port}", "--log-level", "warning", "wsgi:app"]
    server = subprocess.Popen(command, cwd=ROOT, env=environment(work))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/health")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("gunicorn did not answer /health within 30 s")


# --- the client (a separate process) -----------------------------------------------------------------

class Client(threading.local):
    """One keep-alive connection per thread."""

    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection(HOST, port, timeout=30)

    def post(self, body: bytes, content_type: str) -> bool:
        self.connection.request("POST", "/credentials/verify", body=body,
                                headers={"Content-Type": content_type})
        response = self.connection.getresponse()
        data = response.read()
        return response.status == 200 and json.loads(data).get("verified") is True


def closed_loop(port: int, body: bytes, content_type: str, seconds: float, concurrency: int) -> dict:
    latencies, failures = [], []
    stop = time.monotonic() + seconds

    def run() -> None:
        client = Client(port)
        while time.monotonic() < stop:
            start = time.perf_counter()
            ok = client.post(body, content_type)
            latencies.append(time.perf_counter() - start)
            if not ok:
                failures.append(1)

    started = time.monotonic()
    threads = [threading.Thread(target=run) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return _summary(latencies, failures, time.monotonic() - started)


def open_loop(port: int, body: bytes, content_type: str, seconds: float, rate: float, pool: int = 32) -> dict:
    """Request i is due at start + i / rate; its latency counts from then (no coordinated omission)."""
    import queue

    due: queue.Queue = queue.Queue()
    latencies, failures = [], []

    def run() -> None:
        client = Client(port)
        while True:
            when = due.get()
            if when is None:
                return
            ok = client.post(body, content_type)
            latencies.append(time.perf_counter() - when)
            if not ok:
                failures.append(1)

    threads = [threading.Thread(target=run) for _ in range(pool)]
    for thread in threads:
        thread.start()
    start = time.perf_counter()
    total = int(seconds * rate)
    for i in range(total):
        when = start + i / rate
        pause = when - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        due.put(when)
    for _ in threads:
        due.put(None)
    for thread in threads:
        thread.join()
    return _summary(latencies, failures, time.perf_counter() - start)


def _summary(latencies: list[float], failures: list, elapsed: float) -> dict:
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000 if ordered else float("nan")

    return {"requests": len(ordered), "failures": len(failures), "seconds": elapsed,
            "rps": len(ordered) / elapsed, "p50": pct(50), "p90": pct(90), "p99": pct(99),
            "max": ordered[-1] * 1000 if ordered else float("nan")}


def client_process(mode: str, port: int, body: bytes, content_type: str, seconds: float, load: float,
                   results) -> None:
    if mode == "closed":
        results.put(closed_loop(port, body, content_type, seconds, int(load)))
    else:
        results.put(open_loop(port, body, content_type, seconds, load))


def measure(mode: str, port: int, body: bytes, content_type: str, seconds: float, load: float) -> dict:
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    process = context.Process(target=client_process, args=(mode, port, body, content_type, seconds, load, results))
    process.start()
    summary = results.get()
    process.join()
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=8, help="closed loop: requests in flight")
    parser.add_argument("--rate", type=float, default=100, help="open loop: requests per second")
    parser.add_argument("--format", choices=("jsonld", "xml"), default="jsonld")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="issuer-http-"))
    body, content_type = prepare(work, args.format)
    port = free_port()
    server = start_gunicorn(work, port, args.workers, args.threads)
    try:
        measure("closed", port, body, content_type, 2, args.concurrency)  # warm-up: contexts, keys, caches
        closed = measure("closed", port, body, content_type, args.seconds, args.concurrency)
        opened = measure("open", port, body, content_type, args.seconds, args.rate)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"POST /credentials/verify, {args.format} credential of {len(body)} bytes; gunicorn -w {args.workers} "
          f"--threads {args.threads}; {os.cpu_count()} CPUs shared with the client")
    print(f"{'load':<28} {'requests':>8} {'rps':>8} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8} "
          f"{'failed':>7}")
    for label, r in ((f"closed loop, {args.concurrency} in flight", closed),
                     (f"open loop, {args.rate:g} per second", opened)):
        print(f"{label:<28} {r['requests']:>8} {r['rps']:>8.1f} {r['p50']:>8.1f} {r['p90']:>8.1f} {r['p99']:>8.1f} "
              f"{r['max']:>8.1f} {r['failures']:>7}")
    print(f"targets: at least 200 requests per second ({'met' if closed['rps'] >= 200 else 'NOT met'}); "
          f"p99 under 100 ms at {args.rate:g} per second ({'met' if opened['p99'] < 100 else 'NOT met'})")
    return 0 if closed["failures"] == 0 and opened["failures"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
