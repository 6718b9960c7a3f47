#!/usr/bin/env python
"""A bounded load test on loopback: mixed pages at a fixed concurrency against gunicorn and
PostgreSQL, counting every error.

    .venv/bin/python bench/loadtest.py --scale 0.1 --requests 3000 --concurrency 32

Sends exactly --requests requests (mixed over the benchmark's pages, in an order fixed by
--seed) from --concurrency keep-alive clients to a server on 127.0.0.1, then stops. Prints a
Markdown table and exits with status 1 when any request failed or answered other than 200.
"""

from __future__ import annotations

import argparse
import http.client
import random
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as bench  # noqa: E402  (the benchmark's set-up, server and page choice)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--reuse-data", action="store_true")
    return parser.parse_args(argv)


def schedule(pages, count: int, seed: int) -> list[tuple[str, str]]:
    """The requests to send, mixed over the pages; exports are rarer, as they are in use."""
    rng = random.Random(seed)
    weights = [1 if "_export" in path else 10 for _name, path in pages]
    return rng.choices(pages, weights=weights, k=count)


def run_clients(port, plan, concurrency):
    latencies: list[float] = []
    failures: Counter = Counter()
    served: Counter = Counter()
    lock = threading.Lock()
    queue = iter(plan)

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while True:
            with lock:
                item = next(queue, None)
            if item is None:
                break
            name, path = item
            started = time.perf_counter()
            try:
                status, _size = bench.fetch(port, path, conn)
            except (OSError, http.client.HTTPException) as error:
                status = type(error).__name__
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                served[name] += 1
                if status != 200:
                    failures[(name, status)] += 1
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, failures, served, time.perf_counter() - started


def report(latencies, failures, served, wall, args) -> str:
    latencies.sort()
    lines = [
        "| requests | concurrency | errors | req/s | median ms | p95 ms | max ms |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {len(latencies)} | {args.concurrency} | {sum(failures.values())} | "
        f"{len(latencies) / wall:.0f} | {statistics.median(latencies) * 1000:.0f} | "
        f"{latencies[round(0.95 * len(latencies)) - 1] * 1000:.0f} | "
        f"{latencies[-1] * 1000:.0f} |",
        "",
        "Requests per page: " + ", ".join(f"{name} {n}" for name, n in served.most_common()),
    ]
    for (name, status), n in sorted(failures.items(), key=str):
        lines.append(f"- {n} × {name}: {status}")
    return "\n".join(lines)


def main(argv=None) -> int:
    args = parse_args(argv)
    database_url = bench.os.environ.get("DATABASE_URL", bench.DEFAULT_DATABASE)
    bench.database_create(database_url)
    env = bench.server_env(database_url)
    env["DJANGO_STATIC_ROOT"] = bench.tempfile.mkdtemp(prefix="loadtest-static-")
    bench.data_prepare(env, args)
    bench.manage(env, "collectstatic", "--noinput", "-v", "0")
    plan = schedule(bench.pages_choose(env), args.requests, args.seed)
    with bench.gunicorn(env, args.port, args.workers):
        latencies, failures, served, wall = run_clients(args.port, plan, args.concurrency)
    print(f"\nScale {args.scale}, {args.workers} gunicorn workers, {bench.machine()}\n")
    print(report(latencies, failures, served, wall, args))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
