"""Benchmark: `load_fixtures` against Django's `loaddata`, time and peak memory, at two sizes.

    .venv/bin/python bench/load.py --records 20000          # runs 5,000 and 20,000 records
    .venv/bin/python bench/load.py --records 5000 20000 80000 --loaddata-up-to 20000

Writes a synthetic, valid fixture of N records (countries, sources with their full text, people,
platforms with makers and aliases, contracts each citing a source with an excerpt, statements
quoting their source and naming platforms and contracts) as JSON and JSON Lines. Then, each on a
fresh empty database (PostgreSQL when DATABASE_URL points at a server, else a SQLite file in a
temporary folder), it times one load in a subprocess and reads that process's peak memory from
the kernel. Prints a Markdown table; writes the figures as JSON under bench/results/.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pycountry

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
CATEGORIES = ["air_defence", "cruise_missile", "fighter_aircraft", "helicopter", "tank", "warship"]
STATUSES = ["talks", "negotiating", "signed", "in_delivery", "completed", "cancelled"]
CURRENCIES = ["USD", "EUR", "INR", "RUB", "GBP"]
WORDS = ["falcon", "shield", "trident", "arrow", "sentinel", "viper", "storm", "lance", "aegis"]


# --- the synthetic fixture ----------------------------------------------------------------------


def synthetic_records(total: int, *, seed: int = 7):
    """`total` valid fixture objects in dependency order (as dumpdata writes them)."""
    rng = random.Random(seed)
    countries = [c for c in pycountry.countries if len(c.name) <= 100][:60]
    n_sources = max(2, total // 25)
    n_people = max(2, total // 25)
    n_platforms = max(2, total // 25)
    n_aliases = total // 50
    n_contracts = total // 5
    rest = total - len(countries) - n_sources - n_people - n_platforms - n_aliases
    n_contracts = min(n_contracts, max(0, rest // 3))
    n_statements = max(0, rest - 2 * n_contracts)

    for country in countries:
        yield _record("country", name=country.name, iso2=country.alpha_2, iso3=country.alpha_3)
    sentences = {}
    for s in range(n_sources):
        said = [
            f"Report {s} sentence {i}: the {rng.choice(WORDS)} programme moved forward "
            f"with {rng.randint(2, 90)} units and officials called it “{rng.choice(WORDS)}”."
            for i in range(24)
        ]
        sentences[s] = said
        yield _record(
            "source",
            slug=f"source-{s}",
            title=f"Defence report number {s}",
            publisher=rng.choice(["IANS", "PTI", "Reuters", "Agencies"]),
            url=f"https://news.example.org/{s}",
            published=_date(rng),
            date_note="Printed in the dateline.",
            text="\n".join(said),
        )
    for p in range(n_people):
        yield _record(
            "person",
            slug=f"person-{p}",
            name=f"Official {p}",
            kind="person" if p % 5 else "institution",
            role="Minister of Defence" if p % 3 else "",
            country=[rng.choice(countries).alpha_2],
        )
    for p in range(n_platforms):
        makers = rng.sample(countries, rng.randint(1, 2))
        yield _record(
            "platform",
            slug=f"platform-{p}",
            name=f"{rng.choice(WORDS).title()} {p}",
            category=rng.choice(CATEGORIES),
            makers=[[maker.alpha_2] for maker in makers],
            description=f"A synthetic platform, number {p}.",
        )
    for a in range(n_aliases):
        yield _record("platformalias", name=f"Alias {a}", platform=[f"platform-{a % n_platforms}"])
    for c in range(n_contracts):
        buyer, seller = rng.sample(countries, 2)
        quantity = rng.choice([None, rng.randint(1, 300)])
        valued = rng.random() < 0.7
        yield _record(
            "contract",
            slug=f"contract-{c}",
            title=f"Contract {c}",
            buyer=[buyer.alpha_2],
            seller=[seller.alpha_2],
            platform=[f"platform-{rng.randrange(n_platforms)}"],
            kind="purchase",
            status=rng.choice(STATUSES),
            quantity=quantity,
            quantity_delivered=None if quantity is None else rng.randint(0, quantity),
            value_amount=f"{rng.randint(1, 10**9)}.00" if valued else None,
            value_currency=rng.choice(CURRENCIES) if valued else "",
            signed=_date(rng),
            expected_completion=None,
            notes="",
        )
    for c in range(n_contracts):
        s = rng.randrange(n_sources)
        yield _record(
            "contractsource",
            contract=[f"contract-{c}"],
            source=[f"source-{s}"],
            excerpt=rng.choice(sentences[s]),
        )
    for t in range(n_statements):
        s = rng.randrange(n_sources)
        passage = rng.choice(sentences[s])
        quote = t % 2 == 0
        yield _record(
            "statement",
            slug=f"statement-{t}",
            speaker=[f"person-{rng.randrange(n_people)}"],
            date=_date(rng),
            date_note="",
            kind="quote" if quote else "report",
            text=passage if quote else f"Paraphrase of statement {t}.",
            source=[f"source-{s}"],
            excerpt="" if quote else passage,
            platforms=[
                [f"platform-{rng.randrange(n_platforms)}"] for _ in range(rng.randint(0, 2))
            ],
            contracts=[[f"contract-{rng.randrange(n_contracts)}"]] if n_contracts else [],
        )


def _record(model: str, **fields) -> dict:
    if "platforms" in fields:
        fields["platforms"] = [
            list(k) for k in dict.fromkeys(tuple(k) for k in fields["platforms"])
        ]
    return {"model": f"dashboard.{model}", "fields": fields}


def _date(rng: random.Random) -> str:
    year = rng.randint(1990, 2025)
    return rng.choice(
        [f"{year}", f"{year}-{rng.randint(1, 12):02d}", f"{year}-03-{rng.randint(1, 28):02d}"]
    )


def fixtures_write(total: int, folder: Path) -> tuple[Path, Path]:
    as_json, as_lines = folder / f"synthetic-{total}.json", folder / f"synthetic-{total}.jsonl"
    with (
        as_json.open("w", encoding="utf-8") as array,
        as_lines.open("w", encoding="utf-8") as lines,
    ):
        array.write("[\n")
        for number, record in enumerate(synthetic_records(total)):
            text = json.dumps(record, ensure_ascii=False)
            array.write(("," if number else "") + text + "\n")
            lines.write(text + "\n")
        array.write("]\n")
    return as_json, as_lines


# --- fresh databases and timed subprocesses ----------------------------------------------------


def database_fresh(name: str, folder: Path) -> str:
    """The DATABASE_URL of a new, empty, migrated database."""
    base = os.environ.get("DATABASE_URL", "")
    if base.startswith(("postgres://", "postgresql://")):
        import psycopg

        parts = urlsplit(base)
        admin = urlunsplit(parts._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')
        url = urlunsplit(parts._replace(path=f"/{name}"))
    else:
        url = f"sqlite:///{folder / (name + '.sqlite3')}"
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=_environment(url),
        check=True,
    )
    return url


def database_drop(name: str) -> None:
    base = os.environ.get("DATABASE_URL", "")
    if base.startswith(("postgres://", "postgresql://")):
        import psycopg

        admin = urlunsplit(urlsplit(base)._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')


def _environment(url: str) -> dict[str, str]:
    # Debug off, as in production: with it on Django keeps every query in memory.
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "benchmark-only",
    }


def timed(command: list[str], *, url: str) -> tuple[float, float]:
    """Run a manage.py command; its wall time in seconds and its peak memory in MB."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "manage.py", *command],
        cwd=ROOT,
        env=_environment(url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{process.stderr.read().decode()}")
    process.stderr.close()
    return seconds, usage.ru_maxrss / 1024  # kilobytes on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--records",
        type=int,
        nargs="+",
        default=[20000],
        help="record counts; one count N also runs N/4, to compare memory at two sizes",
    )
    parser.add_argument(
        "--loaddata-up-to",
        type=int,
        default=None,
        metavar="N",
        help="time loaddata only at sizes up to N records (it takes minutes per 20,000)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    options = parser.parse_args()
    sizes = sorted(
        set(
            options.records
            if len(options.records) > 1
            else [options.records[0] // 4, options.records[0]]
        )
    )
    engine = (
        "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
    )
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-load-") as folder:
        folder = Path(folder)
        for size in sizes:
            as_json, as_lines = fixtures_write(size, folder)
            runs = [
                ("load_fixtures", "JSON Lines", ["load_fixtures", str(as_lines)]),
                ("load_fixtures", "JSON", ["load_fixtures", str(as_json)]),
            ]
            if options.loaddata_up_to is None or size <= options.loaddata_up_to:
                runs.append(("loaddata", "JSON", ["loaddata", str(as_json)]))
            for number, (tool, form, command) in enumerate(runs):
                name = f"bench_load_{size}_{number}"
                url = database_fresh(name, folder)
                seconds, peak = timed(command, url=url)
                if tool == "load_fixtures":
                    again, _ = timed(command, url=url)  # the same file again: nothing to write
                else:
                    again = None
                database_drop(name)
                rows.append(
                    {
                        "records": size,
                        "command": tool,
                        "format": form,
                        "file_mb": round(
                            (as_json if form == "JSON" else as_lines).stat().st_size / 2**20, 1
                        ),
                        "seconds": round(seconds, 2),
                        "reload_seconds": None if again is None else round(again, 2),
                        "peak_mb": round(peak, 1),
                    }
                )
                print(
                    f"  {size:>8,} {tool:<13} {form:<10} {seconds:7.2f} s {peak:7.1f} MB",
                    file=sys.stderr,
                )
    for row in rows:
        baseline = next(
            (r for r in rows if r["records"] == row["records"] and r["command"] == "loaddata"),
            None,
        )
        row["speed_up"] = round(baseline["seconds"] / row["seconds"], 1) if baseline else None
    table = _markdown(rows, engine=engine)
    print(table)
    document = {
        "engine": engine,
        "machine": platform.platform(),
        "cores": os.cpu_count(),
        "runs": rows,
        "table": table,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"load-{engine.lower()}-{stamp}.json").write_text(
        json.dumps(document, indent=2), encoding="utf-8"
    )
    if options.json:
        options.json.write_text(json.dumps(document, indent=2), encoding="utf-8")


def _markdown(rows: list[dict], *, engine: str) -> str:
    lines = [
        f"Database: {engine}; {os.cpu_count()} cores.",
        "",
        "| records | command | format | file MB | seconds | again, unchanged | peak MB "
        "| vs loaddata |",
        "| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        again = "" if row["reload_seconds"] is None else f"{row['reload_seconds']:.2f}"
        speed_up = (
            f"{row['speed_up']}×" if row["speed_up"] and row["command"] != "loaddata" else ""
        )
        lines.append(
            f"| {row['records']:,} | {row['command']} | {row['format']} | {row['file_mb']} "
            f"| {row['seconds']:.2f} | {again} | {row['peak_mb']:.0f} | {speed_up} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
