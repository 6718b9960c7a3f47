"""Two loads at once on SQLite: the second is told the database is busy, and to try again."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
FIXTURE = ROOT / "fixtures" / "india_russia.json"


def manage(*args, database: Path, timeout=300):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.test_settings",
        DJANGO_DEBUG="1",
        DATABASE_URL=f"sqlite:///{database}",
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="SQLite's single writer; PostgreSQL loads wait for each other",
)
def test_a_second_load_while_another_writes_says_busy_and_exits_75(tmp_path):
    database = tmp_path / "db.sqlite3"
    assert manage("migrate", "-v", "0", database=database).returncode == 0
    writer = sqlite3.connect(database, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another process holds the write lock, as a load does
    try:
        second = manage("load_fixtures", str(FIXTURE), database=database)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert second.returncode == 75, second.stderr
    assert second.stderr.splitlines() == [
        f"{FIXTURE}: The database is busy: another process is writing to it (another load?). "
        "Nothing was written; try again when it is done.",
        "CommandError: The database is busy; nothing was written. Try again.",
    ]
    again = manage("load_fixtures", str(FIXTURE), database=database)
    assert again.returncode == 0, again.stderr
    assert "86 created, 0 updated." in again.stdout
