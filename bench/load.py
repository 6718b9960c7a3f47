"""Benchmark: `load_fixtures` against `loaddata` and PostgreSQL COPY of the same rows.

    .venv/bin/python bench/load.py                       # 25,000, 100,000 and 400,000 records
    .venv/bin/python bench/load.py --records 20000 100000 --loaddata-up-to 20000

For each size, `manage.py generate_synthetic --fixture` writes the synthetic data of the scale
issue, at the scale that gives about that many records, as JSON Lines and as a JSON array. Each
load then runs in its own process on a fresh, empty, migrated database: PostgreSQL when
DATABASE_URL points at a server (it creates and drops bench_load_* databases there, never the
one DATABASE_URL names), otherwise SQLite files in a temporary folder. Timed: load_fixtures on
both files, then again on the same file (which writes nothing); loaddata on the JSON file; and,
on PostgreSQL, COPY FROM STDIN of exactly the rows load_fixtures wrote (dumped to one CSV file
per table), all tables in dependency order in one transaction, from a bare Python process with
psycopg. Time is the process's wall time, start-up included; peak memory is its maximum resident
set size, from the kernel. Every way must leave the same rows in every table, or the script
stops with an error. Prints a Markdown table; writes the figures as JSON under bench/results/
(or --results DIR).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
# Records generate_synthetic writes at --scale 1 (dashboard/synthetic.py, Sizes): 200
# parties, 2,000 platforms and 667 aliases, 10,000 people, 100,000 deals and as many
# citations, 20,000 sources, 1,000,000 statements.
RECORDS_AT_SCALE_1 = 1_232_867
SEED = 1
# Each run's own databases: two runs on one server (two checkouts, say) must not drop each
# other's. BENCH_DATABASE_PREFIX starts their names, where a server has its own naming rule.
PREFIX = f"{os.environ.get('BENCH_DATABASE_PREFIX', 'bench_load_')}{uuid.uuid4().hex[:8]}_"


# --- databases ----------------------------------------------------------------------------------


def on_postgresql() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def server_url(name: str) -> str:
    return urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}"))


def server_run(*statements: str) -> None:
    import psycopg

    with psycopg.connect(server_url("postgres"), autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)


class Databases:
    """Fresh, migrated, empty databases: each a copy of one template migrated once."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.template = PREFIX + "template"
        self.made: list[str] = []
        if on_postgresql():
            server_run(
                f'DROP DATABASE IF EXISTS "{self.template}"', f'CREATE DATABASE "{self.template}"'
            )
        self.made.append(self.template)
        manage(["migrate", "--noinput", "-v", "0"], url=self.url(self.template))

    def url(self, name: str) -> str:
        if on_postgresql():
            return server_url(name)
        return f"sqlite:///{self.folder / (name + '.sqlite3')}"

    def fresh(self, name: str) -> str:
        name = PREFIX + name
        if on_postgresql():
            server_run(
                f'DROP DATABASE IF EXISTS "{name}"',
                f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"',
            )
        else:
            shutil.copy(self.folder / f"{self.template}.sqlite3", self.folder / f"{name}.sqlite3")
        self.made.append(name)
        return self.url(name)

    def drop(self, url: str) -> None:
        name = urlsplit(url).path.rsplit("/", 1)[-1].removesuffix(".sqlite3")
        if on_postgresql():
            server_run(f'DROP DATABASE IF EXISTS "{name}"')
        else:
            (self.folder / f"{name}.sqlite3").unlink(missing_ok=True)
        self.made.remove(name)

    def close(self) -> None:
        for name in list(self.made):
            self.drop(self.url(name))


# --- processes ----------------------------------------------------------------------------------


def environment(url: str) -> dict[str, str]:
    # Debug off, as in production: with it on Django keeps every query in memory.
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "benchmark-" + "x" * 50,
    }


def manage(arguments: list[str], *, url: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=environment(url),
        check=True,
        stdout=subprocess.DEVNULL,
    )


