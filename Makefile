# The two quick-start targets (`make demo`, `make test`) bootstrap everything they need:
# a virtualenv in .venv with the project installed, and the local Kafka and Elasticsearch.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test unit integration lint infra-up infra-down helm clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## The main job: local Kafka + Elasticsearch, then the pipeline on the offline demo feeds.
demo: $(STAMP)
	$(BIN)/orbitwatch infra up
	$(BIN)/orbitwatch demo run

## Everything CI checks: lint, types, unit and integration tests on the real servers.
test: $(STAMP) lint
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -m unit

integration: $(STAMP)
	$(BIN)/pytest -m integration

## helm for the chart tests (deploy/helm/): built from the Go module proxy into .tools/bin.
helm:
	deploy/helm/install-helm.sh

infra-up: $(STAMP)
	$(BIN)/orbitwatch infra up

infra-down: $(STAMP)
	$(BIN)/orbitwatch infra down

clean:
	rm -rf $(VENV) .local-infra .tools .pytest_cache .mypy_cache .ruff_cache
