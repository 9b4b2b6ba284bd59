"""Database outage and no-lost-data benchmark.

Runs the app under gunicorn against a PostgreSQL cluster that this script may stop (never the shared one),
drives it with readers (dashboard, list, incident pages), analysts (log in, enter a new incident, submit it)
and reviewers (approve submitted incidents in the admin), stops the cluster during the load and starts it
again, then checks:

- readers: what they got during the outage (a 503 page, how fast) and how long after the database returned
  the app served 200s again, with the same gunicorn workers (no restart);
- no data lost: every save a user was told succeeded is in the database with its history row and review
  decision; a save the user was told failed is listed (and whether it happened anyway).

Create a cluster of your own first (as root), e.g.:

    pg_createcluster 15 outage --port 5433 && pg_ctlcluster --skip-systemctl-redirect 15 outage start
    createdb -h 127.0.0.1 -p 5433 -U postgres casualties_bench      # trust auth for 127.0.0.1 in its pg_hba.conf
    .venv/bin/python bench/outage.py --database-url postgres://postgres@127.0.0.1:5433/casualties_bench \\
        --cluster "15 outage"
"""

import argparse
import collections
import datetime
import html
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import psycopg2
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.server import Gunicorn, environment, manage  # noqa: E402

PASSWORD = "outage-Bench-passw0rd"  # noqa: S105 (local, loopback-only benchmark users)
TIMEOUT = 30
RUN = f"{int(time.time()) % 10**6:06d}"


class Journal:
    """What every simulated user did and was told, with timestamps relative to the start."""

    def __init__(self):
        self.lock = threading.Lock()
        self.started = time.monotonic()
        self.reads = []  # (t, seconds, status or "error: …")
        self.saves = []  # dicts: kind, code, pk, told ("ok" | "failed: …"), t

    def now(self):
        return time.monotonic() - self.started

    def read(self, t, seconds, status):
        with self.lock:
            self.reads.append((t, seconds, status))

    def save(self, **entry):
        with self.lock:
            self.saves.append({**entry, "t": self.now()})


def csrf(session, url):
    session.get(url, timeout=TIMEOUT)
    return session.cookies.get("csrftoken", "")


