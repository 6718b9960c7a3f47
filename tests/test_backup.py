"""Backups that move between databases: the whole data set, dumped with natural keys from
SQLite, loaded into an empty PostgreSQL database, dumped again and loaded into an empty SQLite
file, comes back record for record and field for field."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import dj_database_url
import psycopg
import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = sorted(str(path) for path in (ROOT / "fixtures").glob("*.json"))
# What the README's backup command leaves out: rows Django rebuilds itself, and logs.
EXCLUDED = ["contenttypes", "auth.permission", "sessions", "admin.logentry"]

RESTORE = f"""
import sys
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0, interactive=False)
for path in sys.argv[2:]:
    call_command("loaddata", path, verbosity=0)
call_command(
    "dumpdata",
    natural_foreign=True,
    natural_primary=True,
    exclude={EXCLUDED!r},
    indent=1,
    output=sys.argv[1],
)
"""


def postgres_server():
    """Connection settings for a PostgreSQL server to make a scratch database on: the one
    DATABASE_URL names, else the usual local one."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        config = dj_database_url.parse(url)
    else:
        config = {"HOST": "127.0.0.1", "PORT": 5432, "USER": "postgres", "PASSWORD": ""}
    server = {
        "host": config["HOST"] or "127.0.0.1",
        "port": int(config["PORT"] or 5432),
        "user": config["USER"] or "postgres",
        "password": config["PASSWORD"] or "",
    }
    try:
        psycopg.connect(dbname="postgres", connect_timeout=3, **server).close()
    except psycopg.OperationalError as error:
        if url.startswith(("postgres://", "postgresql://")):
            raise
        pytest.skip(f"No PostgreSQL answers on 127.0.0.1:5432 to round-trip through ({error}).")
    return server


@pytest.fixture
def scratch_postgres():
    """An empty PostgreSQL database of its own, dropped afterwards; yields its URL."""
    server = postgres_server()
    name = f"backup_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    password = f":{server['password']}" if server["password"] else ""
    try:
        yield f"postgres://{server['user']}{password}@{server['host']}:{server['port']}/{name}"
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def restore_and_dump(database_url, output, *inputs):
    """Migrate an empty database, load `inputs` into it and dump it to `output`, all in a
    fresh process, as an operator would."""
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="config.test_settings")
    process = subprocess.run(
        [sys.executable, "-c", RESTORE, str(output), *map(str, inputs)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert process.returncode == 0, process.stderr
    return json.loads(Path(output).read_text())


def comparable(dump):
    """The records as a sorted list, with many-to-many lists sorted (their order is the
    database's choice, not data)."""
    records = []
    for record in dump:
        model = apps.get_model(record["model"])
        fields = {
            name: sorted(value, key=json.dumps)
            if model._meta.get_field(name).many_to_many
            else value
            for name, value in record["fields"].items()
        }
        records.append({**record, "fields": fields})
    return sorted(records, key=lambda record: json.dumps(record, sort_keys=True))


def test_a_backup_moves_from_sqlite_to_postgresql_and_back(tmp_path, scratch_postgres):
    assert FIXTURES, "no fixtures to back up"
    from_sqlite = restore_and_dump(
        f"sqlite:///{tmp_path / 'first.sqlite3'}", tmp_path / "from-sqlite.json", *FIXTURES
    )
    from_postgres = restore_and_dump(
        scratch_postgres, tmp_path / "from-postgres.json", tmp_path / "from-sqlite.json"
    )
    back_in_sqlite = restore_and_dump(
        f"sqlite:///{tmp_path / 'second.sqlite3'}",
        tmp_path / "back-in-sqlite.json",
        tmp_path / "from-postgres.json",
    )

    models = {record["model"] for record in from_sqlite}
    assert {"dashboard.deal", "dashboard.statement", "dashboard.source"} <= models
    assert len(from_sqlite) > 50
    assert comparable(from_postgres) == comparable(from_sqlite)
    assert comparable(back_in_sqlite) == comparable(from_sqlite)
