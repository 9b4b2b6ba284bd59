"""Load benchmark: the app as `make run` serves it (gunicorn with gunicorn.conf.py, its recount worker beside it)
against PostgreSQL with N synthetic incidents, driven from loopback by wrk at 64 connections for 60 s per page.

Measures, and prints beside issue 18's targets:
- requests/s, p50 and p99 of the dashboard, the incident list, one incident page (the one in the news), the
  figures' JSON and, as the baseline, a trivial Django view served by the same gunicorn, first and again
  right after each of those pages (the machine's speed drifts); errors and non-2xx; a page's share is the
  lower of the two ratios;
- conditional GETs of the dashboard answered 304 (If-None-Match);
- publications: a new incident published while the server is idle, then the next dashboard request's latency
  and how long until the dashboard shows figures counted for it (the recount worker's work);
- filtered dashboards with filter combinations not asked for before (cache misses), one request at a time;
- informational: incident pages at random among 1,000 (most are misses the first time) and one request to
  each page uncached.

Needs `wrk` (apt-get install -y wrk). Uses the database DATABASE_URL names (or --database-url), adding
synthetic incidents until it holds --incidents of them: give it a database of its own.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench1m .venv/bin/python bench/load.py --incidents 1000000
    .venv/bin/python bench/load.py --duration 10 --pages dashboard trivial     # a quick look
"""

import argparse
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.server import ROOT, Gunicorn, environment, manage  # noqa: E402

PAGES = {
    "trivial": "/bench/trivial/",
    "dashboard": "/",
    "list": "/incidents/",
    "incident": "/incidents/{code}/",  # one incident: the one in the news
    "tallies.json": "/tallies.json",
    "incident-random": None,  # a random one of 1,000 per request, from a Lua script
}
TARGETED = ("dashboard", "list", "incident", "tallies.json")
PUBLISH = """
import datetime
from django.utils import timezone
from reports.models import Assessment, Assessor, Belligerent, Incident, IncidentBelligerent, TallySnapshot
from reports.models.changes import changes_collected
code = "BENCH-PUB-" + timezone.now().strftime("%Y%m%d%H%M%S%f")
with changes_collected():
    incident = Incident.objects.create(
        code=code, title="Benchmark publication", date_start=datetime.date(2017, 3, 17), country="Syria",
        governorate="Raqqa", place_name="Benchmark", review_state="published", published_at=timezone.now(),
    )
    IncidentBelligerent.objects.create(incident=incident, belligerent=Belligerent.objects.get(slug="us-led-coalition"))
    Assessment.objects.create(
        incident=incident, assessor=Assessor.objects.get(slug="airwars"), verdict="fair",
        assessed_on=datetime.date(2017, 3, 20), killed_min=3, killed_max=5,
    )
print(TallySnapshot.get().data_version)
"""
COUNTED = re.compile(rb'class="counted( pending)?"[^>]*>[^<]*?from version (\d+) of the data')


def shell(database_url, code):
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT,
        env=environment(database_url),
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def synthetic_codes(database_url, count):
    code = (
        "from reports.models import Incident; "
        f"print('\\n'.join(Incident.objects.published().order_by('?').values_list('code', flat=True)[:{count}]))"
    )
    return shell(database_url, code).split()


def incident_count(database_url):
    return int(shell(database_url, "from reports.models import Incident; print(Incident.objects.count())"))


def lua_for_codes(codes):
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)  # noqa: SIM115
    script.write("paths = {" + ",".join(f'"/incidents/{code}/"' for code in codes) + "}\n")
    script.write("request = function() return wrk.format(nil, paths[math.random(#paths)]) end\n")
    script.close()
    return script.name


def to_ms(value, unit):
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def run_wrk(url, duration, connections, threads, script=None, headers=()):
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "30s", "--latency"]
    for header in headers:
        command += ["-H", header]
    if script:
        command += ["-s", script]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    figures = {"raw": output}
    figures["requests"] = int(re.search(r"(\d+) requests in", output).group(1))
    figures["rps"] = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    for percentile in ("50", "99"):
        value, unit = re.search(rf"\s{percentile}%\s+([\d.]+)(us|ms|s|m)\b", output).groups()
        figures[f"p{percentile}"] = to_ms(value, unit)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    figures["socket_errors"] = sum(int(n) for n in errors.groups()) if errors else 0
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    figures["non_2xx"] = int(non_2xx.group(1)) if non_2xx else 0
    return figures


def timed_get(url, headers=None):
    """(milliseconds, status, body, response headers) of one GET."""
    request = urllib.request.Request(url, headers=headers or {})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            body = response.read()
            status, response_headers = response.status, response.headers
    except urllib.error.HTTPError as error:  # a 304 is an "error" to urllib
        body, status, response_headers = error.read(), error.code, error.headers
    return (time.perf_counter() - started) * 1000, status, body, response_headers