def timed(command: list[str], *, url: str) -> tuple[float, float]:
    """Run a command in a new process: its wall time in seconds and its peak memory in MB, the
    resident memory of the process and its children together: the kernel's peak of the
    largest one, or the largest sum sampled."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=ROOT, env=environment(url), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    sampler = MemorySampler(process.pid)
    # Read standard error as it comes, so a chatty child cannot fill the pipe and stall.
    error = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    sampler.stop()
    process.returncode = os.waitstatus_to_exitcode(status)
    process.stderr.close()
    if process.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{error.decode()[-3000:]}")
    return seconds, max(usage.ru_maxrss * 1024, sampler.peak) / 2**20  # ru_maxrss is in KB


class MemorySampler:
    """The largest resident memory of a process and its children together, sampled every
    20 ms from /proc (pages a forked child still shares with its parent count twice)."""

    def __init__(self, pid: int):
        self.pid = pid
        self.peak = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._done.wait(0.02):
            self.peak = max(self.peak, sum(map(resident_bytes, family(self.pid))))


def family(pid: int) -> list[int]:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return [pid]
    return [pid, *(member for child in children for member in family(int(child)))]


def resident_bytes(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


def manage_timed(arguments: list[str], *, url: str) -> tuple[float, float]:
    return timed([sys.executable, "manage.py", *arguments], url=url)


# --- the fixture --------------------------------------------------------------------------------


def scale_for(records: int) -> float:
    return round(records / RECORDS_AT_SCALE_1, 6)


def fixtures_write(records: int, folder: Path, *, url: str) -> tuple[Path, Path, int]:
    """The synthetic data of about `records` records as JSON Lines and as JSON; and its count."""
    scale = scale_for(records)
    lines, array = folder / f"synthetic-{records}.jsonl", folder / f"synthetic-{records}.json"
    for path in (lines, array):
        manage(
            [
                "generate_synthetic",
                "--scale",
                str(scale),
                "--seed",
                str(SEED),
                "--fixture",
                str(path),
            ],
            url=url,
        )
    with lines.open("rb") as stream:
        count = sum(1 for line in stream if line.strip())
    return lines, array, count


# --- COPY ----------------------------------------------------------------------------------------


def tables_in_order(url: str) -> list[tuple[str, list[str]]]:
    """The dashboard's data tables (no history, no data version) with their columns, each after
    those its foreign keys point to."""
    import psycopg

    with psycopg.connect(url) as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename LIKE 'dashboard\\_%' "
                "AND tablename NOT LIKE 'dashboard\\_historical%' "
                # The cache's data version is no data: migrate writes its one row.
                "AND tablename <> 'dashboard_dataversion'"
            )
        ]
        edges = connection.execute(
            "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint "
            "WHERE contype = 'f'"
        ).fetchall()
        columns = {
            table: [
                name
                for (name,) in connection.execute(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position",
                    [table],
                )
            ]
            for table in tables
        }
    needs = {
        table: {to for source, to in edges if source == table and to != table} for table in tables
    }
    ordered: list[str] = []
    while len(ordered) < len(tables):
        ready = sorted(t for t in tables if t not in ordered and needs[t] <= set(ordered))
        if not ready:
            raise SystemExit(
                f"Foreign keys go round in a circle among {set(tables) - set(ordered)}"
            )
        ordered += ready
    return [(table, columns[table]) for table in ordered]


def rows_dump(url: str, folder: Path) -> None:
    """Write each data table's rows to FOLDER/TABLE.csv, and the order to load them in."""
    import psycopg

    order = tables_in_order(url)
    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        for table, columns in order:
            names = ", ".join(f'"{c}"' for c in columns)
            with (
                (folder / f"{table}.csv").open("wb") as out,
                cursor.copy(f'COPY "{table}" ({names}) TO STDOUT (FORMAT csv)') as copy,
            ):
                for data in copy:
                    out.write(data)
    (folder / "order.json").write_text(json.dumps(order), encoding="utf-8")


def rows_copy_in(folder: Path) -> None:
    """In this process: COPY every table's CSV file into DATABASE_URL, in one transaction, then
    move each table's id sequence past its rows, as a real load must."""
    import psycopg

    order = json.loads((folder / "order.json").read_text(encoding="utf-8"))
    with psycopg.connect(os.environ["DATABASE_URL"]) as connection, connection.cursor() as cursor:
        for table, columns in order:
            names = ", ".join(f'"{c}"' for c in columns)
            with (
                (folder / f"{table}.csv").open("rb") as source,
                cursor.copy(f'COPY "{table}" ({names}) FROM STDIN (FORMAT csv)') as copy,
            ):
                while data := source.read(1 << 20):
                    copy.write(data)
        for table, columns in order:
            if "id" in columns:
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), max(id)) FROM "
                    f'"{table}" HAVING max(id) IS NOT NULL',
                    [f'"{table}"'],
                )


def row_counts(url: str) -> dict[str, int]:
    """Rows in each dashboard data table: every way of loading must leave the same."""
    if not on_postgresql():
        return {}
    import psycopg

    with psycopg.connect(url) as connection:
        return {
            table: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            for table, _ in tables_in_order(url)
        }


# --- the runs -----------------------------------------------------------------------------------


