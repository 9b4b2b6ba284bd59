"""The read-replica router with two real database aliases: `default` (the primary) and `replica`, here two
SQLite files where the replica is a copy taken before the last write (replication lag made visible).
Anonymous reads come from the replica; staff pages and every write use the primary, so staff read their own
writes at once. Runs in a fresh process, since the aliases come from DATABASE_REPLICA_URL at start-up."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHECK = """
import json
from django.db import router
from django.test import Client
from reports.models import Incident
from reports.roles import create_user_in_role
from tests.factories import make_incident

lagging = make_incident(code="CS-LAG")        # written to the primary after the replica was copied
staff, _ = create_user_in_role("rita-reviewer", "reviewer", "a-long-Test-passw0rd")
reader, analyst = Client(), Client()
analyst.force_login(staff)
print(json.dumps({
    "write_db": router.db_for_write(Incident),
    "read_outside_requests": router.db_for_read(Incident),
    "reader_sees_old": reader.get("/incidents/CS-OLD/").status_code,
    "reader_sees_lagging": reader.get("/incidents/CS-LAG/").status_code,
    "staff_sees_lagging": analyst.get(f"/work/incidents/{lagging.code}/").status_code,
    "reader_list_mentions_lagging": "CS-LAG" in reader.get("/incidents/").content.decode(),
}))
"""

SEED = """
from tests.factories import make_incident
make_incident(code="CS-OLD")
"""


def run(code, **env):
    full_env = {**os.environ, "HTTPS": "off", "ALLOWED_HOSTS": "testserver", "LOG_LEVEL": "ERROR", **env}
    if "DATABASE_REPLICA_URL" not in env:
        full_env.pop("DATABASE_REPLICA_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", *code], cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_public_reads_go_to_the_replica_and_staff_read_their_writes(tmp_path):
    primary, replica = tmp_path / "primary.sqlite3", tmp_path / "replica.sqlite3"
    primary_url = f"sqlite:///{primary}"
    run(["migrate", "-v0"], DATABASE_URL=primary_url)
    run(["collectstatic", "--noinput", "-v0"], DATABASE_URL=primary_url)  # pages name the hashed stylesheet
    run(["shell", "--no-imports", "-c", SEED], DATABASE_URL=primary_url)
    shutil.copy(primary, replica)  # the replica as of now; the next writes reach the primary only

    output = run(
        ["shell", "--no-imports", "-c", CHECK], DATABASE_URL=primary_url, DATABASE_REPLICA_URL=f"sqlite:///{replica}"
    )
    seen = json.loads(output.strip().splitlines()[-1])
    assert seen == {
        "write_db": "default",
        "read_outside_requests": "default",  # commands and background work read the primary
        "reader_sees_old": 200,  # from the replica
        "reader_sees_lagging": 404,  # not replicated yet: readers are served by the replica
        "staff_sees_lagging": 200,  # staff read the primary: their own writes at once
        "reader_list_mentions_lagging": False,
    }