def counted_version(body):
    """(version the dashboard's figures were counted from, whether newer changes are still being counted)."""
    match = COUNTED.search(body)
    return (int(match.group(2)), bool(match.group(1))) if match else (None, None)


def publications(server, database_url, trials):
    """Publish, then ask for the dashboard at once (its latency) and every 20 ms until it shows figures counted
    for the publication (seconds since the publication committed)."""
    next_request, new_figures = [], []
    for _trial in range(trials):
        version = int(shell(database_url, PUBLISH).split()[-1])
        committed = time.perf_counter()
        milliseconds, status, body, _headers = timed_get(server.url + "/")
        assert status == 200, status
        next_request.append(milliseconds)
        while True:
            counted, pending = counted_version(body)
            if counted is not None and counted >= version and not pending:
                new_figures.append(time.perf_counter() - committed)
                break
            if time.perf_counter() - committed > 30:
                new_figures.append(float("inf"))
                break
            time.sleep(0.02)
            _ms, status, body, _headers = timed_get(server.url + "/")
        time.sleep(1)
    return next_request, new_figures


def filtered_misses(server, count, live=False):
    """Filtered dashboards never asked for before: a governorate or a country, a belligerent and a span of whole
    years each (what the summary serves); with `live`, also a minimum of deaths (aggregated from the records)."""
    with urllib.request.urlopen(server.url + "/tallies.json", timeout=120) as response:
        figures = json.load(response)
    places = [("governorate", row["key"]) for row in figures["breakdowns"]["governorate"] if row["key"]]
    places += [("country", row["key"]) for row in figures["breakdowns"]["country"] if row["key"]]
    belligerents = [row["key"] for row in figures["breakdowns"]["belligerent"] if row["key"]][:3] or [""]
    timings = []
    for n in range(count):
        start = 2014 + n % 4
        dimension, place = places[n % len(places)]
        query = {
            dimension: place,
            "belligerent": belligerents[n % len(belligerents)],
            "date_from": f"{start}-01-01",
            "date_to": f"{start + 1 + n % 3}-12-31",
        }
        if live:
            query["min_killed"] = 1 + n % 5
        milliseconds, status, _body, _headers = timed_get(server.url + "/?" + urllib.parse.urlencode(query))
        assert status == 200, (query, status)
        timings.append(milliseconds)
    return timings


