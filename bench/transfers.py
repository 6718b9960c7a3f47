#!/usr/bin/env python
"""Time the transfers analyses at the size of SIPRI's full register, in-process on PostgreSQL.

    DATABASE_URL=postgres://... .venv/bin/python bench/transfers.py [--deals 28000]

Makes a synthetic register with the ORM when the database holds fewer deliveries than asked
(about 260 parties of every kind, one in ten with a predecessor; 28,000 deals with two to
three years of delivery each), then times each page (the transfers page in each grouping, a
busy party, a busy pair, the overview's leaders, /api/transfers/) with Django's test client:
cold (the cache cleared before every request: the queries are the cost) and kept (the page's
content kept in the cache, as a repeat visitor sees it). Prints a Markdown table with the
machine and the date. Not a test: nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deals", type=int, default=28_000)
    parser.add_argument("--parties", type=int, default=260)
    parser.add_argument("--repeat", type=int, default=9, help="timed requests per page and mode")
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args(argv)


def register_make(deals: int, parties: int, seed: int) -> None:
    """A synthetic register: parties of every kind, deals with TIVs, years of delivery."""
    from django.db import transaction

    from dashboard.models import Deal, Delivery, Party, Platform
    from dashboard.services import delivery_tiv_update

    rng = random.Random(seed)
    with transaction.atomic():
        Delivery.objects.all().delete()
        Deal.objects.filter(slug__startswith="bench-").delete()
        Party.objects.filter(code__startswith="bench-").delete()
        made = Party.objects.bulk_create(
            Party(code=f"bench-{n}", name=f"Party {n:03d}", kind=Party.Kind.ARMED_GROUP)
            for n in range(parties)
        )
        # One in ten has a successor, as the Soviet Union has Russia.
        for n, party in enumerate(made):
            if n % 10 == 9:
                party.successor = made[n - 1]
        Party.objects.bulk_update(made, ["successor"])
        platforms = Platform.objects.bulk_create(
            Platform(slug=f"bench-{c}", name=f"Bench {c}", category=c)
            for c in Platform.Category.values
        )
        # Suppliers are few and busy, recipients many: as in the register.
        suppliers = made[:40]
        records = []
        for n in range(deals):
            buyer = rng.choice(made)
            seller = rng.choice([s for s in rng.sample(suppliers, 3) if s != buyer] or made[:1])
            records.append(
                Deal(
                    slug=f"bench-{n}",
                    title=f"Bench deal {n}",
                    buyer=buyer,
                    seller=seller,
                    platform=rng.choice(platforms),
                    stage=Deal.Stage.COMPLETED,
                    tiv_delivered=round(rng.uniform(0, 500), 3),
                )
            )
        Deal.objects.bulk_create(records, batch_size=2000)
        deliveries = []
        for deal in Deal.objects.filter(slug__startswith="bench-").only("pk"):
            start = rng.randint(1950, 2022)
            deliveries += [
                Delivery(deal_id=deal.pk, year=min(start + k, 2024))
                for k in range(rng.randint(1, 3))
            ]
        Delivery.objects.bulk_create(deliveries, batch_size=5000, ignore_conflicts=True)
        delivery_tiv_update()  # each year's share of its deal's TIV, as every write path does


def time_page(client, path: str, repeat: int, cold: bool) -> float:
    from django.core.cache import cache

    timings = []
    client.get(path)  # the first request warms Python, the database's buffers and the cache
    for _ in range(repeat):
        if cold:
            cache.clear()
        start = time.perf_counter()
        response = client.get(path)
        timings.append(time.perf_counter() - start)
        assert response.status_code == 200, (path, response.status_code)
    return statistics.median(timings) * 1000


def main(argv=None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_DEBUG", "0")
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-" + "x" * 50)
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    # Plain http in-process: the HTTPS hardening would redirect every request.
    os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
    os.environ.setdefault("DJANGO_SECURE_HSTS_SECONDS", "0")
    os.environ.setdefault("DJANGO_SECURE_COOKIES", "0")
    os.environ.setdefault("DASHBOARD_API_ANON_RATE", "off")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import setup_test_environment

    from dashboard.models import Deal, Delivery

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)  # DEBUG off: the manifest's names
    if Delivery.objects.filter(deal__slug__startswith="bench-").count() < args.deals:
        started = time.perf_counter()
        register_make(args.deals, args.parties, args.seed)
        print(f"Made the synthetic register in {time.perf_counter() - started:.0f} s.")
    setup_test_environment()
    deliveries = Delivery.objects.count()
    busiest = (Deal.objects.values("buyer__code").annotate(n=Count("id")).order_by("-n").first())[
        "buyer__code"
    ]
    pair = (
        Deal.objects.values("buyer__code", "seller__code")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    first, second = sorted([pair["buyer__code"], pair["seller__code"]])
    pages = [
        "/transfers/",
        "/transfers/?group=recipient&fold=on",
        "/transfers/?group=year",
        "/transfers/?group=category&year_min=2000&year_max=2020",
        f"/transfers/?recipient={busiest}&group=supplier",
        f"/parties/{busiest}/",
        f"/parties/{busiest}/?fold=on",
        f"/ties/{first}/{second}/",
        "/?year_min=2019&year_max=2023",
        "/api/transfers/?group=supplier",
        "/health/",
    ]
    client = Client()
    print(
        f"\n{Deal.objects.count():,} deals, {deliveries:,} deliveries; "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{django.db.connection.vendor}; {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC"
    )
    print(f"Median of {args.repeat} requests, in-process (Django's test client).\n")
    print("| Page | Cold (ms) | Kept (ms) |")
    print("|---|---:|---:|")
    for path in pages:
        cold = time_page(client, path, args.repeat, cold=True)
        kept = time_page(client, path, args.repeat, cold=False)
        print(f"| `{path}` | {cold:,.0f} | {kept:,.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
