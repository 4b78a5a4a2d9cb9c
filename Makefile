# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
SANDBOX_PORT ?= 12111
# pytest-xdist workers for `make test`: one more than the 2 cores CI's machines have,
# since many tests spend part of their time waiting (on the sandbox, a browser, a
# deliberately slow Stripe), which leaves two workers using about half the CPU.
TEST_WORKERS ?= 3
export FLASK_APP := wsgi.py

.PHONY: run test lint install install-dev chromium wrk sandbox bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## run: a working shop on SQLite with the Stripe sandbox and demo data.
run: install
	mkdir -p instance
	$(BIN)/flask db upgrade
	$(BIN)/flask seed
	@echo "Stripe sandbox on http://127.0.0.1:$(SANDBOX_PORT); the shop on http://127.0.0.1:$(PORT)"
	@# Like a Stripe endpoint set up as Deploying says: only the handled event types.
	@# The shop starts only once its own sandbox answers: with the port taken, it would
	@# pay through (and send webhooks from) whatever else listens there.
	@answers() { $(BIN)/python -c "import socket; socket.create_connection(('127.0.0.1', $(SANDBOX_PORT)), 0.2)" 2>/dev/null; }; \
	if answers; then echo "Port $(SANDBOX_PORT) is in use: stop what listens there, or set SANDBOX_PORT=..."; exit 1; fi; \
	trap 'kill $$sandbox 2>/dev/null' EXIT INT TERM; \
	events=$$($(BIN)/flask stripe events handled | paste -sd, -); \
	$(BIN)/python -m stripe_sandbox --host 127.0.0.1 --port $(SANDBOX_PORT) \
		--forward-to http://127.0.0.1:$(PORT)/webhooks/stripe \
		--webhook-secret $${STRIPE_WEBHOOK_SECRET:-whsec_sandbox} \
		--webhook-concurrency 1 --events $$events & sandbox=$$!; \
	until answers; do \
		if ! kill -0 $$sandbox 2>/dev/null; then echo "The Stripe sandbox did not start (see above)."; exit 1; fi; \
		sleep 0.2; done; \
	STRIPE_SANDBOX_URL=http://127.0.0.1:$(SANDBOX_PORT) $(BIN)/flask run --port $(PORT)

## chromium: Debian's Chromium for the browser tests, where this machine can install it.
chromium:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "Chromium not installed: browser tests will be skipped (sudo apt-get install chromium)"; fi

lint: install-dev
	$(BIN)/ruff check .

## test: ruff and the whole suite (SQLite; PostgreSQL too when TEST_DATABASE_URL is set).
test: install-dev chromium lint
	@if [ -n "$$CI" ] && [ -z "$$TEST_DATABASE_URL" ]; then \
		echo "CI needs TEST_DATABASE_URL (PostgreSQL)"; exit 1; fi
	env -u TEST_DATABASE_URL $(BIN)/pytest -n $(TEST_WORKERS) -m "not soak and not postgres"
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== the suite again on PostgreSQL (the sandbox's own tests use no database) =="; \
		$(BIN)/pytest -n $(TEST_WORKERS) -m "not browser" --ignore=tests/sandbox; fi

## wrk: Debian's wrk load generator for `make bench`, where this machine can install it.
wrk:
	@if [ -x /usr/bin/wrk ]; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	else echo "wrk is needed for the benchmarks: sudo apt-get install wrk"; exit 1; fi

## bench: the shop against the floor of its own stack on PostgreSQL (BENCH_DATABASE_URL).
bench: install-dev wrk
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
