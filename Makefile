# The two commands: `make demo` and `make test`. Everything they need is installed from here.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | md5sum | cut -c1-12)
export CIVICGRID_VAR_DIR ?= $(CURDIR)/var

.PHONY: demo test test-postgres test-postgres-partitioned bench env system-deps serve worker clean

env: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,postgres]'
	rm -f $(VENV)/.installed-*
	touch $@

# Chromium (browser tests) and Noto CJK (Chinese in screenshots and printed reports) come from Debian.
system-deps:
	@if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing chromium and fonts-noto-cjk from Debian…"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else echo "Please install the Debian packages chromium and fonts-noto-cjk: the browser tests need them"; fi; \
	fi

demo: env
	mkdir -p $(CIVICGRID_VAR_DIR)
	$(BIN)/civicgrid migrate --noinput -v0
	@# Every installed app's demo data, from its manifest's seeders: no Makefile edit per app.
	$(BIN)/civicgrid seed-apps
	@# Printed last so the demo logins are what the terminal shows above the server log.
	$(BIN)/civicgrid seed-demo
	@echo "Starting the task worker (deadline sweeps) in the background; log in var/worker.log"
	$(BIN)/civicgrid worker > $(CIVICGRID_VAR_DIR)/worker.log 2>&1 & echo $$! > $(CIVICGRID_VAR_DIR)/worker.pid
	@echo "Serving on http://127.0.0.1:8000  (Ctrl-C stops the server and the worker)"
	@# DEBUG off: visitors see the Chinese 404/403/500 pages, not Django's debug page listing every URL;
	@# --insecure keeps runserver serving the static files without DEBUG (a demo, not production).
	trap 'kill $$(cat $(CIVICGRID_VAR_DIR)/worker.pid) 2>/dev/null' EXIT; \
	  DEBUG=0 $(BIN)/civicgrid runserver 127.0.0.1:8000 --noreload --insecure

# The suite runs in two processes (pytest-xdist): about two thirds of the time
# on a 2-core machine. PYTEST_WORKERS=0 runs it in one process. Work stealing: a worker
# that runs out takes tests queued for the other, so the long walks (split into shards)
# do not leave one worker running alone at the end.
PYTEST_WORKERS ?= 2
PYTEST := $(BIN)/pytest -q -p no:cacheprovider -n $(PYTEST_WORKERS) --dist worksteal

test: env system-deps
	$(PYTEST)

# The suite against PostgreSQL: a throw-away database on 127.0.0.1:5432 (trust auth, user postgres).
test-postgres: env
	bash scripts/with-postgres.sh $(PYTEST)

# The suite against monthly-partitioned case and event tables (docs/partitioning.md).
test-postgres-partitioned: env
	CIVICGRID_TEST_PARTITIONED=1 bash scripts/with-postgres.sh $(PYTEST)

# Benchmarks run on PostgreSQL (throw-away database). Full sizes take long on 2 cores (people: 1M rows
# ≈ 17 min; kpi: 5M cases ≈ 20 min, 14 of them loading); `make bench KPI_CASES=500000` makes the kpi run shorter.
bench: export KPI_CASES ?= 5000000
bench: env
	for b in bench/*.py; do echo "== $$b"; bash scripts/with-postgres.sh $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) var
