# LiveDesk — `make run` (console + built-in sandbox platform), `make test` (the whole suite).
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint sandbox bench bundle bundle-smoke clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

# the PyInstaller bundle (packaging/README.md): built with the pinned `bundle` extra, by default in
# the same venv (BUNDLE_VENV=… for another one); dist/livedesk/ is the one-dir app
BUNDLE_VENV ?= $(VENV)
BUNDLE_STAMP := $(BUNDLE_VENV)/.bundle-installed
DIST ?= dist

$(BUNDLE_STAMP): pyproject.toml
	[ -x $(BUNDLE_VENV)/bin/python ] || $(PY) -m venv $(BUNDLE_VENV)
	$(BUNDLE_VENV)/bin/pip install -q -e '.[dev,bundle]'
	touch $(BUNDLE_STAMP)

bundle: $(BUNDLE_STAMP)
	PYTHONHASHSEED=1 SOURCE_DATE_EPOCH=$$(git log -1 --format=%ct 2>/dev/null || date +%s) \
	  $(BUNDLE_VENV)/bin/pyinstaller --noconfirm --clean --log-level WARN \
	  --distpath $(DIST) --workpath build/pyinstaller packaging/livedesk.spec

# the built bundle's smoke test, then its start-up against the venv's (budget: ≤ 1.5×)
bundle-smoke: $(BUNDLE_STAMP)
	$(BUNDLE_VENV)/bin/python packaging/smoke_test.py $(DIST)/livedesk
	$(BUNDLE_VENV)/bin/python tests/bench/startup.py --bundle $(DIST)/livedesk --check

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

# the suite on PYTEST_WORKERS processes (pytest-xdist; each has its own sandboxes, OBS and X
# displays; a file's tests stay on one worker, so a module's fixture is made once);
# pytest's exit 5 (no tests collected: a broken checkout or selection) fails with a clear message
PYTEST_WORKERS ?= 2
test: lint
	@QT_QPA_PLATFORM=offscreen $(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile --durations=40 $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests (exit 5)" >&2; fi; \
	exit $$rc

bench: $(STAMP)
	for b in tests/bench/*.py; do $(BIN)/python $$b; done

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache build dist
