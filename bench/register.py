"""A synthetic SIPRI trade register, and how fast `import_sipri` imports it.

    .venv/bin/python bench/register.py --write register.csv --rows 28000   # the file only
    .venv/bin/python bench/register.py --rows 28000                        # time the import

The file is in SIPRI's format with every quirk the real export has: Latin-1, notes before the
header and a "Data generated" line, "?" marks, years of delivery "2021; 2022", New / Second
hand / Second hand but modernized, records broken over two lines, values in comments ("$375m
deal", "INR390 b ($5.4 b) deal", "Part of THB4b ($120 m) deal"), former states, entities with
limited recognition, armed groups ("*"), organisations ("**") and unknown parties, and a few
identical rows. Names, designations and figures are made up (seeded, so every run writes the
same file); the project ships no SIPRI data.

Timing imports the file into a fresh migrated database, first into an empty one and then the
same file again (which changes nothing), with debug off as deployed, on SQLite (a temporary
file) and on PostgreSQL when DATABASE_URL points at a server (a `bench_register` database
created and dropped there, never the one DATABASE_URL names). Each import is timed as its
process's wall time, start-up included, and the CPU time it used (not counting PostgreSQL's
own), which a machine shared with others inflates less. Prints a Markdown table; writes the
figures as JSON under bench/results/.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SEED = 12
BENCH_DATABASE = "bench_register"

NOTES = [
    "Transfers of major conventional arms from All countries to All countries. Deals with "
    "deliveries or orders made for year range '1950' to '2024'",
    "Note: The 'Number delivered' and the 'Year(s) of delivery' columns refer to all "
    "deliveries since the beginning of the contract.",
    "Deals in which the recipient was involved in the production of the weapon system are "
    "listed separately.",
    "The 'Comments' column includes publicly reported information on the value of the deal.",
    "A '?' in the column after a figure means that the figure is uncertain.",
    "An empty 'Number ordered' means that the figure is not yet available.",
    "SIPRI trend-indicator values (TIVs) are in millions; a TIV of 0 means between 0 and 0.5 "
    "million.",
    "An empty 'SIPRI TIV of delivered weapons' means that no deliveries have been identified.",
    "Non-state armed groups are marked '*', international organisations '**'.",
    "Source: SIPRI Arms Transfers Database (c) SIPRI.",
]
HEADER = (
    "Recipient,Supplier,Year of order,,Number ordered,,Weapon designation,Weapon description,"
    "Number delivered,,Year(s) of delivery,status,Comments,SIPRI TIV per unit,"
    "SIPRI TIV for total order,SIPRI TIV of delivered weapons"
)
STATES = [
    "Afghanistan",
    "Albania",
    "Algeria",
    "Angola",
    "Argentina",
    "Armenia",
    "Australia",
    "Austria",
    "Azerbaijan",
    "Bahrain",
    "Bangladesh",
    "Belarus",
    "Belgium",
    "Bolivia",
    "Botswana",
    "Brazil",
    "Brunei",
    "Bulgaria",
    "Cambodia",
    "Cameroon",
    "Canada",
    "Chad",
    "Chile",
    "China",
    "Colombia",
    "Croatia",
    "Cuba",
    "Cyprus",
    "Czechia",
    "Denmark",
    "Ecuador",
    "Egypt",
    "Estonia",
    "Ethiopia",
    "Finland",
    "France",
    "Gabon",
    "Georgia",
    "Germany",
    "Ghana",
    "Greece",
    "Hungary",
    "India",
    "Indonesia",
    "Iran",
    "Iraq",
    "Ireland",
    "Israel",
    "Italy",
    "Japan",
    "Jordan",
    "Kazakhstan",
    "Kenya",
    "Kuwait",
    "Laos",
    "Latvia",
    "Lebanon",
    "Libya",
    "Lithuania",
    "Malaysia",
    "Mali",
    "Mexico",
    "Mongolia",
    "Morocco",
    "Myanmar",
    "Namibia",
    "Nepal",
    "Netherlands",
    "Nigeria",
    "Norway",
    "Oman",
    "Pakistan",
    "Peru",
    "Philippines",
    "Poland",
    "Portugal",
    "Qatar",
    "Romania",
    "Russia",
    "Rwanda",
    "Serbia",
    "Singapore",
    "Slovakia",
    "Slovenia",
    "Spain",
    "Sudan",
    "Sweden",
    "Switzerland",
    "Syria",
    "Taiwan",
    "Thailand",
    "Tunisia",
    "Uganda",
    "Ukraine",
    "Uruguay",
    "Venezuela",
    "Yemen",
    "Zambia",
    "Zimbabwe",
]
SPELLED = [
    "Turkiye",
    "eSwatini",
    "UAE",
    "DR Congo",
    "Bosnia-Herzegovina",
    "Cote d'Ivoire",
    "Saint Vincent",
    "UK",
    "United States",
    "South Korea",
    "North Korea",
    "Viet Nam",
    "Saudi Arabia",
    "South Africa",
    "New Zealand",
    "Sri Lanka",
    "North Macedonia",
    "Trinidad and Tobago",
]
FORMER = [
    "Soviet Union",
    "East Germany (GDR)",
    "Czechoslovakia",
    "Yugoslavia",
    "Yemen Arab Republic (North Yemen)",
    "North Yemen",
    "South Vietnam",
    "South Yemen",
]
OTHERS = [
    "Biafra",
    "Katanga",
    "Northern Cyprus",
    "Kosovo",
    "Libya GNC",
    "Hezbollah (Lebanon)*",
    "UNITA (Angola)*",
    "Houthi rebels (Yemen)*",
    "Contras (Nicaragua)*",
    "NATO**",
    "United Nations**",
    "African Union**",
    "unknown recipient(s)",
    "unknown rebel group*",
]
SUPPLIERS = [
    "United States",
    "Russia",
    "Soviet Union",
    "France",
    "Germany",
    "China",
    "UK",
    "Italy",
    "Israel",
    "Spain",
    "South Korea",
    "Netherlands",
    "Sweden",
    "Ukraine",
    "Turkiye",
    "Czechoslovakia",
    "East Germany (GDR)",
    "Yugoslavia",
    "Switzerland",
    "Canada",
    "Brazil",
    "unknown supplier(s)",
    "Libya",
    "Iran",
]
DESCRIPTIONS = [
    "FGA aircraft",
    "fighter aircraft",
    "transport aircraft",
    "trainer aircraft",
    "light aircraft",
    "AEW&C aircraft",
    "MP aircraft",
    "helicopter",
    "light helicopter",
    "transport helicopter",
    "combat helicopter",
    "ASW helicopter",
    "UAV",
    "tank",
    "APC",
    "IFV",
    "armoured car",
    "APV",
    "self-propelled gun",
    "towed gun",
    "self-propelled MRL",
    "mortar",
    "SAM system",
    "mobile SAM system",
    "SAM",
    "portable SAM",
    "BVRAAM",
    "SRAAM",
    "ASM",
    "guided bomb",
    "anti-ship missile",
    "anti-tank missile",
    "SSM",
    "frigate",
    "corvette",
    "destroyer",
    "submarine",
    "patrol craft",
    "OPV",
    "FAC",
    "landing ship",
    "support ship",
    "naval gun",
    "ASW weapon",
    "torpedo",
    "ASW torpedo",
    "air search radar",
    "air/sea search radar",
    "fire control radar",
    "combat aircraft radar",
    "sonar",
    "aircraft engine",
    "turbofan",
    "turboshaft",
    "diesel engine",
    "gas turbine",
    "anti-aircraft gun",
    "self-propelled AA gun",
    "CIWS",
]
CURRENCIES = ["INR", "EUR", "GBP", "THB", "JPY", "KRW", "BRL", "AUD", "CAD", "SEK"]


def register_lines(rows: int, *, seed: int = SEED, generated: datetime.datetime) -> list[str]:
    """The export's physical lines: notes, header, then `rows` records."""
    chooser = random.Random(seed)
    recipients = STATES + SPELLED * 2 + FORMER + OTHERS
    designations = [
        (f"{chooser.choice('ABCDFGHKLMPRSTVZ')}{chooser.choice('AKMRSTX')}-{number}", description)
        for number, description in (
            (chooser.randint(1, 999), chooser.choice(DESCRIPTIONS)) for _ in range(rows // 4 + 10)
        )
    ]
    designations = list(dict(designations).items())  # one description per designation
    lines = [*NOTES, f"Data generated: {generated:%d %b %Y} {generated:%I:%M:%S %p}", HEADER]
    previous = None
    for index in range(rows):
        if previous is not None and index % 997 == 0:
            lines.append(previous)  # an identical row, as the register has a few
            continue
        recipient = chooser.choice(recipients)
        supplier = chooser.choice([s for s in SUPPLIERS if s != recipient])
        designation, description = chooser.choice(designations)
        year = chooser.randint(1950, 2024)
        ordered = chooser.choice([None, *range(1, 60)])
        delivered_years = []
        if chooser.random() < 0.8:
            first = year + chooser.randint(0, 3)
            delivered_years = [y for y in range(first, first + chooser.randint(1, 5)) if y <= 2024]
        delivered = None
        if delivered_years:
            top = ordered or 60
            delivered = chooser.randint(1, top)
        per_unit = round(chooser.choice([0, 0.5, 1.2, 3, 12.5, 40, 150, 450]), 3)
        total = round(per_unit * (ordered or delivered or 1), 3)
        delivered_tiv = round(per_unit * delivered, 3) if delivered else ""
        status = chooser.choices(
            ["New", "Second hand", "Second hand but modernized"], weights=[85, 12, 3]
        )[0]
        comment = _comment(chooser, index)
        cells = [
            recipient,
            supplier,
            str(year),
            "?" if chooser.random() < 0.05 else "",
            "" if ordered is None else str(ordered),
            "?" if chooser.random() < 0.1 else "",
            designation,
            description,
            "" if delivered is None else str(delivered),
            "?" if delivered is not None and chooser.random() < 0.1 else "",
            "; ".join(str(y) for y in delivered_years),
            status,
            comment,
            _number(per_unit),
            _number(total),
            _number(delivered_tiv) if delivered_tiv != "" else "",
        ]
        line = ",".join(_quoted(cell) for cell in cells)
        if index % 1499 == 7 and comment and "," not in comment:
            # A line break that is not quoted, in the comment.
            head, _, tail = line.partition(comment)
            words = comment.split(" ", 1)
            if len(words) == 2:
                lines += [head + words[0], words[1] + tail]
                previous = None
                continue
        lines.append(line)
        previous = line
    return lines


def _comment(chooser: random.Random, index: int) -> str:
    roll = chooser.random()
    if roll < 0.55:
        return ""
    if roll < 0.65:
        return f"${chooser.randint(5, 900)}m deal"
    if roll < 0.7:
        code = chooser.choice(CURRENCIES)
        return f"{code}{chooser.randint(1, 400)} b (${chooser.randint(1, 9)}.{index % 10} b) deal"
    if roll < 0.73:
        code = chooser.choice(CURRENCIES)
        return f"Part of {code}{chooser.randint(1, 9)}b (${chooser.randint(20, 900)} m) deal"
    if roll < 0.8:
        return "Ex-Fran\u00e7ais; modernized before delivery"
    if roll < 0.9:
        return f"Delivered in {chooser.randint(2, 5)} batches from stocks"
    return "Second-hand; aid; incl. training and spares"


def _number(value) -> str:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return text or "0"


def _quoted(cell: str) -> str:
    return f'"{cell}"' if any(mark in cell for mark in ',"') else cell


def register_write(path: Path, *, rows: int, seed: int = SEED) -> None:
    generated = datetime.datetime(2024, 10, 13, 14, 20, 11)
    text = "\n".join(register_lines(rows, seed=seed, generated=generated)) + "\n"
    path.write_bytes(text.encode("latin-1"))


# --- timing ----------------------------------------------------------------------------------


def on_postgresql() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def server_url(name: str) -> str:
    return urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}"))