def log_in(base, username):
    session = requests.Session()
    token = csrf(session, base + "/accounts/login/")
    response = session.post(
        base + "/accounts/login/",
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": base + "/accounts/login/"},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    if response.status_code != 302:
        raise RuntimeError(f"{username} could not log in: {response.status_code}")
    return session


def reader(base, codes, journal, stop):
    paths = ["/", "/incidents/", *(f"/incidents/{code}/" for code in codes)]
    number = 0
    while not stop.is_set():
        path = paths[number % len(paths)] if number % 3 < 2 else paths[2 + number % (len(paths) - 2)]
        number += 1
        t = journal.now()
        started = time.monotonic()
        try:
            status = requests.get(base + path, timeout=TIMEOUT).status_code
        except requests.RequestException as error:
            status = f"error: {type(error).__name__}"
        journal.read(t, time.monotonic() - started, status)


def incident_form(code, references, day):
    return {
        "code": code,
        "title": f"Outage benchmark {code}",
        "summary": "Entered while the database may be down.",
        "date_start": day.isoformat(),
        "date_precision": "day",
        "country": "Iraq",
        "governorate": "Nineveh",
        "place_name": f"Place {code}",
        "location_precision": "town",
        "strike_status": "declared",
        "grading": "fair",
        "civilian_harm_reported": "true",
        "belligerents-TOTAL_FORMS": "1",
        "belligerents-INITIAL_FORMS": "0",
        "belligerents-0-belligerent": str(references["belligerent"]),
        "belligerents-0-role": "declared",
        "sources-TOTAL_FORMS": "1",
        "sources-INITIAL_FORMS": "0",
        "sources-0-url": f"https://example.org/{code}",
        "sources-0-publisher": "Example Wire",
        "assessments-TOTAL_FORMS": "1",
        "assessments-INITIAL_FORMS": "0",
        "assessments-0-assessor": str(references["monitor"]),
        "assessments-0-verdict": "fair",
        "assessments-0-assessed_on": day.isoformat(),
        "assessments-0-killed_min": "1",
        "assessments-0-killed_max": "3",
        "not_a_duplicate": "on",
    }


def analyst(base, name, references, journal, stop, submitted):
    session = log_in(base, name)
    number = 0
    while not stop.is_set():
        number += 1
        code = f"OUT-{RUN}-{name[-1]}-{number}"  # unique across runs: a taken code is refused
        day = datetime.date(2017, 1, 1) + datetime.timedelta(days=number)
        try:
            token = session.cookies.get("csrftoken", "")
            response = session.post(
                base + "/work/incidents/new/",
                {**incident_form(code, references, day), "csrfmiddlewaretoken": token},
                headers={"Referer": base + "/work/incidents/new/"},
                allow_redirects=False,
                timeout=TIMEOUT,
            )
        except requests.RequestException as error:
            journal.save(kind="create", code=code, pk=None, told=f"failed: {type(error).__name__}")
            continue
        found = re.search(r"/work/incidents/([^/]+)/$", response.headers.get("Location", ""))
        if response.status_code != 302 or not found:
            journal.save(kind="create", code=code, pk=None, told=f"failed: HTTP {response.status_code}")
            time.sleep(0.5)
            continue
        pk = found.group(1)  # the staff page is addressed by the incident's code
        journal.save(kind="create", code=code, pk=pk, told="ok")
        submit(base, session, code, pk, journal, submitted)


def submit(base, session, code, pk, journal, submitted):
    """Submitting redirects to the incident page either way; the message there says whether it worked."""
    try:
        response = session.post(
            f"{base}/work/incidents/{pk}/submit/",
            {"csrfmiddlewaretoken": session.cookies.get("csrftoken", "")},
            headers={"Referer": f"{base}/work/incidents/{pk}/"},
            timeout=TIMEOUT,
        )
    except requests.RequestException as error:
        journal.save(kind="submit", code=code, pk=pk, told=f"failed: {type(error).__name__}")
        return
    if response.status_code == 200 and "was sent for review" in response.text:
        journal.save(kind="submit", code=code, pk=pk, told="ok")
        submitted.append((pk, code))
    else:
        journal.save(kind="submit", code=code, pk=pk, told=f"failed: HTTP {response.status_code}")


def reviewer(base, name, journal, stop, submitted):
    """Approves each submitted incident from the workbench's decision page, as a reviewer does from the queue."""
    session = log_in(base, name)
    while not stop.is_set():
        try:
            pk, code = submitted.popleft()
        except IndexError:
            time.sleep(0.2)
            continue
        decide = f"{base}/work/incidents/{code}/review/"
        try:
            page = session.get(decide, timeout=TIMEOUT).text
            seen = re.search(r'name="seen" value="([^"]*)"', page)
            response = session.post(
                decide,
                {
                    "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""),
                    "decision": "approve",
                    "comment": "Checked during the outage benchmark.",
                    "seen": html.unescape(seen.group(1)) if seen else "",  # what the page showed
                },
                headers={"Referer": decide},
                timeout=TIMEOUT,
            )
        except requests.RequestException as error:
            journal.save(kind="approve", code=code, pk=pk, told=f"failed: {type(error).__name__}")
            continue
        if response.status_code == 200 and f"Approve: {code} " in response.text:
            journal.save(kind="approve", code=code, pk=pk, told="ok")
        else:
            journal.save(kind="approve", code=code, pk=pk, told=f"failed: HTTP {response.status_code}")
            submitted.append((pk, code))  # try again later, as a reviewer would
            time.sleep(0.5)


def cluster(action, name):
    version, cluster_name = name.split()
    subprocess.run(
        [
            "pg_ctlcluster",
            "--skip-systemctl-redirect",
            version,
            cluster_name,
            action,
            *(["-m", "fast"] if action == "stop" else []),
        ],
        check=True,
    )


def worker_pids(master_pid):
    result = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master_pid)], capture_output=True, text=True)
    return sorted(int(pid) for pid in result.stdout.split())


