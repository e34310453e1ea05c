# Asisten: quick start, tests and checks. `make help` lists the targets.
#
# Nothing needs to be installed or running beyond Python 3.11+: `make run` and `make test`
# create .venv, write .env (DEBUG=1) and start a private PostgreSQL and Redis under .data/
# unless DATABASE_URL / REDIS_URL are set.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_BOOTSTRAP ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements-installed
PORT ?= 8000
PYTEST_ARGS ?=
# Two test processes (one per core of the machines we run on); each gets its own test
# database and Redis db. `make test PYTEST_WORKERS=0` runs in one process.
PYTEST_WORKERS ?= 2

.PHONY: help venv install run test lint fmt messages migrations-check check-deploy ci \
	services-status services-stop chromium loadtest seed bench bench-live wrk nginx scale-test

help:  ## list the targets
	@grep -E '^[a-zA-Z_. -]+:.*## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*## "}; {printf "  make %-18s %s\n", $$1, $$2}'

venv install: $(STAMP)  ## create .venv and install requirements.txt (again only when it changes)

$(PY):
	@$(PYTHON_BOOTSTRAP) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Asisten needs Python 3.11 or newer as '$(PYTHON_BOOTSTRAP)'"; exit 1; }
	$(PYTHON_BOOTSTRAP) -m venv $(VENV)

$(STAMP): requirements.txt | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $(STAMP)

.env:  ## write a development .env (DEBUG=1, a random SECRET_KEY) from .env.example
	@$(PYTHON_BOOTSTRAP) -c 'import re, secrets, pathlib; \
		text = pathlib.Path(".env.example").read_text(); \
		text = re.sub(r"(?m)^#? ?DEBUG=.*$$", "DEBUG=1", text); \
		text = re.sub(r"(?m)^#? ?SECRET_KEY=.*$$", "SECRET_KEY=" + secrets.token_urlsafe(50), text); \
		pathlib.Path(".env").write_text(text)'
	@echo "wrote .env (DEBUG=1, random SECRET_KEY)"

messages: $(STAMP)  ## compile translations (.po -> .mo; pure Python, no gettext needed)
	@$(PY) scripts/compilemessages.py

run: $(STAMP) .env messages  ## migrate, load demo data, serve web + worker + beat on http://127.0.0.1:8000 (PORT=...)
	$(PY) scripts/run.py serve --port $(PORT)

chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing chromium for the browser tests"; \
			DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else \
			echo "note: /usr/bin/chromium is missing; browser tests need it (apt-get install chromium)"; \
		fi; \
	fi

test: $(STAMP) .env messages chromium  ## the whole test suite (private PostgreSQL/Redis unless set)
	$(PY) scripts/run.py exec -- $(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# Issue 11's sizes; e.g. `make seed SEED_ARGS="--users 2000 --jobs 5000 --bids 20000"`.
# The 1M run of issue 20 (optional, about ten times as long):
#   make seed SEED_ARGS="--users 500000 --jobs 1000000 --bids 10000000 --notifications 1000000 --seed 42"
SEED_ARGS ?= --users 50000 --jobs 100000 --bids 1000000 --notifications 100000 --seed 42
BENCH_ARGS ?=

seed: $(STAMP) .env messages  ## fill the database at benchmark scale (COPY, progress lines; SEED_ARGS=...)
	$(PY) scripts/run.py exec -- $(SHELL) -c '$(PY) manage.py migrate --noinput && $(PY) manage.py seed $(SEED_ARGS)'

# $(call apt_install,COMMAND,PACKAGE,WHAT FOR): install a Debian package when missing (as root).
define apt_install
	@if ! command -v $(1) >/dev/null && [ ! -x /usr/sbin/$(1) ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing $(2) for $(3)"; \
			DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2) >/dev/null; \
		else \
			echo "$(1) is missing: apt-get install $(2) (as root)"; exit 1; \
		fi; \
	fi
endef

wrk:
	$(call apt_install,wrk,wrk,the benchmark)

bench: $(STAMP) .env messages wrk  ## pages against Django's ceiling on the seeded database (after make seed; BENCH_ARGS=...)
	$(PY) scripts/run.py exec -- $(PY) bench/run.py $(BENCH_ARGS)

BENCH_LIVE_ARGS ?=
bench-live: $(STAMP) .env messages  ## 1,000 signed-in sockets on one live (uvicorn) process: latency p50/p99, memory per connection
	$(PY) scripts/run.py exec -- $(SHELL) -c '$(PY) manage.py migrate --noinput -v 0 && $(PY) bench/live.py $(BENCH_LIVE_ARGS)' 

LOADTEST_ARGS ?=
loadtest: $(STAMP) .env messages  ## Locust against gunicorn on a scratch database (LOADTEST_ARGS="--users 50 --minutes 2")
	$(PY) scripts/run.py exec -- $(PY) loadtest/run.py $(LOADTEST_ARGS)

nginx:
	$(call apt_install,nginx,nginx,the scale test)

SCALE_ARGS ?=
scale-test: $(STAMP) .env messages nginx  ## two gunicorn masters behind nginx + two workers under Locust; stale reads (SCALE_ARGS="--users 20 --minutes 2")
	$(PY) scripts/run.py exec -- $(PY) loadtest/scale.py $(SCALE_ARGS)

lint: $(STAMP)  ## ruff check + ruff format --check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt: $(STAMP)  ## ruff format + ruff check --fix
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

migrations-check: $(STAMP) .env  ## fail if a model change has no migration
	$(PY) manage.py makemigrations --check --dry-run

# Production-like variables: DEBUG off, a long random key, named hosts and servers. The
# deploy checks do not connect to the servers, so placeholder URLs are enough.
check-deploy: $(STAMP)  ## manage.py check --deploy with production-like settings
	DEBUG=0 \
	SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))')" \
	ALLOWED_HOSTS=asisten.example \
	CSRF_TRUSTED_ORIGINS=https://asisten.example \
	SITE_URL=https://asisten.example \
	DATABASE_URL=$${DATABASE_URL:-postgres://asisten@db.invalid:5432/asisten} \
	REDIS_URL=$${REDIS_URL:-redis://redis.invalid:6379/0} \
	$(PY) manage.py check --deploy --fail-level WARNING

ci: lint migrations-check check-deploy test  ## everything CI runs

services-status: $(STAMP)  ## show the private PostgreSQL / Redis
	@$(PY) -m marketplace.devservices status

services-stop: $(STAMP)  ## stop the private PostgreSQL / Redis (data under .data/ is kept)
	@$(PY) -m marketplace.devservices stop