def alone(server, path, count, headers=None):
    """Milliseconds of `count` requests one after another on one kept-alive connection (no queueing)."""
    connection = http.client.HTTPConnection(server.url.removeprefix("http://"), timeout=60)
    timings = []
    for _n in range(count):
        started = time.perf_counter()
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        response.read()
        timings.append((time.perf_counter() - started) * 1000)
    connection.close()
    return response.status, timings


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=60, help="seconds per page (default 60)")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: gunicorn.conf.py's)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--pages", nargs="+", choices=PAGES, default=list(PAGES))
    parser.add_argument("--publications", type=int, default=10, help="publication trials (0: none)")
    parser.add_argument("--misses", type=int, default=20, help="filtered dashboards never asked for (0: none)")
    args = parser.parse_args()
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        sys.exit("Give a PostgreSQL database of its own: --database-url or DATABASE_URL=postgres://…")
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install -y wrk")

    manage(args.database_url, "migrate", "--noinput", "-v0")
    have = incident_count(args.database_url)
    if have < args.incidents:
        print(f"adding {args.incidents - have:,} synthetic incidents …", flush=True)
        manage(args.database_url, "generate_synthetic", "--incidents", str(args.incidents - have))
    manage(args.database_url, "collectstatic", "--noinput", "-v0")
    codes = synthetic_codes(args.database_url, 1000)
    script = lua_for_codes(codes)

    log_path = Path(tempfile.gettempdir()) / "bench-load-gunicorn.log"
    server = Gunicorn(args.database_url, args.port, log_path, workers=args.workers)
    results, uncached = {}, {}
    try:
        time.sleep(3)  # the recount worker's first look
        for name in args.pages:
            path = (PAGES[name] or "/incidents/{code}/").format(code=codes[0])
            uncached[name], status, _body, _headers = timed_get(server.url + path)
            assert status == 200, (name, status)
            figures = run_wrk(
                server.url + path,
                args.duration,
                args.connections,
                args.threads,
                script if name == "incident-random" else None,
            )
            results[name] = figures
            print_row(name, figures, f"(first request, uncached: {uncached[name]:.0f} ms)")
            if name in TARGETED:  # the baseline again, right after: this machine's speed drifts within minutes
                trivial = run_wrk(server.url + PAGES["trivial"], args.duration // 2, args.connections, args.threads)
                figures["adjacent_trivial_rps"] = trivial["rps"]
                print_row("  trivial again", trivial, f"(for {name}: {figures['rps'] / trivial['rps']:.0%})")
        _ms, _status, _body, headers = timed_get(server.url + "/")
        etag = {"If-None-Match": headers["ETag"]}
        results["dashboard 304"] = run_wrk(
            server.url + "/",
            args.duration,
            args.connections,
            args.threads,
            headers=[f"If-None-Match: {headers['ETag']}"],
        )
        print_row("dashboard 304", results["dashboard 304"], "(If-None-Match)")
        singles = {"304 alone": alone(server, "/", 500, etag), "200 alone (kept)": alone(server, "/", 500)}
        for name, (status, timings) in singles.items():
            print(f"{name:17} status {status}  p50 {statistics.median(timings):.2f} ms  max {max(timings):.1f} ms")
        next_request, new_figures = publications(server, args.database_url, args.publications)
        misses = filtered_misses(server, args.misses) if args.misses else []
        live_misses = filtered_misses(server, args.misses, live=True) if args.misses else []
    finally:
        server.stop()
        os.unlink(script)
    report(args, results, singles, next_request, new_figures, misses, live_misses)


def print_row(name, figures, note):
    print(
        f"{name:15} {figures['requests']:>7} requests  {figures['rps']:8.1f}/s  p50 {figures['p50']:8.2f} ms"
        f"  p99 {figures['p99']:8.1f} ms  errors {figures['socket_errors']}  non-2xx {figures['non_2xx']}  {note}",
        flush=True,
    )


def report(args, results, singles, next_request, new_figures, misses, live_misses):
    print()
    print(f"{args.incidents:,} incidents, PostgreSQL, gunicorn as gunicorn.conf.py sizes it on {os.cpu_count()} cores,")
    print(f"wrk {args.connections} connections × {args.duration} s per page from loopback")
    print("| page | requests | req/s | p50 ms | p99 ms | errors | non-2xx | vs trivial (first; right after) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    baseline = results.get("trivial", {}).get("rps")
    for name, figures in results.items():
        ratio = f"{figures['rps'] / baseline:.2f}" if baseline else "–"
        if "adjacent_trivial_rps" in figures:
            ratio += f"; {figures['rps'] / figures['adjacent_trivial_rps']:.2f}"
        print(
            f"| {name} | {figures['requests']} | {figures['rps']:.1f} | {figures['p50']:.2f} | {figures['p99']:.1f} |"
            f" {figures['socket_errors']} | {figures['non_2xx']} | {ratio} |"
        )
    checks = []
    for name in TARGETED:
        if name in results and baseline:
            figures = results[name]
            share = min(figures["rps"] / baseline, figures["rps"] / figures.get("adjacent_trivial_rps", baseline))
            clean = figures["socket_errors"] == 0 and figures["non_2xx"] == 0
            checks.append(
                (f"{name}: ≥ 50 % of the trivial view's req/s, no errors", f"{share:.0%}", share >= 0.5 and clean)
            )
    status, timings = singles["304 alone"]
    p50 = statistics.median(timings)
    loaded = results["dashboard 304"]["p50"]
    checks.append(
        (
            "a 304's p50 ≤ 5 ms",
            f"{p50:.2f} ms alone ({loaded:.0f} ms queued behind 64 connections)",
            p50 <= 5 and status == 304,
        )
    )
    if next_request:
        p50 = statistics.median(next_request)
        checks.append(
            (
                "after a publication, next dashboard p50 ≤ 100 ms",
                f"{p50:.0f} ms (max {max(next_request):.0f})",
                p50 <= 100,
            )
        )
        worst = max(new_figures)
        checks.append(
            (
                "new figures shown within 2 s",
                f"median {statistics.median(new_figures):.2f} s, max {worst:.2f} s",
                worst <= 2,
            )
        )
    if misses:
        p50 = statistics.median(misses)
        checks.append(
            ("filtered dashboard, cache miss, p50 ≤ 500 ms", f"{p50:.0f} ms (max {max(misses):.0f})", p50 <= 500)
        )
        p50 = statistics.median(live_misses)
        checks.append(
            (
                "(the same with a minimum of deaths: from the records)",
                f"{p50:.0f} ms (max {max(live_misses):.0f})",
                p50 <= 500,
            )
        )
    print()
    print("| target | measured | met |")
    print("| --- | --- | --- |")
    for target, measured, met in checks:
        print(f"| {target} | {measured} | {'yes' if met else 'NO'} |")


if __name__ == "__main__":
    main()
