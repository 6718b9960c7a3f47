#!/usr/bin/env python
"""Measure the list exports: the time of a first export and the memory it takes, by rows.

    .venv/bin/python bench/exports.py [--database-url URL]

Needs data already in the database (bench/run.py --scale 1 makes it, or generate_synthetic).
Each export runs in a fresh server process (Django's test client, debug off, no page cache in
the way: exports are never cached), warmed by a small export first; the figures are the time
to the last byte, the CPU time the process spent on it (the better guide on a shared machine;
PostgreSQL's own work is not in it), the file's size, and how far the process's memory rose
above where it stood before the request (peak resident set size). Prints a Markdown table,
with the machine, the date and the load average. Not a test.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import DEFAULT_DATABASE, machine, manage_shell, server_env, static_collect  # noqa: E402

MEASURE = r"""
import json, os, time
from django.test import Client

def status(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024

client = Client()
warm = client.get("/parties/?_export=" + os.environ["BENCH_FORMAT"])
b"".join(warm.streaming_content)
before = status("VmRSS")
start, cpu = time.perf_counter(), time.process_time()
response = client.get(os.environ["BENCH_URL"])
body = response.streaming_content if response.streaming else [response.content]
size = sum(len(chunk) for chunk in body)
elapsed = time.perf_counter() - start
print(json.dumps({"status": response.status_code, "seconds": elapsed, "bytes": size,
                  "cpu": time.process_time() - cpu, "rise_mb": status("VmHWM") - before}))
"""

PICK = r"""
import json
import os
from django.db.models import Count
from dashboard.models import Deal
years, total = [], 0
rows = (Deal.objects.exclude(signed=None).values("signed__year").annotate(n=Count("id"))
        .order_by("-signed__year"))
for row in rows:
    years.append(row["signed__year"])
    total += row["n"]
    if total >= 10000:
        break
from dashboard.models import Statement
print(json.dumps({"year_min": min(years), "year_max": max(years), "rows": total,
                  "deals": Deal.objects.count(), "statements": Statement.objects.count()}))
"""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_DATABASE))
    parser.add_argument("--formats", default="csv,json,xlsx")
    args = parser.parse_args(argv)
    env = server_env(args.database_url)
    env["DJANGO_ALLOWED_HOSTS"] = "testserver"
    static_collect(env)
    picked = manage_shell(env, PICK)
    window = f"/deals/?year_min={picked['year_min']}&year_max={picked['year_max']}"
    # (name, rows, address, row cap): every deal past the default cap, to see memory at
    # 100,000 rows; every statement under the default cap, refused.
    cases = [
        (f"deals signed {picked['year_min']}–{picked['year_max']}", picked["rows"], window, "0"),
        ("every deal", picked["deals"], "/deals/?sort=-value_amount", "0"),
        ("every statement, refused", picked["statements"], "/statements/?", "50000"),
    ]
    print(
        f"Exports on {machine()}, {datetime.date.today().isoformat()}, load average "
        f"{os.getloadavg()[0]:.1f}\n"
    )
    print(
        "| export | rows | format | status | time (s) | CPU (s) | size (MB) | memory rise (MB) |"
    )
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    for name, rows, url, cap in cases:
        for export_format in args.formats.split(","):
            run_env = dict(env, BENCH_URL=f"{url}&_export={export_format}")
            run_env["DASHBOARD_EXPORT_MAX_ROWS"] = cap
            run_env["BENCH_FORMAT"] = export_format
            figures = manage_shell(run_env, MEASURE)
            print(
                f"| {name} | {rows:,} | {export_format} | {figures['status']} "
                f"| {figures['seconds']:.2f} | {figures['cpu']:.2f} "
                f"| {figures['bytes'] / 1e6:.1f} "
                f"| {figures['rise_mb']:.0f} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
