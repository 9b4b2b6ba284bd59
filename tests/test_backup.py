"""`manage.py backup` then `manage.py restore` into an empty database gives back the same figures: the
restored database serves the same /tallies.json. On PostgreSQL through pg_dump/pg_restore, on SQLite
through its backup API."""

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from tests.factories import make_assessment, make_incident, make_statement, official_assessor

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps the reference rows
ROOT = Path(__file__).resolve().parent.parent


def tallies_served_by(database_url):
    """/tallies.json as a fresh process serves it from `database_url`."""
    code = (
        "from django.test import Client; import sys; sys.stdout.write(Client().get('/tallies.json').content.decode())"
    )
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "HTTPS": "off",
        "ALLOWED_HOSTS": "testserver",
        "LOG_LEVEL": "ERROR",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def restore_into(database_url, dump):
    env = {**os.environ, "DATABASE_URL": database_url, "HTTPS": "off", "LOG_LEVEL": "ERROR"}
    return subprocess.run(
        [sys.executable, "manage.py", "restore", str(dump)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def empty_database(tmp_path):
    """A URL for an empty database of the same kind as the test database; dropped afterwards."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = settings["NAME"] + "_restored"
    admin = psycopg2.connect(
        dbname="postgres",
        host=settings["HOST"],
        port=settings["PORT"],
        user=settings["USER"],
        password=settings["PASSWORD"],
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    auth = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
    yield f"postgres://{auth}@{settings['HOST']}:{settings['PORT'] or 5432}/{name}"
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def test_a_restored_backup_serves_the_same_figures(client, tmp_path, empty_database):
    for number in range(3):
        incident = make_incident(country="Iraq" if number else "Syria")
        make_assessment(incident, killed_min=2 + number, killed_max=9)
        make_assessment(incident, official_assessor(), killed_min=1, killed_max=1)
    make_statement(published_on=datetime.date(2017, 5, 31), civilians_killed=484)
    original = client.get(reverse("reports:tallies_json")).json()
    assert original["comparisons"]  # there are figures to compare

    dump = tmp_path / "backup.dump"
    call_command("backup", str(dump))
    assert dump.stat().st_size > 0
    result = restore_into(empty_database, dump)
    assert result.returncode == 0, result.stderr
    assert tallies_served_by(empty_database) == original

    again = restore_into(empty_database, dump)  # never over data already there
    assert again.returncode != 0
    assert "empty database" in again.stderr or "not empty" in again.stderr
