# The two commands a new user runs are `make run` and `make test`.
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTHON ?= python3
URL := http://127.0.0.1:8000

.PHONY: install run demo test lint bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: install
	$(BIN)/pasientflyt demo
	@echo
	@echo "Pasientflyt kjører på $(URL) (stopp med Ctrl+C). Prøv API-et:"
	@echo "  curl -H \"Authorization: Bearer $$($(BIN)/pasientflyt users token saksbehandler)\" $(URL)/api/v1/units"
	@echo "  API-dokumentasjon (OpenAPI): $(URL)/openapi.json"
	@echo
	$(BIN)/pasientflyt serve

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy flow access boards fixtures projections
	$(BIN)/lint-imports

# `--dist load`: under pytest 9.2 schemathesis gives each generated test the same node id, and
# a scheduler that groups by id (loadscope, loadfile, loadgroup) runs one of the 67.
test: lint
	$(BIN)/pytest -n auto --dist load --durations=25

bench: install
	$(BIN)/pytest -p no:xdist -p no:randomly -s tests/bench

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis
