# The two commands a newcomer needs:  make run   and   make test
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install lint messages bench

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

## Set up and start the portal on the embedded defaults: SQLite, demo data, logins printed;
## the web app, a Celery worker and beat together (a file broker under var/ unless REDIS_URL).
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	HOST=$(HOST) PORT=$(PORT) $(VENV)/bin/honcho -f Procfile.dev start

## Set up and run the whole test suite (PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set).
test: install lint
	$(PY) -m pytest

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

## Recompile translations after editing locale/*/LC_MESSAGES/django.po (needs GNU gettext).
messages: install
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=static/vendor
	$(PY) manage.py compilemessages --ignore=.venv

bench: install
	$(PY) bench/ledger.py
