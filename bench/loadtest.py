#!/usr/bin/env python
"""A bounded load test on loopback: mixed pages at a fixed concurrency against gunicorn and
PostgreSQL, counting every error.

    .venv/bin/python bench/loadtest.py --scale 0.1 --requests 3000 --concurrency 32

Sends exactly --requests requests (mixed over the benchmark's pages, in an order fixed by
--seed) from --concurrency keep-alive clients to a server on 127.0.0.1, then stops. Prints a
Markdown table and exits with status 1 when any request failed or answered other than 200.

    .venv/bin/python bench/loadtest.py --scale 0.01 --requests 300 --concurrency 8 --hostile

--hostile runs the ordinary browsing twice: alone, then beside a hostile mix sent by their
own clients: anonymous large exports (each with a new parameter, so no cache answers them;
the anonymous export rate is on, as in production) and uploads of each hostile fixture file
(tests/hostile.py) to the admin's "Load fixtures" page, signed in as an Editor.
It prints each kind's answers and latency, and exits 1 if anything answered 5xx or failed.
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
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
ROOT = Path(__file__).resolve().parent.parent

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
    parser.add_argument("--hostile", action="store_true", help="add the hostile mix")
    parser.add_argument("--hostile-clients", type=int, default=4)
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


# --- the hostile mix ------------------------------------------------------------------------


class Session:
    """A signed-in client: its cookies and CSRF token, over one keep-alive connection."""

    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        self.cookies: dict[str, str] = {}

    def request(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        content = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, content

    def sign_in(self, username: str, password: str) -> None:
        self.request("GET", "/admin/login/")
        form = urlencode(
            {
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": self.cookies.get("csrftoken", ""),
                "next": "/admin/",
            }
        )
        status, _ = self.request(
            "POST",
            "/admin/login/",
            form,
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        if status != 302:
            raise SystemExit(f"Signing in as {username} answered {status}")

    def upload(self, name: str, content: bytes) -> int:
        self.request("GET", UPLOAD_PAGE)
        boundary = "loadtest" + "x" * 20
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n'
                f"\r\n{self.cookies.get('csrftoken', '')}\r\n"
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
            ).encode()
            + content
            + f"\r\n--{boundary}--\r\n".encode()
        )
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        status, page = self.request("POST", UPLOAD_PAGE, body, headers)
        if status == 200 and b'id="fixture-errors"' not in page:
            return 299  # answered, but did not refuse the file: counted as a failure below
        return status


UPLOAD_PAGE = "/admin/dashboard/load-fixtures/"
EDITOR = ("loadtest-editor", "loadtest-" + "p" * 20)


def hostile_files() -> list[tuple[str, bytes]]:
    """Each hostile file of the tests, and the compressed ones that expand into trouble."""
    import gzip
    import lzma

    sys.path.insert(0, str(ROOT))
    from tests.hostile import HOSTILE, nested

    files = [(name, content) for name, (content, _) in HOSTILE.items()]
    files.append(("deep.json.gz", gzip.compress(b"[" + nested(200_000) + b"]")))
    files.append(("string.json.xz", lzma.compress(b'[{"s": "' + b"x" * 2**28 + b'"}]')))
    files.append(("many.jsonl.xz", lzma.compress(b'{"model": "dashboard.nothing"}\n' * 300_000)))
    return files


def editor_create(env) -> None:
    code = (
        "from django.contrib.auth.models import Group, User\n"
        f"user, _ = User.objects.get_or_create(username={EDITOR[0]!r}, "
        "defaults={'is_staff': True})\n"
        f"user.set_password({EDITOR[1]!r}); user.is_staff = True; user.save()\n"
        "user.groups.add(Group.objects.get(name='Editors'))\n"
    )
    bench.manage(env, "shell", "-c", code)


def hostile_plan(pages, args) -> list[tuple[str, str, object]]:
    """(kind, label, what) for each hostile request, mixed."""
    rng = random.Random(args.seed)
    exports = [path for _name, path in pages if "_export" in path]
    plan: list[tuple[str, str, object]] = []
    for index in range(args.requests // 10):
        base = rng.choice(exports).replace("_export=csv", "_export=xlsx")
        plan.append(("anonymous export", "export", f"{base}&k={index}"))
    plan += [("upload of a hostile file", name, content) for name, content in hostile_files()]
    rng.shuffle(plan)
    return plan


def hostile_clients(port, plan, clients, results, stop):
    lock = threading.Lock()
    queue = iter(plan)

    def client():
        anonymous = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        editor = Session(port)
        editor.sign_in(*EDITOR)
        while not stop.is_set():
            with lock:
                item = next(queue, None)
            if item is None:
                break
            kind, label, what = item
            started = time.perf_counter()
            try:
                if kind == "anonymous export":
                    status, _ = bench.fetch(port, what, anonymous)
                else:
                    status = editor.upload(label, what)
            except (OSError, http.client.HTTPException) as error:
                status = type(error).__name__
                anonymous = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
                editor = Session(port)
                editor.sign_in(*EDITOR)
            with lock:
                results.append((kind, label, status, time.perf_counter() - started))

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    return threads


def kind_rows(rows) -> list[str]:
    """One table row per kind of request: count, answers, median and p95 latency."""
    lines = [
        "| requests | count | answers | median ms | p95 ms | max ms |",
        "| --- | ---: | --- | ---: | ---: | ---: |",
    ]
    for kind in dict.fromkeys(kind for kind, *_ in rows):
        mine = [row for row in rows if row[0] == kind]
        times = sorted(row[3] for row in mine)
        answers = Counter(str(row[2]) for row in mine)
        shown = ", ".join(f"{status} × {n}" for status, n in sorted(answers.items()))
        lines.append(
            f"| {kind} | {len(mine)} | {shown} | {statistics.median(times) * 1000:.0f} | "
            f"{times[max(0, round(0.95 * len(times)) - 1)] * 1000:.0f} | {times[-1] * 1000:.0f} |"
        )
    return lines


def ordinary_rows(kind, latencies, failures) -> list[tuple]:
    rows = [(kind, "", 200, elapsed) for elapsed in latencies]
    for (_name, status), n in failures.items():
        rows[:n] = [(kind, "", status, row[3]) for row in rows[:n]]
    return rows


def hostile_main(args, env, pages) -> int:
    env["DASHBOARD_EXPORT_ANON_RATE"] = "10/minute"  # as in production
    editor_create(env)
    ordinary = schedule(
        [page for page in pages if "_export" not in page[1]], args.requests, args.seed
    )
    with bench.gunicorn(env, args.port, args.workers):
        alone = run_clients(args.port, ordinary, args.concurrency)
        results: list[tuple] = []
        stop = threading.Event()
        threads = hostile_clients(
            args.port, hostile_plan(pages, args), args.hostile_clients, results, stop
        )
        beside = run_clients(args.port, ordinary, args.concurrency)
        stop.set()
        for thread in threads:
            thread.join()
    rows = ordinary_rows("ordinary browsing, alone", alone[0], alone[1])
    rows += ordinary_rows("ordinary browsing, beside the hostile mix", beside[0], beside[1])
    rows += results
    print(f"\nScale {args.scale}, {args.workers} gunicorn workers, {bench.machine()}\n")
    print("\n".join(kind_rows(rows)))
    bad = [row for row in rows if not (isinstance(row[2], int) and row[2] < 500 and row[2] != 299)]
    for kind, label, status, _ in bad:
        print(f"- {kind} {label}: {status}")
    return 1 if bad or alone[1] or beside[1] else 0


def main(argv=None) -> int:
    args = parse_args(argv)
    database_url = bench.os.environ.get("DATABASE_URL", bench.DEFAULT_DATABASE)
    bench.database_create(database_url)
    env = bench.server_env(database_url)
    bench.data_prepare(env, args)
    bench.static_collect(env)
    pages = bench.pages_choose(env)
    if args.hostile:
        return hostile_main(args, env, pages)
    plan = schedule(pages, args.requests, args.seed)
    with bench.gunicorn(env, args.port, args.workers):
        latencies, failures, served, wall = run_clients(args.port, plan, args.concurrency)
    print(f"\nScale {args.scale}, {args.workers} gunicorn workers, {bench.machine()}\n")
    print(report(latencies, failures, served, wall, args))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