def db(url):
    parts = urlparse(url)
    return psycopg2.connect(
        dbname=parts.path.lstrip("/"),
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
    )


def prepare(url):
    manage(url, "migrate", "--noinput", "-v0")
    env = environment(url, CREATE_USER_PASSWORD=PASSWORD)
    for name, role in [("out-analyst-1", "analyst"), ("out-analyst-2", "analyst"), ("out-analyst-3", "analyst")] + [
        ("out-reviewer-1", "reviewer"),
        ("out-reviewer-2", "reviewer"),
    ]:
        subprocess.run(
            [sys.executable, "manage.py", "create_user", name, "--role", role],
            cwd=Path(__file__).resolve().parent.parent,
            env=env,
            check=True,
            capture_output=True,
        )
    with db(url) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT id FROM reports_belligerent WHERE slug = 'us-led-coalition'")
        belligerent = cursor.fetchone()[0]
        cursor.execute("SELECT id FROM reports_assessor WHERE slug = 'airwars'")
        monitor = cursor.fetchone()[0]
        cursor.execute("SELECT code FROM reports_incident WHERE review_state = 'published' ORDER BY id LIMIT 200")
        codes = [row[0] for row in cursor.fetchall()]
        cursor.execute("DELETE FROM axes_accessattempt")  # earlier runs' failures must not lock these users out
    manage(url, "collectstatic", "--noinput", "-v0")
    return {"belligerent": belligerent, "monitor": monitor}, codes


def check(url, saves):
    """Every save the user was told succeeded is in the database, with its history and decision rows."""
    problems, happened_anyway = [], []
    with db(url) as connection, connection.cursor() as cursor:
        for save in saves:
            if save["kind"] == "create":
                cursor.execute(
                    "SELECT i.id,"
                    " (SELECT COUNT(*) FROM reports_historicalincident h WHERE h.id = i.id AND h.history_type = '+'),"
                    " (SELECT COUNT(*) FROM reports_source s WHERE s.incident_id = i.id),"
                    " (SELECT COUNT(*) FROM reports_assessment a WHERE a.incident_id = i.id)"
                    " FROM reports_incident i WHERE i.code = %s",
                    [save["code"]],
                )
                row = cursor.fetchone()
                exists = row is not None
                complete = exists and row[1] == 1 and row[2] == 1 and row[3] == 1
            else:
                to_state = "pending" if save["kind"] == "submit" else "published"
                cursor.execute(
                    "SELECT COUNT(*) FROM reports_reviewdecision WHERE incident_id = %s AND to_state = %s",
                    [save["pk"], to_state],
                )
                exists = complete = cursor.fetchone()[0] == 1
            if save["told"] == "ok" and not complete:
                problems.append(save)
            retried_ok = any(
                later["kind"] == save["kind"]
                and later["pk"] == save["pk"]
                and later["told"] == "ok"
                and later["t"] > save["t"]
                for later in saves
                if save["pk"] is not None
            )
            if save["told"] != "ok" and exists and not retried_ok:
                happened_anyway.append(save)
    return problems, happened_anyway


