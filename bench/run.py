#!/usr/bin/env python
"""Benchmark the dashboard at scale: pages served by gunicorn from PostgreSQL with synthetic data.

    .venv/bin/python bench/run.py --scale 1

For each page: median and 95th-percentile latency and requests per second at a fixed
concurrency, next to a trivial view served by the same server in the same run, and the ratio
of the medians. Prints a Markdown table and writes the figures as JSON under bench/results/.
With --loader, also compares load_fixtures, loaddata and COPY (bench/load.py).
Not a test: nothing here passes or fails, apart from a page that does not answer 200.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/defence_ties_bench"
GOAL_RATIO = 10
# As a browser asks: it takes a compressed response where the server offers one (exports do).
BROWSER_HEADERS = {"Host": "127.0.0.1", "Accept-Encoding": "gzip, deflate, br"}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--reuse-data", action="store_true", help="keep the data already in the benchmark database"
    )
    parser.add_argument(
        "--loader",
        action="store_true",
        help="also compare load_fixtures, loaddata and COPY (bench/load.py)",
    )
    parser.add_argument("--loader-records", type=int, default=100_000)
    parser.add_argument(
        "--results", type=Path, default=RESULTS, help="the folder the figures are written to"
    )
    parser.add_argument(
        "--page-cache",
        choices=["both", "on", "off"],
        default="both",
        help="measure with the pages' rendered content cached (repeat views), without "
        "(every view rendered), or both",
    )
    return parser.parse_args(argv)


def server_env(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=env.get("DJANGO_SECRET_KEY", "benchmark-" + "x" * 50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        # Plain http on loopback: the HTTPS hardening would redirect every request.
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_HSTS_SECONDS="0",
        DJANGO_SECURE_COOKIES="0",
        # Every request comes from one address: the API's throttling of anonymous reads would
        # answer most of them 429.
        DASHBOARD_API_ANON_RATE="off",
        DASHBOARD_EXPORT_ANON_RATE="off",
    )
    if redis_answers():
        env["REDIS_URL"] = env.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
    return env


def redis_answers() -> bool:
    try:
        import redis

        redis.Redis.from_url("redis://127.0.0.1:6379/15", socket_timeout=1).ping()
        return True
    except Exception:
        return False


def manage(env, *args, **kwargs):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, **kwargs
    )


def static_collect(env) -> None:
    """Collect the static files into a folder of this run's own, as a deployment does: pages
    rendered with debug off need the manifest."""
    env["DJANGO_STATIC_ROOT"] = tempfile.mkdtemp(prefix="bench-static-")
    manage(env, "collectstatic", "--noinput", "-v", "0")


def manage_shell(env, script: str) -> dict:
    """Run `script` in `manage.py shell`, a fresh process, and read the JSON of its last line."""
    out = manage(env, "shell", "-c", script, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def database_create(database_url: str) -> None:
    """Create the benchmark database when it does not exist yet."""
    import psycopg

    name = database_url.rsplit("/", 1)[1].split("?")[0]
    server = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def data_prepare(env, args) -> None:
    manage(env, "migrate", "--noinput", "-v", "0")
    if not args.reuse_data:
        manage(
            env,
            "generate_synthetic",
            "--scale",
            str(args.scale),
            "--seed",
            str(args.seed),
            "--replace",
        )
    if env.get("REDIS_URL"):
        import redis

        redis.Redis.from_url(env["REDIS_URL"]).flushdb()


def pages_choose(env) -> list[tuple[str, str]]:
    """The pages to measure, picked from the data: the busiest pair, a real record, ..."""
    script = r"""
import json
from django.db.models import Count
from dashboard.models import Deal, Platform, Statement
from dashboard.selectors import party_pairs
pair = party_pairs(deals=Deal.objects.all())[0]
platform = Platform.objects.annotate(n=Count("deals")).order_by("-n").first()
deal = Deal.objects.filter(platform=platform).order_by("pk").first()
statement = Statement.objects.order_by("pk").first()
years, total = [], 0
rows = (Deal.objects.exclude(signed=None).values("signed__year").annotate(n=Count("id"))
        .order_by("-signed__year"))
for row in rows:
    years.append(row["signed__year"])
    total += row["n"]
    if total >= 10000:
        break
# A cursor half-way down the statements, as an API client paging through them would hold.
from django.core import signing
from dashboard.api.paging import CURSOR_SALT
middle = Statement.objects.count() // 2
date, slug, pk = Statement.objects.order_by("-date", "slug", "pk").values_list(
    "date", "slug", "pk")[middle]