def size_measure(records: int, *, databases: Databases, folder: Path, loaddata: bool) -> list:
    lines, array, count = fixtures_write(records, folder, url=databases.url(databases.template))
    print(f"{count:,} records (scale {scale_for(records)})", file=sys.stderr)
    rows, counts = [], {}
    copy_folder = folder / f"copy-{records}"
    runs = [("load_fixtures", "JSON Lines", lines), ("load_fixtures", "JSON", array)]
    if loaddata:
        runs.append(("loaddata", "JSON", array))
    for tool, form, path in runs:
        url = databases.fresh(f"{records}")
        try:
            command = [tool, str(path)] + (["-v", "0"] if tool == "load_fixtures" else [])
            seconds, peak = manage_timed(command, url=url)
            again = manage_timed(command, url=url)[0] if tool == "load_fixtures" else None
            counts[(tool, form)] = row_counts(url)
            if on_postgresql() and not copy_folder.exists():
                copy_folder.mkdir()
                rows_dump(url, copy_folder)
        finally:
            databases.drop(url)
        rows.append(_row(count, tool, form, path, seconds, again, peak))
    if on_postgresql():
        url = databases.fresh(f"{records}")
        try:
            command = [sys.executable, "bench/load.py", "--copy-in", str(copy_folder)]
            seconds, peak = timed(command, url=url)
            counts[("COPY", "CSV")] = row_counts(url)
        finally:
            databases.drop(url)
        csv_bytes = sum(p.stat().st_size for p in copy_folder.glob("*.csv"))
        rows.append(_row(count, "COPY", "CSV", None, seconds, None, peak, size=csv_bytes))
    if len({json.dumps(c, sort_keys=True) for c in counts.values()}) > 1:
        raise SystemExit(f"The loads left different rows: {counts}")
    for row in rows:
        row["rows"] = counts[(row["command"], row["format"])]
    for path in (lines, array):
        path.unlink()
    return rows


def _row(count, tool, form, path, seconds, again, peak, *, size=None) -> dict:
    size = path.stat().st_size if size is None else size
    row = {
        "records": count,
        "command": tool,
        "format": form,
        "file_mb": round(size / 2**20, 1),
        "seconds": round(seconds, 2),
        "reload_seconds": None if again is None else round(again, 2),
        "peak_mb": round(peak, 1),
    }
    print(f"  {count:>9,} {tool:<13} {form:<10} {seconds:7.2f} s {peak:7.1f} MB", file=sys.stderr)
    return row


def ratios_add(rows: list[dict]) -> None:
    for row in rows:
        same = [r for r in rows if r["records"] == row["records"]]
        loaddata = next((r for r in same if r["command"] == "loaddata"), None)
        copy = next((r for r in same if r["command"] == "COPY"), None)
        mine = row["command"] == "load_fixtures"
        row["loaddata_over_this"] = (
            round(loaddata["seconds"] / row["seconds"], 1) if mine and loaddata else None
        )
        row["this_over_copy"] = (
            round(row["seconds"] / copy["seconds"], 1) if mine and copy else None
        )


def markdown(rows: list[dict], *, engine: str) -> str:
    lines = [
        f"Database: {engine}; {platform.machine()}, {os.cpu_count()} cores.",
        "",
        "| records | command | format | file MB | seconds | again, unchanged | peak MB "
        "| loaddata ÷ this | this ÷ COPY |",
        "| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        again = "" if row["reload_seconds"] is None else f"{row['reload_seconds']:.2f}"
        faster = f"{row['loaddata_over_this']}×" if row["loaddata_over_this"] else ""
        slower = f"{row['this_over_copy']}×" if row["this_over_copy"] else ""
        lines.append(
            f"| {row['records']:,} | {row['command']} | {row['format']} | {row['file_mb']} "
            f"| {row['seconds']:.2f} | {again} | {row['peak_mb']:.0f} | {faster} | {slower} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--records",
        type=int,
        nargs="+",
        default=[100_000],
        help="record counts; one count N also runs N/4 and 4N, to show how memory grows",
    )
    parser.add_argument(
        "--loaddata-up-to",
        type=int,
        default=None,
        metavar="N",
        help="time loaddata only at sizes up to N records (default: up to the one count given, "
        "or every size; it takes about 5 minutes per 100,000 records on PostgreSQL)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--results", type=Path, default=RESULTS, help="the folder the figures are written to"
    )
    parser.add_argument("--copy-in", type=Path, help=argparse.SUPPRESS)  # the COPY process
    options = parser.parse_args()
    if options.copy_in:
        rows_copy_in(options.copy_in)
        return
    if len(options.records) == 1:
        main_size = options.records[0]
        sizes = [main_size // 4, main_size, main_size * 4]
        up_to = main_size if options.loaddata_up_to is None else options.loaddata_up_to
    else:
        sizes = sorted(set(options.records))
        up_to = options.loaddata_up_to if options.loaddata_up_to is not None else max(sizes)
    engine = "PostgreSQL" if on_postgresql() else "SQLite"
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-load-") as folder:
        databases = Databases(Path(folder))
        try:
            for size in sizes:
                rows += size_measure(
                    size, databases=databases, folder=Path(folder), loaddata=size <= up_to
                )
        finally:
            databases.close()
    ratios_add(rows)
    results_write(rows, engine=engine, path=options.json, folder=options.results)


def results_write(rows: list[dict], *, engine: str, path: Path | None, folder: Path) -> None:
    table = markdown(rows, engine=engine)
    print(table)
    document = {
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "engine": engine,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}",
        "seed": SEED,
        "runs": rows,
        "table": table,
    }
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    text = json.dumps(document, indent=2, ensure_ascii=False)
    (folder / f"load-{engine.lower()}-{stamp}.json").write_text(text, encoding="utf-8")
    if path:
        path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
