# Rapport: `make run` to try it, `make test` to check it. See README.md.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
HOST   ?= 127.0.0.1
PORT   ?= 8000
# Web processes `make run` starts (uvicorn --workers): two share the work of a 2-core machine;
# without Redis they relay live events to each other and share a cache file (docs/scaling.md).
WEB_PROCESSES ?= $(or $(WEB_CONCURRENCY),2)

.PHONY: run test setup messages test-tools lock lint bench-small clean eval-coach audit

# The task worker: RQ's with REDIS_URL, else the database queue's (docs/background.md).
WORKER = $(if $(REDIS_URL),rqworker --with-scheduler default,db_worker --no-startup-delay)

run: setup
	@$(BIN)/python manage.py demo_data
	@echo "Rapport is at http://$(HOST):$(PORT)/ (Ctrl-C stops the server, workers and scheduler)"
	@export RAPPORT_INTAKE_DEFERRED=1 WEB_CONCURRENCY=$(WEB_PROCESSES); \
	  trap 'trap - INT TERM EXIT; kill 0' INT TERM EXIT; \
	  $(BIN)/python manage.py $(WORKER) & \
	  $(BIN)/python manage.py intake_worker & \
	  $(BIN)/python manage.py scheduler & \
	  $(BIN)/python manage.py mail_worker & \
	  $(BIN)/python manage.py webhook_worker & \
	  $(BIN)/uvicorn rapport.asgi:application --host $(HOST) --port $(PORT) --no-access-log --ws-per-message-deflate false

test: setup test-tools
	$(BIN)/pytest $(PYTEST_ARGS)

setup: $(STAMP) messages
	@$(BIN)/python manage.py migrate --noinput -v0
	@$(BIN)/python manage.py optimize_db -v0 >/dev/null
	@$(BIN)/python manage.py collectstatic --noinput -v0

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Rapport needs Python 3.11 or newer"'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	@rm -f $(VENV)/.installed-*
	@touch $@

messages: $(STAMP)
	@$(BIN)/python -m rapport.lib.catalogues

# Real parts the tests run: Debian's Chromium (driven by Playwright) and Dovecot (IMAP).
# Installed when missing (as root; otherwise the command to run is printed).
TEST_PACKAGES := $(if $(wildcard /usr/bin/chromium),,chromium) \
                 $(if $(wildcard /usr/sbin/dovecot),,dovecot-imapd)
test-tools:
	@if [ -n "$(strip $(TEST_PACKAGES))" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing $(strip $(TEST_PACKAGES))"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      $(TEST_PACKAGES)) >/dev/null; \
	  else echo "The tests need: sudo apt-get install $(TEST_PACKAGES)"; exit 1; fi; fi

# Re-pin every dependency after changing pyproject.toml.
lock:
	$(BIN)/python -m pip install -q -e '.[test]'
	$(BIN)/python -m pip freeze --exclude-editable | grep -vi '^rapport' > requirements.lock

# Known vulnerabilities in the pinned dependencies (pip-audit; skipped with a notice when the
# vulnerability data cannot be reached, see docs/security.md).
audit: $(STAMP)
	$(BIN)/python -m rapport.security.audit

lint: $(STAMP)
	$(BIN)/ruff check rapport bench
	$(BIN)/ruff format --check rapport bench

bench-small: setup
	bench/run_all.sh 10000

clean:
	rm -rf $(VENV) data

eval-coach: setup
	$(BIN)/python bench/eval_coach.py
