# The README's two commands: `make reports` and `make test`. Both set up .venv when needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: venv reports test test-unit test-notebooks data clean-venv

$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $@

venv: $(STAMP)

## Render the publication and benchmark reports from data/ into reports/.
reports: venv
	$(BIN)/python -m infusion render --all

## The whole test suite: unit and CLI tests (pytest), then the notebooks (nbval).
test: venv
	$(BIN)/python -m pytest tests -q
	$(BIN)/python -m pytest -q --nbval-lax --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:randomly notebooks

test-unit: venv
	$(BIN)/python -m pytest tests -q

test-notebooks: venv
	$(BIN)/python -m pytest -q --nbval-lax --nbval-sanitize-with tests/nbval_sanitize.cfg notebooks

## Rebuild data/ from ../shared/cms (the CMS files) and the illustrative sample generator.
data: venv
	$(BIN)/python scripts/import_shared_data.py

clean-venv:
	rm -rf $(VENV)
