# The two commands a new user needs: `make run` (the app with demo data) and `make test`. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
PORT ?= 8000

.PHONY: run test check lint bench install install-dev audit backup restore messages

# `make run` needs only the runtime set (requirements.txt); the test, lint and audit tools come on top of it
# (requirements-dev.txt), each set with its own stamp, so a .venv made by `make run` gets them on `make test`.
install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

$(VENV)/.installed: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed, found " + sys.version) if sys.version_info < (3, 11) else None'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# This checkout's local, loopback-only settings, read by every command (casualties/settings.py): written once,
# never overwritten, ignored by git. The environment wins over it; production sets its own and has no .env.
.env:
	printf '%s\n' \
	  '# Written by make for this checkout only: plain HTTP on loopback. Never copy it to a server (README,' \
	  '# "Configuration"); a variable set in the environment wins over this file.' \
	  'SECRET_KEY_FILE=var/secret_key' \
	  'HTTPS=off' > $@

var/secret_key:
	mkdir -p var
	$(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@
	chmod 600 $@

run: install .env var/secret_key
	$(MANAGE) migrate --noinput
	$(MANAGE) load_demo --if-empty --with-users
	$(MANAGE) collectstatic --noinput --verbosity 0
	@echo "Serving on http://127.0.0.1:$(PORT)/ (admin: http://127.0.0.1:$(PORT)/admin/). Stop with Ctrl-C."
	$(BIN)/gunicorn casualties.wsgi --bind 127.0.0.1:$(PORT) --access-logfile -

test: install-dev .env var/secret_key
	$(BIN)/pytest $(PYTEST_ARGS)

check: install-dev .env var/secret_key lint
	$(MANAGE) check --fail-level WARNING
	$(MANAGE) makemigrations --check --dry-run

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# `make backup` writes var/backup.dump (BACKUP=path for another); `make restore` loads it into the empty
# database DATABASE_URL names (createdb it first). pg_dump/pg_restore on PostgreSQL, a file copy on SQLite.
BACKUP ?= var/backup.dump
backup: install .env var/secret_key
	$(MANAGE) backup $(BACKUP)

restore: install .env var/secret_key
	$(MANAGE) restore $(BACKUP)
	$(MANAGE) migrate --noinput

# After changing a translatable string: extract the Arabic catalogue again (locale/ar/LC_MESSAGES/django.po),
# translate what it marks new or fuzzy, then compile it. Needs GNU gettext (apt-get install gettext); both files
# are committed, so running the app needs neither this nor gettext (README, "Arabic").
messages: install .env var/secret_key
	$(MANAGE) makemessages --locale ar --no-obsolete --add-location file --ignore '.venv/*' --ignore 'staticfiles/*' --ignore 'bench/*' --ignore 'tests/*'
	$(MANAGE) compilemessages --locale ar --ignore '.venv/*'

audit: install-dev
	bash .ci/audit

bench: install-dev .env var/secret_key
	$(BIN)/python bench/home_page.py $(BENCH_ARGS)
