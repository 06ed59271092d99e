# hhsync developer tasks. `make demo` and `make test` do all the set-up on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test lint bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "hhsync needs Python >= 3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) ## virtualenv + editable install with dev extras

demo: install ## the daemon on the hh.ru and Bitrix24 sandboxes, embedded defaults
	$(BIN)/hhsync demo

test: install ## the whole suite on real PostgreSQL and Debian's Chromium (installed if missing)
	bash scripts/ensure_postgres.sh
	bash scripts/ensure_chromium.sh
	$(BIN)/pytest

lint: install ## ruff (incl. the banned clock calls) + mypy --strict + the import contracts
	$(BIN)/ruff check hhsync tests scripts
	$(BIN)/ruff format --check hhsync tests scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: install ## benchmarks against the limits in ARCHITECTURE.md; figures go to BENCHMARKS.md
	@ls scripts/bench_*.py >/dev/null 2>&1 || { echo "no benchmarks yet"; exit 1; }
	@for b in scripts/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache var
