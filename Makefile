# twilio-stream-client: every command a user needs. `make` alone lists them.
# The Makefile bootstraps its own tools: a pinned uv in .tools/, then the locked virtualenv in .venv/.

PYTHON ?= python3
UV_VERSION := 0.13.8
UV := .tools/bin/uv
VENV := .venv
BIN := $(VENV)/bin
export PATH := $(CURDIR)/$(BIN):$(PATH)
# uv must use the machine's python3 and never download one.
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON)

HOST ?= 127.0.0.1
PORT ?= 8080
DB ?= emulator.sqlite3
WORKERS ?= 1
TARGET ?=
PROFILE ?=
SEED ?=
MAX_EXAMPLES ?=
MAX_TIME ?=
QUICK ?=
# Where `make generate` writes; the regeneration test points it at a temporary folder.
GENERATED ?= generated/twilio_stream_client

.DEFAULT_GOAL := help
.PHONY: help venv generate test lint conformance conformance-selftest serve bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-22s %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv .tools && .tools/bin/pip install --quiet uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet && touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error && touch $@

venv: $(VENV)/.synced ## Create or update the virtualenv from uv.lock

generate: venv ## Regenerate generated/twilio_stream_client from openapi.yaml
	$(BIN)/openapi-python-client generate --path openapi.yaml --config openapi-python-client.yaml \
	  --custom-template-path templates --meta none --fail-on-warning --overwrite --output-path $(GENERATED)
	@# With --meta none the generator writes no PEP 561 marker; the package is typed, so add it.
	printf '# Marker file for PEP 561\n' > $(GENERATED)/py.typed

test: lint ## Run every test of this repository (what CI runs): lint, then pytest
	$(BIN)/pytest

lint: venv node_modules/.installed ## ruff and mypy --strict on all code, Spectral on both contracts (REST and WebSocket)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	node_modules/.bin/spectral lint --quiet --fail-severity=warn --ruleset .spectral.yaml openapi.yaml
	node_modules/.bin/spectral lint --quiet --fail-severity=warn --ruleset .spectral-asyncapi.yaml media-stream.asyncapi.yaml

conformance: venv ## Judge a server by openapi.yaml (default: the emulator; TARGET=url, PROFILE=live, SEED=, MAX_EXAMPLES=, MAX_TIME=)
	$(BIN)/python -m twilio_stream_conformance --target "$(TARGET)" --profile "$(PROFILE)" --seed "$(SEED)" \
	  --max-examples "$(MAX_EXAMPLES)" --max-time "$(MAX_TIME)"

conformance-selftest: venv ## Prove the suite fails on each deliberately defective server and passes on the emulator
	$(BIN)/python -m twilio_stream_conformance.selftest $(if $(SEED),--seed $(SEED)) $(if $(MAX_EXAMPLES),--max-examples $(MAX_EXAMPLES))

bench: venv node_modules/.installed ## Measure client, emulator and suite against their peers into BENCHMARKS.md (QUICK=1: smoke run)
	@# wrk, the load generator, is a Debian package; a Python one would saturate before the servers do.
	command -v wrk >/dev/null || (apt-get update && apt-get install -y wrk)
	$(BIN)/python -m bench $(if $(QUICK),--quick)

serve: venv ## Serve the Stream emulator on HOST:PORT (DB=store file, WORKERS=processes; `--help`: python -m twilio_stream_emulator)
	$(BIN)/python -m twilio_stream_emulator --host $(HOST) --port $(PORT) --db $(DB) --workers $(WORKERS)

clean: ## Remove the virtualenvs, caches and reports
	rm -rf .tools $(VENV) node_modules reports .pytest_cache .mypy_cache .ruff_cache
