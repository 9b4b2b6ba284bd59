"""Load benchmark: the app under gunicorn against PostgreSQL with N synthetic incidents, driven from loopback
by wrk at 64 connections for 60 s per page: the dashboard, the incident list, incident pages (a random one of
1,000 per request), a CSV export (one month of incidents) and, as the baseline, a trivial Django view served
by the same gunicorn. Prints requests/s, p50 and p99 latency, errors and non-2xx responses, and each page's
throughput as a fraction of the trivial view's.

Needs `wrk` (apt-get install -y wrk). Uses the database DATABASE_URL names (or --database-url), adding
synthetic incidents until it holds --incidents of them: give it a database of its own.

    DATABASE_URL=postgres://postgres@127.0.0.1:5433/casualties_bench .venv/bin/python bench/load.py
    .venv/bin/python bench/load.py --duration 10 --pages dashboard trivial     # a quick look
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.server import ROOT, Gunicorn, default_workers, environment, manage  # noqa: E402

PAGES = {
    "trivial": "/bench/trivial/",
    "dashboard": "/",
    "list": "/incidents/",
    "incident": None,  # random codes, from a Lua script
    "export": "/incidents.csv?date_from=2017-03-01&date_to=2017-03-31",
}


def synthetic_codes(database_url, count):
    code = (
        "from reports.models import Incident; "
        f"print('\\n'.join(Incident.objects.published().order_by('?').values_list('code', flat=True)[:{count}]))"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT,
        env=environment(database_url),
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.split()


def incident_count(database_url):
    code = "from reports.models import Incident; print(Incident.objects.count())"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT,
        env=environment(database_url),
        capture_output=True,
        text=True,
        check=True,
    )
    return int(result.stdout.strip())


def lua_for_codes(codes):
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)  # noqa: SIM115
    script.write("paths = {" + ",".join(f'"/incidents/{code}/"' for code in codes) + "}\n")
    script.write("request = function() return wrk.format(nil, paths[math.random(#paths)]) end\n")
    script.close()
    return script.name


def to_ms(value, unit):
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def run_wrk(url, duration, connections, threads, script=None):
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "30s", "--latency", url]
    if script:
        command[1:1] = ["-s", script]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
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


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=60, help="seconds per page (default 60)")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=default_workers(), help="gunicorn sync workers")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--pages", nargs="+", choices=PAGES, default=list(PAGES))
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
    server = Gunicorn(args.database_url, args.port, args.workers, log_path)
    results = {}
    try:
        for name in args.pages:
            path = PAGES[name] or f"/incidents/{codes[0]}/"
            started = time.perf_counter()
            with urllib.request.urlopen(server.url + path, timeout=120) as response:
                response.read()
                single = (time.perf_counter() - started) * 1000
                assert response.status == 200, (name, response.status)
            figures = run_wrk(
                server.url + (PAGES[name] or "/"),
                args.duration,
                args.connections,
                args.threads,
                script if name == "incident" else None,
            )
            figures["single"] = single
            results[name] = figures
            print(
                f"{name:10} {figures['requests']:>7} requests  {figures['rps']:8.1f}/s  p50 {figures['p50']:8.1f} ms"
                f"  p99 {figures['p99']:8.1f} ms  errors {figures['socket_errors']}  non-2xx {figures['non_2xx']}"
                f"  (one request alone: {single:.0f} ms)",
                flush=True,
            )
    finally:
        server.stop()
        os.unlink(script)

    print()
    print(f"{args.incidents:,} incidents, PostgreSQL, gunicorn {args.workers} sync workers on {os.cpu_count()} cores,")
    print(f"wrk {args.connections} connections × {args.duration} s per page from loopback")
    print("| page | requests | req/s | p50 ms | p99 ms | errors | non-2xx | vs trivial |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    baseline = results.get("trivial", {}).get("rps")
    for name, figures in results.items():
        ratio = f"{figures['rps'] / baseline:.3f}" if baseline else "–"
        print(
            f"| {name} | {figures['requests']} | {figures['rps']:.1f} | {figures['p50']:.1f} | {figures['p99']:.1f} |"
            f" {figures['socket_errors']} | {figures['non_2xx']} | {ratio} |"
        )
    failed = sum(figures["socket_errors"] + figures["non_2xx"] for figures in results.values())
    print(f"\n{'ZERO errors and zero non-2xx responses' if not failed else f'{failed} errors or non-2xx responses'}")


if __name__ == "__main__":
    main()
