# LiveDesk — `make run` (console + built-in sandbox platform), `make test` (the whole suite).
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint sandbox bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/livedesk

sandbox: $(STAMP)
	$(BIN)/livedesk sandbox

lint: $(STAMP)
	$(BIN)/ruff check app ui plugins tests
	$(BIN)/ruff format --check app ui plugins tests
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/vulture  # dead code: paths and patterns in pyproject.toml, reviewed names in tools/vulture_whitelist.py

# pytest's exit 5 (no tests collected: a broken checkout or selection) fails with a clear message
test: lint
	@QT_QPA_PLATFORM=offscreen $(BIN)/pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests (exit 5)" >&2; fi; \
	exit $$rc

bench: $(STAMP)
	for b in tests/bench/*.py; do $(BIN)/python $$b; done

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