def server_run(*statements: str) -> None:
    import psycopg

    with psycopg.connect(server_url("postgres"), autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)


def manage(arguments: list[str], *, url: str) -> tuple[float, float]:
    """Run manage.py as deployed (debug off: debug logs every query's SQL); its wall time and
    the CPU time it used (user and system), which a machine shared with others inflates less."""
    environment = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "bench-register-only"),
    }
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *arguments],
        env=environment,
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def engine_time(engine: str, path: Path, folder: Path) -> dict:
    if engine == "PostgreSQL":
        server_run(
            f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}"', f'CREATE DATABASE "{BENCH_DATABASE}"'
        )
        url = server_url(BENCH_DATABASE)
    else:
        url = f"sqlite:///{folder / 'register.sqlite3'}"
    try:
        manage(["migrate", "--noinput", "-v", "0"], url=url)
        first, first_cpu = manage(["import_sipri", str(path), "-v", "0"], url=url)
        again, again_cpu = manage(["import_sipri", str(path), "-v", "0"], url=url)
    finally:
        if engine == "PostgreSQL":
            server_run(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}"')
    return {
        "engine": engine,
        "first": round(first, 2),
        "first_cpu": round(first_cpu, 2),
        "again": round(again, 2),
        "again_cpu": round(again_cpu, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=28_000)
    parser.add_argument("--write", type=Path, help="write the register here and stop")
    parser.add_argument("--seed", type=int, default=SEED)
    arguments = parser.parse_args()
    if arguments.write:
        register_write(arguments.write, rows=arguments.rows, seed=arguments.seed)
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "register.csv"
        register_write(path, rows=arguments.rows, seed=arguments.seed)
        size = path.stat().st_size / 1e6
        engines = ["SQLite"] + (["PostgreSQL"] if on_postgresql() else [])
        figures = [engine_time(engine, path, Path(folder)) for engine in engines]
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    today = datetime.date.today().isoformat()
    print(f"import_sipri, {arguments.rows:,} rows ({size:.1f} MB); {machine}; {today}\n")
    load = os.getloadavg()[0]
    print(f"Load average when done: {load:.1f} on {os.cpu_count()} cores.\n")
    print("| database | first import: wall s | CPU s | again, unchanged: wall s | CPU s |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for row in figures:
        print(
            f"| {row['engine']} | {row['first']:.2f} | {row['first_cpu']:.2f} "
            f"| {row['again']:.2f} | {row['again_cpu']:.2f} |"
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"register-{today}.json").write_text(
        json.dumps({"rows": arguments.rows, "machine": machine, "figures": figures}, indent=2)
    )


if __name__ == "__main__":
    main()
