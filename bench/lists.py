#!/usr/bin/env python
"""Measure what the list pages' filter helpers cost: facet counts, the undated records a year
filter leaves out, chips; on the first view of an address and on a view made anew.

    .venv/bin/python bench/lists.py [--database-url URL] [--repeat N]

Needs data already in the database (bench/run.py --scale 1 makes it, or generate_synthetic).
Each address is asked in a fresh server process (Django's test client, debug off, the page
cache off so the form and table render each time): "first view" just after the data changed,
so that the per-version caches (counts, facets, party choices) are empty; then "made anew",
the median of N more views, whose facet counts come from the cache as they do for any address
seen since the data last changed; and "facets alone", the facet queries timed without the
cache. Prints a Markdown table with the machine and the date. Not a test.
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
import json, os, statistics, time
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext
from dashboard import filters, views
from dashboard.cache import data_changed

url = os.environ["BENCH_URL"]
client = Client()
data_changed()
with CaptureQueriesContext(connection) as captured:
    start = time.perf_counter()
    response = client.get(url)
    first = time.perf_counter() - start
queries = len(captured)  # now: the next request empties the log captured reads
assert response.status_code == 200, (url, response.status_code)
again = []
for _ in range(int(os.environ["BENCH_REPEAT"])):
    start = time.perf_counter()
    client.get(url)
    again.append(time.perf_counter() - start)

# The facet queries alone, each computed without the cache.
path, _, query = url.partition("?")
view = {"/deals/": views.DealListView, "/platforms/": views.PlatformListView,
        "/people/": views.PersonListView, "/agreements/": views.AgreementListView,
        "/statements/": views.StatementListView}[path]
from django.http import QueryDict
filterset = view.filterset_class(data=QueryDict(query), queryset=view.queryset)
facets = 0.0
for name in getattr(filterset, "facets", {}):
    data_changed()
    start = time.perf_counter()
    filters.facet_counts(filterset, name)
    facets += time.perf_counter() - start
print(json.dumps({"first": first, "again": statistics.median(again), "queries": queries,
                  "facets": facets, "facet_count": len(getattr(filterset, "facets", {}))}))
"""

PICK = r"""
import json
from django.db.models import Count
from dashboard.models import Deal, Party
buyer = Deal.objects.values("buyer__code").annotate(n=Count("pk")).order_by("-n").first()
party = Party.objects.annotate(n=Count("people")).order_by("-n").first()
print(json.dumps({"buyer": buyer["buyer__code"], "party": party.code,
                  "deals": Deal.objects.count()}))
"""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_DATABASE))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    env = server_env(args.database_url)
    env.update(DJANGO_ALLOWED_HOSTS="testserver", DASHBOARD_PAGE_CACHE_SECONDS="0")
    env.pop("REDIS_URL", None)  # a fresh process-local cache for each address
    static_collect(env)
    picked = manage_shell(env, PICK)
    urls = [
        "/statements/",  # no facets: the page as it was
        "/deals/",
        "/deals/?stage=signed",
        f"/deals/?buyer={picked['buyer']}&year_min=2000",
        f"/deals/?party={picked['buyer']}&counterpart=RU&stage=signed",
        "/platforms/?category=air_defence",
        f"/people/?party={picked['party']}",
    ]
    print(
        f"List pages on {machine()}, {datetime.date.today().isoformat()}, "
        f"{picked['deals']:,} deals\n"
    )
    print(
        "| address | queries | first view (ms) | made anew: median (ms) | facets"
        " | facets alone (ms) |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for url in urls:
        figures = manage_shell(dict(env, BENCH_URL=url, BENCH_REPEAT=str(args.repeat)), MEASURE)
        print(
            f"| `{url}` | {figures['queries']} | {figures['first'] * 1000:.0f} "
            f"| {figures['again'] * 1000:.0f} | {figures['facet_count']} "
            f"| {figures['facets'] * 1000:.0f} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
