"""Backup and restore of the whole database: pg_dump / pg_restore on PostgreSQL (custom format, no owners
or privileges, so a dump restores under any role), SQLite's online backup API on the local default.

A restore goes into an empty database only (a fresh `createdb`, or a missing SQLite file): restoring over
live data would mix two histories.
"""

import os
import shutil
import sqlite3
import subprocess  # nosec B404: runs pg_dump/pg_restore with an argument list, no shell
from pathlib import Path

from django.db import connections


class BackupError(Exception):
    """A backup or restore that cannot go ahead; its message says why."""


def _libpq(alias):
    settings = connections[alias].settings_dict
    args = ["--dbname", settings["NAME"]]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings.get(key):
            args += [flag, str(settings[key])]
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = settings["PASSWORD"]
    return args, env


def _run(command, env=None):
    program = shutil.which(command[0])
    if program is None:
        raise BackupError(f"{command[0]} is not installed (Debian: apt-get install postgresql-client).")
    result = subprocess.run([program, *command[1:]], env=env, capture_output=True, text=True)  # noqa: S603  # nosec B603
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")


def backup(path, alias="default"):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = connections[alias]
    if connection.vendor == "postgresql":
        args, env = _libpq(alias)
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(path), *args], env)
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(path) as target:
            connection.connection.backup(target)
    else:
        raise BackupError(f"No backup for {connection.vendor}.")
    return path


def restore(path, alias="default"):
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} does not exist.")
    connection = connections[alias]
    if connection.vendor == "sqlite":
        name = Path(connection.settings_dict["NAME"])
        connection.close()
        if name.exists() and name.stat().st_size > 0:
            raise BackupError(f"{name} exists: restore into an empty database (move it away first).")
        with sqlite3.connect(path) as source, sqlite3.connect(name) as target:
            source.backup(target)
        return
    if connection.vendor != "postgresql":
        raise BackupError(f"No restore for {connection.vendor}.")
    if connection.introspection.table_names():
        raise BackupError(
            f"Database {connection.settings_dict['NAME']} is not empty: restore into a new one (createdb)."
        )
    connection.close()
    args, env = _libpq(alias)
    _run(
        ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", *args, str(path)],
        env,
    )