cursor = signing.dumps({"sort": "", "after": [date.isoformat(), slug, pk]}, salt=CURSOR_SALT)
print(json.dumps({"pair": [pair["first"], pair["second"]], "platform": platform.slug,
                  "deal": deal.slug, "statement": statement.slug,
                  "year_min": min(years), "year_max": max(years), "export_rows": total,
                  "buyer": pair["first"], "cursor": cursor, "middle": middle}))
"""
    out = manage(env, "shell", "-c", script, capture_output=True, text=True).stdout
    picked = json.loads(out.strip().splitlines()[-1])
    first, second = picked["pair"]
    export = f"/deals/?year_min={picked['year_min']}&year_max={picked['year_max']}"
    return [
        ("trivial view", "/health/"),
        ("overview", "/"),
        ("deals", "/deals/"),
        (
            "deals, filtered",
            f"/deals/?buyer={picked['buyer']}&stage=signed&stage=in_delivery&stage=completed&sort=-value_amount",
        ),
        ("statements", "/statements/"),
        ("statements, filtered", f"/statements/?platform={picked['platform']}&year_min=2000"),
        ("platforms", "/platforms/"),
        ("platforms, filtered", "/platforms/?category=air_defence"),
        ("parties", "/parties/"),
        ("parties, filtered", "/parties/?q=an"),
        ("sources", "/sources/"),
        ("sources, filtered", "/sources/?q=progressing"),
        ("people", "/people/"),
        ("people, filtered", f"/people/?party={picked['buyer']}"),
        ("search", "/search/?q=Falcon"),
        ("deal page", f"/deals/{picked['deal']}/"),
        ("platform page", f"/platforms/{picked['platform']}/"),
        ("statement page", f"/statements/{picked['statement']}/"),
        ("party pair", f"/ties/{first}/{second}/"),
        (f"CSV export ({picked['export_rows']:,} rows)", export + "&_export=csv"),
        # The web API: the same lists and filters as JSON, a large page, a page deep in a
        # million rows, a record, the analyses.
        ("API: deals", "/api/deals/"),
        (
            "API: deals, filtered",
            f"/api/deals/?buyer={picked['buyer']}&stage=signed&stage=in_delivery&stage=completed&sort=-value_amount",
        ),
        ("API: statements", "/api/statements/"),
        ("API: statements, 1,000 a page", "/api/statements/?per_page=1000"),
        (
            f"API: statements after the {picked['middle']:,}th",
            f"/api/statements/?cursor={quote(picked['cursor'])}",
        ),
        (
            "API: statements, filtered",
            f"/api/statements/?platform={picked['platform']}&year_min=2000",
        ),
        ("API: platforms", "/api/platforms/"),
        ("API: deal", f"/api/deals/{picked['deal']}/"),
        ("API: overview", "/api/overview/"),
        ("API: party pair", f"/api/ties/{first}/{second}/"),
    ]


@contextmanager
def gunicorn(env, port: int, workers: int):
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "300",
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if fetch(port, "/health/")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not answer within 60 s")
        yield
    finally:
        server.terminate()
        server.wait(timeout=30)


def fetch(port: int, path: str, connection=None) -> tuple[int, int]:
    conn = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    conn.request("GET", path, headers=BROWSER_HEADERS)
    response = conn.getresponse()
    body = response.read()
    if connection is None:
        conn.close()
    return response.status, len(body)


def measure(port: int, path: str, requests: int, concurrency: int) -> tuple[list[float], float]:
    """Latencies of `requests` GETs of `path` sent by `concurrency` keep-alive clients, and
    the wall time they took."""
    for _ in range(3):
        status, _size = fetch(port, path)
        if status != 200:
            raise RuntimeError(f"{path} answered {status}")
    latencies: list[float] = []
    lock = threading.Lock()
    counts = [requests // concurrency + (i < requests % concurrency) for i in range(concurrency)]

    def client(count):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        for _ in range(count):
            started = time.perf_counter()
            status, _size = fetch(port, path, conn)
            elapsed = time.perf_counter() - started
            if status != 200:
                raise RuntimeError(f"{path} answered {status}")
            with lock:
                latencies.append(elapsed)
        conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in counts if n]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, time.perf_counter() - started


def summary(latencies: list[float], wall: float) -> dict:
    latencies = sorted(latencies)
    return {
        "requests": len(latencies),
        "median_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[max(0, round(0.95 * len(latencies)) - 1)] * 1000,
        "rps": len(latencies) / wall,
    }


def pages_measure(port, pages, args) -> list[dict]:
    """Each page, with the trivial view measured again before each one: its figures are all
    those samples together, so that a passing slow (or fast) spell of the machine does not
    set the baseline every ratio divides by."""
    (trivial_name, trivial_path), *measured = pages
    measure(port, trivial_path, args.requests, args.concurrency)  # warm the workers up
    rows, trivial, trivial_wall = [], [], 0.0
    for name, path in measured:
        latencies, wall = measure(port, trivial_path, args.requests // 4 or 1, args.concurrency)
        trivial += latencies
        trivial_wall += wall
        # An export of ten thousand rows, or a thousand rows of the API, takes long: fewer
        # requests, same concurrency.
        large = "_export" in path or "per_page=1000" in path
        count = max(args.concurrency, args.requests // 10) if large else args.requests
        rows.append(
            {"page": name, "path": path, **summary(*measure(port, path, count, args.concurrency))}
        )
        print(f"  {name}: median {rows[-1]['median_ms']:.1f} ms", file=sys.stderr)
    rows.insert(0, {"page": trivial_name, "path": trivial_path, **summary(trivial, trivial_wall)})
    for row in rows:
        row["ratio"] = row["median_ms"] / rows[0]["median_ms"]
    return rows


def pages_table(runs: dict[str, list[dict]]) -> str:
    """One row a page; for each run (page cache on, off) its median, p95, req/s and ratio."""
    header, rule = ["page"], ["---"]
    for name in runs:
        header += [f"{name}: median ms", "p95 ms", "req/s", "× trivial median"]
        rule += ["---:"] * 4
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(rule) + " |"]
    for rows in zip(*runs.values(), strict=True):
        cells = [rows[0]["page"]]
        for row in rows:
            mark = "" if row["ratio"] <= GOAL_RATIO else " (over goal)"
            cells += [
                f"{row['median_ms']:.1f}",
                f"{row['p95_ms']:.1f}",
                f"{row['rps']:.0f}",
                f"{row['ratio']:.1f}{mark}",
            ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def loader_compare(env, records: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "loader.json"
        subprocess.run(
            [sys.executable, "bench/load.py", "--records", str(records), "--json", str(out)],
            cwd=ROOT,
            env=env,
            check=True,
        )
        return json.loads(out.read_text())


def page_cache_runs(choice: str) -> list[tuple[str, str]]:
    """(name, DASHBOARD_PAGE_CACHE_SECONDS) of each run: pages cache their rendered form
    and table per address and data version; with 0 every view renders them again (the cost
    of a first view of each address). Figures over the whole data stay cached in both."""
    cached, rendered = ("repeat views", "3600"), ("every view rendered", "0")
    return {"both": [cached, rendered], "on": [cached], "off": [rendered]}[choice]


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main(argv=None) -> int:
    args = parse_args(argv)
    database_url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE)
    if not database_url.startswith(("postgres://", "postgresql://")):
        sys.exit("The benchmark runs against PostgreSQL: set DATABASE_URL=postgres://...")
    database_create(database_url)
    env = server_env(database_url)
    data_prepare(env, args)
    static_collect(env)
    pages = pages_choose(env)
    print(f"Measuring {len(pages)} pages at concurrency {args.concurrency}", file=sys.stderr)
    runs = {}
    for name, seconds in page_cache_runs(args.page_cache):
        print(f"Pages {name}", file=sys.stderr)
        with gunicorn({**env, "DASHBOARD_PAGE_CACHE_SECONDS": seconds}, args.port, args.workers):
            runs[name] = pages_measure(args.port, pages, args)
    result = {
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "scale": args.scale,
        "seed": args.seed,
        "concurrency": args.concurrency,
        "workers": args.workers,
        "cache": "redis" if env.get("REDIS_URL") else "local memory",
        "pages": next(iter(runs.values())),
        "runs": runs,
    }
    print(
        f"\nScale {args.scale}, concurrency {args.concurrency}, {args.workers} gunicorn "
        f"workers, {result['cache']} cache, {machine()}\n"
    )
    print(pages_table(runs))
    if args.loader:
        result["loader"] = loader_compare(env, args.loader_records)
        print("\n" + result["loader"].get("table", ""))
    args.results.mkdir(parents=True, exist_ok=True)
    stamp = result["when"].replace(":", "").replace("+0000", "")
    path = args.results / f"run-scale{args.scale:g}-{stamp}.json"
    path.write_text(json.dumps(result, indent=2))
    print(f"\nWritten to {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
