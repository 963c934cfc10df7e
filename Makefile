# The two commands: `make run` serves the API, `make test` runs the whole suite.
# `make bench` runs the benchmark suite on PostgreSQL and writes docs/benchmarks.md.
PYTHON ?= python3
VENV ?= .venv
HOST ?= 127.0.0.1
PORT ?= 8000
# On SIGTERM the server takes no new connection and gives the requests under way this many seconds.
GRACE ?= 10
# API worker processes; empty: YOUTHCARE_WORKERS, else one a core on PostgreSQL and one on SQLite.
WORKERS ?=
BIN := $(VENV)/bin

.PHONY: run test bench lint clean screenshots

$(BIN)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "youthcare needs Python 3.11 or newer (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

# One uvicorn process on SQLite; on PostgreSQL several, and the projector in a process of its own (api/serve.py).
run: $(BIN)/.installed
	$(BIN)/python -m api.serve --host $(HOST) --port $(PORT) --grace $(GRACE)$(if $(WORKERS), --workers $(WORKERS))

test: $(BIN)/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# PostgreSQL to measure on (a throwaway schema per benchmark); BENCH_ARGS e.g. --smoke, --only 3.
YOUTHCARE_BENCH_DATABASE_URL ?= postgresql+psycopg2://postgres@127.0.0.1:5432/test
export YOUTHCARE_BENCH_DATABASE_URL

# The HTTP benchmarks load the server with wrk (Debian's package, installed here when missing).
bench: $(BIN)/.installed
	@command -v wrk >/dev/null 2>&1 || { echo "wrk is missing; installing Debian's package"; \
		SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
		$$SUDO apt-get install -y -q wrk >/dev/null || { $$SUDO apt-get update -q && $$SUDO apt-get install -y -q wrk >/dev/null; }; }
	$(BIN)/python -m bench.suite $(BENCH_ARGS)

screenshots: $(BIN)/.installed
	$(BIN)/python -m tests.browser.screenshots

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
