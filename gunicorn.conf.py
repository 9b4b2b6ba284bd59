"""Gunicorn's settings, read from this folder by `gunicorn casualties.wsgi` (and so by `make run` and the load
benchmark): the same defaults everywhere, sized from the machine's cores. README, "Caching and serving".

- Workers: 2 per core + 1 (WEB_CONCURRENCY overrides), each with GUNICORN_THREADS threads (default 4): a thread
  waiting on the database or the cache lets another run. Threaded workers also keep connections alive, so a
  browser or proxy reuses one connection for a page and its assets.
- Each thread keeps its own database connection (CONN_MAX_AGE): workers x threads connections, 20 on two cores.
- The recount worker (`manage.py recount_figures`) is started beside the web workers and stopped with them,
  unless FIGURES_WORKER=off (run it as its own service then).
"""

import os
import signal
import subprocess
import sys

cores = os.cpu_count() or 1
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * cores + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 4))
timeout = 30  # seconds a request may take before its worker is restarted (an import runs as a command instead)
graceful_timeout = 20
keepalive = 5  # seconds an idle connection is kept open for the next request
max_requests = 20_000  # a worker is replaced now and then, so no slow leak grows for ever
max_requests_jitter = 2_000
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
control_socket_disable = True  # not used; two servers on one machine would contend for its path

_recounter = None


def when_ready(server):
    global _recounter
    if os.environ.get("FIGURES_WORKER", "on").strip().lower() in {"off", "0", "false", "no"}:
        return
    manage = os.path.join(os.path.dirname(os.path.abspath(__file__)), "manage.py")
    _recounter = subprocess.Popen([sys.executable, manage, "recount_figures"])  # noqa: S603 (our own command)
    server.log.info("recount worker started (pid %s)", _recounter.pid)


def on_exit(server):
    if _recounter is not None and _recounter.poll() is None:
        _recounter.send_signal(signal.SIGTERM)
        try:
            _recounter.wait(timeout=10)
        except subprocess.TimeoutExpired:
            _recounter.kill()
