"""Shared by the load and outage benchmarks: run the app under gunicorn with the production settings (plus
a trivial view) and the gunicorn settings `make run` uses (gunicorn.conf.py, with its recount worker) against a
PostgreSQL database, on loopback only, and stop it again."""

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def environment(database_url, **extra):
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "HTTPS": "off",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
        **extra,
    }
    if "SECRET_KEY" not in env and (ROOT / "var" / "secret_key").exists():
        env.setdefault("SECRET_KEY_FILE", str(ROOT / "var" / "secret_key"))
    return env


def manage(database_url, *args):
    subprocess.run([str(BIN / "python"), "manage.py", *args], cwd=ROOT, env=environment(database_url), check=True)


class Gunicorn:
    def __init__(self, database_url, port, log_path, workers=None, **extra_env):
        """`workers`: None for gunicorn.conf.py's; `extra_env`: more environment (e.g. FIGURES_WORKER="off")."""
        self.url = f"http://127.0.0.1:{port}"
        self.log = open(log_path, "w")  # noqa: SIM115 (closed in stop())
        command = [str(BIN / "gunicorn"), "casualties.wsgi:application", "--bind", f"127.0.0.1:{port}"]
        if workers:
            command += ["--workers", str(workers)]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=environment(database_url, **extra_env),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer /healthz within 60 s; see {log_path}")

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()
