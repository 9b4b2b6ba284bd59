"""A fresh clone works as the README says, with nothing exported: the local .env that `make run` writes, and
every shell line of the README's "Two commands", "Using it" and "Importing data" sections, run in order and
as written (fenced ```sh blocks, and inline commands starting with `.venv/bin/`).

The clone is of the committed HEAD (a README change is seen once committed), with the running virtualenv
linked in as its .venv rather than installed again, and a SQLite database in its var/. `make run` is replaced
by its setup steps (NOT_RUN says why each line is not run). The files the import lines name are made in the
clone's folder, as a user would have them there (FILES says how)."""

import csv
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.shared_data import shared_data

ROOT = Path(__file__).resolve().parent.parent
GIT, BASH = shutil.which("git"), shutil.which("bash")
SECTIONS = ["Two commands", "Using it", "Importing data"]
REFUSAL = "Refusing to start: DEBUG is off and SECRET_KEY is missing or insecure"
PASSWORD = "correct-Horse-battery-9"  # create_user reads $CREATE_USER_PASSWORD instead of prompting (README)
NOT_RUN = {
    "make run": "serves until stopped: the clone is set up with its steps instead (.env, key, migrate, load_demo)",
    "make test": "the test suite this test is part of",
}
AIRWARS = ["airwars_syria_incidents.csv", "airwars_syria_belligerent_assessments.csv", "airwars_syria_sources.csv"]
SAMPLE_ROWS = 25  # the whole files would take minutes on SQLite (a dry run, then the import)
FILES = {
    **dict.fromkeys(AIRWARS, f"the shared data's Airwars files, cut to their first {SAMPLE_ROWS} incidents"),
    "incidents.csv": "the clone's own /incidents.csv download",
    "strikes.csv": f"TBIJ's table (the mapping's worked example), its first {SAMPLE_ROWS} rows",
}


def new_users_environment(**extra):
    """A shell in which nothing about this project was exported."""
    kept = {name: os.environ[name] for name in ["PATH", "HOME", "LANG", "TMPDIR"] if name in os.environ}
    return {**kept, **extra}


def shell(clone, script, **env):
    return subprocess.run(
        [BASH, "-c", "set -euo pipefail\n" + script],
        cwd=clone,
        env=new_users_environment(**env),
        stdin=subprocess.DEVNULL,  # no prompt waits for an answer (nor a controlling terminal: new session)
        start_new_session=True,
        capture_output=True,
        text=True,
        timeout=180,
    )


