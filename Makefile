# Two commands for a fresh machine: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed

.PHONY: demo test install frontend migrate seed serve worker lint ci clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(NPM_STAMP): package.json
	npm install --no-audit --no-fund --silent
	touch $(NPM_STAMP)

install: $(STAMP) frontend

frontend: $(NPM_STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

# Serves http://127.0.0.1:8000 and runs a Celery worker with beat next to it (filesystem broker
# under var/broker unless CELERY_BROKER_URL is set). Ctrl-C stops both.
demo: seed
	$(PY) manage.py run_jobs
	@echo "Start: http://127.0.0.1:8000  (Ctrl-C stopt webserver en achtergrondverwerking)"
	@trap 'kill 0' INT TERM EXIT; \
	  $(VENV)/bin/celery -A inburgering worker --beat --pool=solo --loglevel=WARNING \
	    --schedule=var/celerybeat-schedule & \
	  $(PY) manage.py runserver 127.0.0.1:8000

# The whole suite on the embedded default (SQLite), or on PostgreSQL when DATABASE_URL is set.
test: install
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .

ci:
	bash .ci/run

clean:
	rm -rf $(VENV) node_modules var staticfiles
