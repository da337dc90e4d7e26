# The README's two commands: `make reports` and `make test`. Both set up .venv when needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: venv reports test test-static test-unit test-notebooks test-browser browser-deps app data clean-venv

$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $@

venv: $(STAMP)
	@$(BIN)/python -m compileall -q lib  # byte-compiled as pip installs a package (PYTHONDONTWRITEBYTECODE or not)

## Render the publication and benchmark reports from data/ into reports/.
reports: venv
	$(BIN)/python -m infusion render --all

## The whole test suite: lint (ruff) and type check (mypy), unit, CLI, report and browser tests
## (pytest), then the notebooks (nbval).
test: venv browser-deps test-static
	$(BIN)/python -m pytest tests -q
	$(BIN)/python -m pytest -q --nbval-lax --nbval-sanitize-with tests/nbval_sanitize.cfg notebooks

## Debian's chromium for the browser tests (Playwright's own browser download is not used).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; }

test-browser: venv browser-deps
	$(BIN)/python -m pytest tests/browser -q

## Serve the training notebook as an app (code hidden) on http://127.0.0.1:8866
app: venv
	$(BIN)/voila notebooks/01_infusion_time_scenarios.ipynb --port=8866 --Voila.ip=127.0.0.1 --no-browser

## Lint and type check (settings in pyproject.toml).
test-static: venv
	$(BIN)/ruff check lib tests scripts benchmarks
	$(BIN)/ruff format --check lib tests scripts benchmarks notebooks
	$(BIN)/python -m mypy
	$(BIN)/lint-imports

test-unit: venv
	$(BIN)/python -m pytest tests -q

test-notebooks: venv
	$(BIN)/python -m pytest -q --nbval-lax --nbval-sanitize-with tests/nbval_sanitize.cfg notebooks

## Rebuild data/ from ../shared/cms (the CMS files) and the illustrative sample generator.
data: venv
	$(BIN)/python scripts/import_shared_data.py

clean-venv:
	rm -rf $(VENV)
