"""A smoke run of the benchmark at a tiny scale: it runs end to end and reports every page."""

import json
import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SERVER = "postgres://postgres@127.0.0.1:5432"


def postgres_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=2).close()
        return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(not postgres_answers(), reason="no PostgreSQL server on 127.0.0.1:5432")
@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the benchmark makes its own PostgreSQL database: one run, in the SQLite pass",
)
def test_benchmark_smoke_run_reports_every_page(tmp_path):
    import psycopg

    name = f"bench_smoke_{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": f"{SERVER}/{name}",
        "BENCH_REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
    }
    try:
        result = subprocess.run(
            [
                sys.executable,
                "bench/run.py",
                "--scale",
                "0.001",
                "--requests",
                "6",
                "--concurrency",
                "2",
                "--workers",
                "2",
                "--port",
                str(free_port()),
                "--results",
                str(tmp_path),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        table = result.stdout
        for page in [
            "trivial view",
            "overview",
            "deals, filtered",
            "statements",
            "search",
            "deal page",
            "party pair",
            "CSV export",
        ]:
            assert f"| {page}" in table
        (written,) = tmp_path.glob("run-*.json")
        data = json.loads(written.read_text())
        assert data["pages"][0]["page"] == "trivial view" and data["pages"][0]["ratio"] == 1
        assert all(row["requests"] >= 2 and row["median_ms"] > 0 for row in data["pages"])
    finally:
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.skipif(not postgres_answers(), reason="no PostgreSQL server on 127.0.0.1:5432")
@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the benchmark makes its own PostgreSQL databases: one run, in the SQLite pass",
)
def test_loader_benchmark_smoke_run_compares_the_three_ways(tmp_path):
    """bench/load.py at a few hundred records on PostgreSQL: load_fixtures, loaddata and COPY
    each leave the same rows in every table, and each gets a time."""
    out = tmp_path / "load.json"
    result = subprocess.run(
        [
            sys.executable,
            "bench/load.py",
            "--records",
            "300",
            "600",
            "--loaddata-up-to",
            "300",
            "--json",
            str(out),
            "--results",
            str(tmp_path / "results"),
        ],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": f"{SERVER}/postgres"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    runs = json.loads(out.read_text())["runs"]
    sizes = sorted({run["records"] for run in runs})
    small, large = ([run for run in runs if run["records"] == n] for n in sizes)
    assert {run["command"] for run in small} == {"load_fixtures", "loaddata", "COPY"}
    assert {run["command"] for run in large} == {"load_fixtures", "COPY"}  # loaddata up to 300
    for same_size in (small, large):
        rows = [run["rows"] for run in same_size]
        assert all(counts == rows[0] for counts in rows) and rows[0]["dashboard_statement"] > 0
    assert all(run["reload_seconds"] for run in runs if run["command"] == "load_fixtures")
    assert "| load_fixtures |" in result.stdout and "| COPY |" in result.stdout
    assert len(list((tmp_path / "results").glob("load-*.json"))) == 1
