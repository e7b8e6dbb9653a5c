# Loupe: `make run` serves the site with demo content, `make test` runs the suite.
SHELL := /bin/sh
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test lint format e2e faults fuzz bench venv clean

$(VENV)/.created:
	@python=$$(./scripts/find-python) || exit 1; \
	echo "Creating $(VENV) with $$python"; \
	"$$python" -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip
	@touch $@

$(VENV)/.installed: $(VENV)/.created pyproject.toml
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $@

$(VENV)/.installed-e2e: $(VENV)/.installed-dev
	$(PY) -m pip install --quiet -e ".[dev,e2e]"
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

venv: $(VENV)/.installed

# The demo shows real photographs from Debian's wallpaper package when it is there (installed here when root),
# painted scenes otherwise.
run: $(VENV)/.installed
	@if [ "$$(id -u)" = 0 ] && [ ! -d /usr/share/backgrounds/mate ] && command -v apt-get >/dev/null; then \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mate-backgrounds >/dev/null || true; fi
	$(PY) manage.py migrate --no-input
	$(PY) manage.py sync_roles
	$(PY) manage.py load_demo
	@echo "Serving Loupe on http://127.0.0.1:$(PORT)/ (Ctrl-C stops it)"
	@# Recurring jobs (scheduled publishing, stuck renders, stats) run beside the server; the trap stops them with it.
	@$(PY) manage.py periodic --every 30 & publisher=$$!; \
	trap 'kill $$publisher 2>/dev/null; wait $$publisher 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: $(VENV)/.installed-dev
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

# Browser journeys: needs Debian's chromium (/usr/bin/chromium), Java 17 and npm.
e2e: $(VENV)/.installed-e2e node_modules/.installed
	@test -x "$${LOUPE_CHROMIUM:-/usr/bin/chromium}" || { echo "make e2e needs Chromium: apt-get install chromium"; exit 1; }
	$(PY) -m pytest tests/e2e -m e2e -p no:cacheprovider $(PYTEST_ARGS)

# Faults: gunicorn, two workers and periodic against PostgreSQL, Redis and an S3-protocol server (moto) on
# loopback, each behind a proxy the tests cut, hang and restore. Needs PostgreSQL on 127.0.0.1:5432 and Redis on
# 127.0.0.1:6379 (it uses the database loupe_faults_suite and Redis db 14).
faults: $(VENV)/.installed-dev
	$(PY) -m pytest tests/faults -m faults -p no:cacheprovider -s $(PYTEST_ARGS)

# The read API against its own OpenAPI document: schemathesis, in-process over WSGI, a bounded number of
# examples per operation (about a minute).
fuzz: $(VENV)/.installed-dev
	$(PY) -m pytest tests/api/test_fuzz.py -m fuzz -p no:cacheprovider $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

BENCH_DIR ?=
BENCH_ONLY ?=

# Real photographs from Debian's wallpaper package when it can be installed (generated ones otherwise),
# and wrk to load the pages (a slower Python loader otherwise).
bench: $(VENV)/.installed-dev
	$(PY) -m pip install --quiet -e ".[bench]"
	@if [ "$$(id -u)" = 0 ]; then missing=""; \
		[ -n "$(BENCH_DIR)" ] || [ -d /usr/share/backgrounds/mate ] || missing="mate-backgrounds"; \
		command -v wrk >/dev/null || missing="$$missing wrk"; \
		[ -z "$$missing" ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || true; fi
	$(PY) bench/renditions.py $(if $(BENCH_ONLY),--only $(BENCH_ONLY)) $(BENCH_DIR)
	$(PY) bench/pages.py
	$(PY) bench/api.py

clean:
	rm -rf $(VENV) var .pytest_cache