def check(result, what):
    assert result.returncode == 0, f"{what}\nexit {result.returncode}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def bare_clone(tmp_path_factory):
    """The committed HEAD, cloned, with the running virtualenv as its .venv."""
    if not (GIT and BASH):
        pytest.skip("needs git and bash")
    head = subprocess.run([GIT, "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True)
    if head.returncode != 0:
        pytest.skip(f"{ROOT} is not a git checkout: {head.stderr.strip()}")
    clone = tmp_path_factory.mktemp("fresh") / "clone"
    subprocess.run([GIT, "clone", "--quiet", "--shared", "--no-checkout", str(ROOT), str(clone)], check=True)
    subprocess.run([GIT, "-C", str(clone), "checkout", "--quiet", head.stdout.strip()], check=True)
    (clone / ".venv").symlink_to(sys.prefix, target_is_directory=True)
    return clone


@pytest.fixture(scope="module")
def before_env(bare_clone):
    """A command's result in the clone before anything wrote its .env."""
    return shell(bare_clone, ".venv/bin/python manage.py check")


@pytest.fixture(scope="module")
def clone(bare_clone, before_env):
    """The clone after the steps of `make run` (Makefile) up to the server, less the install (the venv is
    linked in)."""
    check(shell(bare_clone, "make --silent .env var/secret_key"), "make .env var/secret_key")
    check(shell(bare_clone, ".venv/bin/python manage.py migrate --noinput --verbosity 0"), "migrate")
    check(shell(bare_clone, ".venv/bin/python manage.py load_demo --if-empty --with-users"), "load_demo")
    return bare_clone


def test_without_env_or_environment_a_clone_refuses_to_start(before_env):
    assert before_env.returncode == 1
    assert REFUSAL in before_env.stderr


def test_make_writes_a_git_ignored_env_that_the_environment_overrides(clone):
    assert "SECRET_KEY_FILE=var/secret_key" in (clone / ".env").read_text().splitlines()
    assert check(shell(clone, "git status --porcelain --untracked-files=all"), "git status").stdout == ""
    code = ".venv/bin/python manage.py shell --no-imports -c 'from django.conf import settings; print(settings.HTTPS)'"
    assert check(shell(clone, code), "HTTPS from .env").stdout.strip() == "False"
    assert check(shell(clone, code, HTTPS="on"), "HTTPS from the environment").stdout.strip() == "True"
    emptied = shell(clone, ".venv/bin/python manage.py check", SECRET_KEY_FILE="")
    assert emptied.returncode == 1
    assert REFUSAL in emptied.stderr


def readme_commands(readme, section):
    """(preamble, command) for each shell line of one README section, in order. A fenced ```sh block's lines
    run (a line ending in a backslash goes on), its variable assignments (`M=...`) becoming the preamble of its
    later lines; outside fences, inline code starting with `.venv/bin/` runs."""
    text = readme.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    commands, fence, lines, preamble = [], None, [], []
    for line in text.splitlines():
        opening = re.fullmatch(r"(\s*)```(\w*)\s*", line)
        if opening and fence is None:
            fence, indent, preamble = opening[2], len(opening[1]), []
        elif opening:
            fence = None
        elif fence is None:
            commands += [([], span) for span in re.findall(r"`(\.venv/bin/[^`]+)`", line)]
        elif fence == "sh":
            lines.append(line[indent:])
            if line.endswith("\\"):
                continue
            logical, lines = "\n".join(lines), []
            words = shlex.split(logical, comments=True)
            if words and all(re.fullmatch(r"[A-Za-z_]\w*=.*", word, re.DOTALL) for word in words):
                preamble = [*preamble, logical]
            elif words:
                commands.append((preamble, logical))
    return commands


def make_files(clone):
    """The files the import lines name (FILES), in the clone's folder."""
    for name, source in zip(AIRWARS, shared_data(*AIRWARS), strict=True):
        with open(source, encoding="utf-8", newline="") as file, open(clone / name, "w", newline="") as out:
            rows = csv.reader(file)
            header = next(rows)
            column = header.index("airwars_id")
            writer = csv.writer(out)
            writer.writerow(header)
            if name == AIRWARS[0]:
                kept = [row for row, _ in zip(rows, range(SAMPLE_ROWS), strict=False)]
                ids = {row[column] for row in kept}
            else:
                kept = (row for row in rows if row[column] in ids)
            writer.writerows(kept)
    (tbij,) = shared_data("tbij_afghanistan_us_strikes_2015_2018.csv")
    lines = tbij.read_text(encoding="utf-8").splitlines(keepends=True)
    (clone / "strikes.csv").write_text("".join(lines[: SAMPLE_ROWS + 1]), encoding="utf-8")
    download = (
        "from django.test import Client; response = Client(HTTP_HOST='localhost').get('/incidents.csv'); "
        "assert response.status_code == 200, response; open('incidents.csv', 'wb').write(response.getvalue())"
    )
    check(shell(clone, f'.venv/bin/python manage.py shell --no-imports -c "{download}"'), "download incidents.csv")
    assert set(FILES) <= {path.name for path in clone.iterdir()}


def test_every_readme_command_runs_as_written(clone):
    readme = (clone / "README.md").read_text(encoding="utf-8")
    not_run = set()
    for section in SECTIONS:
        commands = readme_commands(readme, section)
        assert commands, f"no shell line found in the README's {section!r} section"
        if section == "Importing data":
            make_files(clone)  # skips, saying where it looked, when the real data is absent
        for preamble, command in commands:
            words = " ".join(shlex.split(command, comments=True))
            if words in NOT_RUN:
                not_run.add(words)
                continue
            result = shell(clone, "\n".join([*preamble, command]), CREATE_USER_PASSWORD=PASSWORD)
            check(result, f"README, {section}: {command}")
    assert not_run == set(NOT_RUN), "NOT_RUN names a line the README no longer has"
