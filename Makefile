# The README's two commands: `make demo` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
export UV_PROJECT_ENVIRONMENT := $(VENV)
export RUNTIME__DLTHUB_TELEMETRY := false

.PHONY: setup demo test lint ui bench browser-check clean

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: pyproject.toml uv.lock | $(BIN)/uv
	$(BIN)/uv sync --frozen --extra dev --inexact --quiet
	touch $@

setup: $(VENV)/.synced

demo: setup
	$(BIN)/auxo-xero demo

test: setup
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n 2 --dist loadscope

lint: setup
	$(BIN)/ruff check .

ui: setup
	$(BIN)/auxo-xero ui

bench: setup
	$(BIN)/python -m bench

# The month-end report, then the UI, in headless Chromium on the demo data (apt-installs Debian's
# chromium if missing); writes docs/img/*.png and fails on a console error or a missing chart. Not part
# of `make test`. Options: make browser-check BROWSER_CHECK_ARGS="--profile tiny" (or "--data .data")
browser-check: setup
	$(BIN)/python tests/browser/check_report.py --out docs/img $(BROWSER_CHECK_ARGS)
	$(BIN)/python tests/browser/check_ui.py --out docs/img $(BROWSER_CHECK_ARGS)

clean:
	rm -rf .data
