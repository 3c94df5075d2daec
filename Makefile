# twilio-stream-client: every command a user needs. `make` alone lists them.
# The Makefile bootstraps its own tools: a pinned uv in .tools/, then the locked virtualenv in .venv/.

PYTHON ?= python3
UV_VERSION := 0.13.8
UV := .tools/bin/uv
VENV := .venv
BIN := $(VENV)/bin
export PATH := $(CURDIR)/$(BIN):$(PATH)
# Bytecode caches on, even where the environment turns them off: the tests start interpreters by the
# hundred (servers, conformance runs), and each would compile schemathesis and its kin from source again.
unexport PYTHONDONTWRITEBYTECODE
# uv must use the machine's python3 and never download one.
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON)

# Optional inputs: each becomes its command-line option only when it is set (see `opt` below).
HOST ?=
PORT ?=
DB ?=
WORKERS ?=
TARGET ?=
PROFILE ?=
SEED ?=
MAX_EXAMPLES ?=
MAX_TIME ?=
# Stream effects of a remote TARGET: the public URL of a tunnel to LOCAL_PORT (default 8765) on this machine.
PUBLIC_URL ?=
LOCAL_PORT ?=
# A call in progress on TARGET, on which every Stream of the stream effects is created (Twilio needs one).
CALL_SID ?=
NO_STREAM_EFFECTS ?=
QUICK ?=
# Where `make generate` writes; the regeneration test points it at a temporary folder.
GENERATED ?= generated/twilio_stream_client

# $(call opt,VARIABLE,--option): `--option value` when VARIABLE is set, nothing otherwise. The one way
# every optional Make variable reaches a Python command: each command keeps its own defaults.
opt = $(if $($(1)),$(2) $($(1)))

.DEFAULT_GOAL := help
.PHONY: help venv generate test test-fast lint conformance conformance-selftest serve bench dist clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-22s %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv .tools && .tools/bin/pip install --quiet uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) pyproject.toml uv.lock contract/pyproject.toml emulator/pyproject.toml conformance/pyproject.toml
	$(UV) sync --frozen --quiet && touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error && touch $@

# Prism, the benchmarks' peer, is installed for `make bench` only.
bench/node_modules/.installed: bench/package.json bench/package-lock.json
	cd bench && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed

venv: $(VENV)/.synced ## Create or update the virtualenv from uv.lock

generate: venv ## Regenerate generated/twilio_stream_client from openapi.yaml
	$(BIN)/openapi-python-client generate --path openapi.yaml --config openapi-python-client.yaml \
	  --custom-template-path templates --meta none --fail-on-warning --overwrite --output-path $(GENERATED)
	@# With --meta none the generator writes no PEP 561 marker; the package is typed, so add it.
	printf '# Marker file for PEP 561\n' > $(GENERATED)/py.typed

test: lint ## Run every test of this repository (what CI runs): lint, then pytest with coverage
	$(BIN)/pytest --cov --cov-report=term --cov-report=json:reports/coverage.json

test-fast: venv ## The tests but the slow ones (servers, processes, installs, benchmarks), about a tenth of each property test's examples, on every core
	$(BIN)/pytest -m "not slow" -q -n auto --hypothesis-profile=fast

lint: venv node_modules/.installed ## ruff and mypy --strict on all code, Spectral on both contracts (REST and WebSocket)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	node_modules/.bin/spectral lint --quiet --fail-severity=warn --ruleset .spectral.yaml openapi.yaml
	node_modules/.bin/spectral lint --quiet --fail-severity=warn --ruleset .spectral-asyncapi.yaml media-stream.asyncapi.yaml

conformance: venv ## Judge a server by the contract (default: the emulator; TARGET=url, PUBLIC_URL=tunnel, CALL_SID=live call, PROFILE=live, SEED=...)
	$(BIN)/twilio-stream-conformance $(TARGET) $(call opt,PROFILE,--profile) $(call opt,SEED,--seed) \
	  $(call opt,MAX_EXAMPLES,--max-examples) $(call opt,MAX_TIME,--max-time) \
	  $(call opt,PUBLIC_URL,--public-url) $(call opt,LOCAL_PORT,--local-port) $(call opt,CALL_SID,--call-sid) \
	  $(if $(NO_STREAM_EFFECTS),--no-stream-effects)

conformance-selftest: venv ## Prove the suite fails on each deliberately defective server and passes on the emulator
	$(BIN)/python -m twilio_stream_conformance.selftest $(call opt,SEED,--seed) \
	  $(call opt,MAX_EXAMPLES,--max-examples) $(if $(NO_STREAM_EFFECTS),--no-stream-effects)

bench: venv bench/node_modules/.installed ## Measure client, emulator and suite against their peers into BENCHMARKS.md (QUICK=1: smoke run)
	@command -v wrk >/dev/null || { echo "make bench needs wrk, the HTTP load generator: install it (Debian/Ubuntu: sudo apt-get install wrk; macOS: brew install wrk) and run make bench again" >&2; exit 2; }
	$(BIN)/python -m bench $(if $(QUICK),--quick)

serve: venv ## Serve the emulator (HOST=, PORT=, DB=store file, WORKERS=; every option: twilio-stream-emulator --help)
	$(BIN)/twilio-stream-emulator $(call opt,HOST,--host) $(call opt,PORT,--port) $(call opt,DB,--db) \
	  $(call opt,WORKERS,--workers)

dist: venv ## Build the wheels of the client, the contract, the emulator and the suite into dist/
	$(UV) build --wheel --quiet --out-dir dist . && $(UV) build --wheel --quiet --out-dir dist contract
	$(UV) build --wheel --quiet --out-dir dist emulator && $(UV) build --wheel --quiet --out-dir dist conformance

clean: ## Remove the virtualenvs, caches and reports
	rm -rf .tools $(VENV) node_modules bench/node_modules reports dist .pytest_cache .mypy_cache .ruff_cache