def summarise_reads(reads, down_at, up_at):
    def is_ok(status):
        return status == 200

    # By when the answer came: a request sent just before the stop may be answered after it.
    before = [r for r in reads if r[0] + r[1] < down_at]
    during = [r for r in reads if down_at <= r[0] + r[1] < up_at]
    after = [r for r in reads if r[0] + r[1] >= up_at]
    print(
        f"readers, before the outage: {len(before)} requests, {sum(is_ok(r[2]) for r in before)} × 200, "
        f"statuses {dict(collections.Counter(r[2] for r in before))}"
    )
    if during:
        seconds = sorted(r[1] for r in during if r[2] == 503)
        print(
            f"readers, database down ({up_at - down_at:.0f} s): {len(during)} requests, statuses "
            f"{dict(collections.Counter(r[2] for r in during))}"
        )
        if seconds:
            print(
                f"  503 answered in: median {statistics.median(seconds) * 1000:.0f} ms,"
                f" slowest {seconds[-1] * 1000:.0f} ms"
            )
    last_bad = max((r[0] + r[1] for r in reads if r[0] + r[1] >= down_at and r[2] != 200), default=None)
    first_good_after = min((r[0] + r[1] for r in after if is_ok(r[2])), default=None)
    if first_good_after is not None:
        print(f"  first 200 after the database came back: {first_good_after - up_at:.1f} s after it was started")
    if last_bad is not None:
        print(f"  last non-200 answer: {last_bad - up_at:+.1f} s relative to the restart")
    print(f"readers, after: {len(after)} requests, statuses {dict(collections.Counter(r[2] for r in after))}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--cluster", required=True, help='the pg_ctlcluster version and name, e.g. "15 outage"')
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--down-at", type=float, default=20)
    parser.add_argument("--down-for", type=float, default=15)
    parser.add_argument("--readers", type=int, default=16)
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: gunicorn.conf.py's)")
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()
    if urlparse(args.database_url).port in (None, 5432):
        sys.exit("Refusing: this stops the database server. Give a cluster of your own on another port.")

    references, codes = prepare(args.database_url)
    log_path = Path(tempfile.gettempdir()) / "bench-outage-gunicorn.log"
    server = Gunicorn(args.database_url, args.port, log_path, workers=args.workers)
    workers_before = worker_pids(server.process.pid)
    journal, stop, submitted = Journal(), threading.Event(), collections.deque()
    threads = [threading.Thread(target=reader, args=(server.url, codes, journal, stop)) for _ in range(args.readers)]
    threads += [
        threading.Thread(target=analyst, args=(server.url, f"out-analyst-{n}", references, journal, stop, submitted))
        for n in (1, 2, 3)
    ]
    threads += [
        threading.Thread(target=reviewer, args=(server.url, f"out-reviewer-{n}", journal, stop, submitted))
        for n in (1, 2)
    ]
    down_at = up_at = None
    try:
        journal.started = time.monotonic()
        for thread in threads:
            thread.start()
        time.sleep(args.down_at)
        down_at = journal.now()
        cluster("stop", args.cluster)
        print(f"{down_at:5.1f} s  PostgreSQL stopped", flush=True)
        time.sleep(args.down_for)
        cluster("start", args.cluster)
        up_at = journal.now()
        print(f"{up_at:5.1f} s  PostgreSQL started", flush=True)
        time.sleep(max(0, args.duration - up_at))
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=TIMEOUT + 5)
        if down_at is not None and up_at is None:
            cluster("start", args.cluster)
        workers_after = worker_pids(server.process.pid)
        server.stop()

    print()
    summarise_reads(journal.reads, down_at, up_at)
    print(
        f"gunicorn workers before {workers_before}, after {workers_after}: "
        f"{'the same, no restart' if workers_before == workers_after else 'CHANGED'}"
    )
    counts = collections.Counter((save["kind"], save["told"] == "ok") for save in journal.saves)
    for kind in ("create", "submit", "approve"):
        print(f"{kind:8} told ok: {counts[(kind, True)]:4}   told failed: {counts[(kind, False)]:4}")
    failures = collections.Counter(save["told"] for save in journal.saves if save["told"] != "ok")
    print(f"what users were told when a save failed: {dict(failures)}")
    problems, anyway = check(args.database_url, journal.saves)
    print(f"saves told ok but missing or incomplete in the database: {len(problems)} {problems[:5]}")
    # Typically the action was committed and the page after its redirect met the stopped database: the user
    # saw the 503 page although the save had happened. Retrying is safe (a taken code or a decided incident
    # is refused with a message), and nothing is lost.
    anyway_items = {(save["kind"], save["code"]) for save in anyway}
    print(
        f"saves told failed that had happened (a later page failed, not the save; nothing lost): {len(anyway_items)}"
        f" {dict(collections.Counter(kind for kind, _code in anyway_items))}"
    )
    print("NO DATA LOST" if not problems else "DATA LOST")


if __name__ == "__main__":
    main()
