# aisle: `make demo` starts a store on http://127.0.0.1:8000, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000

.PHONY: help demo serve test lint rules unit e2e services-up services-down cluster-up cluster-down test-cluster clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP) ## load a catalog (real sample data if present, else generated) and serve it on :8000 (PORT=...)
	$(BIN)/aisle demo --port $(PORT)

serve: $(STAMP) ## serve whatever catalog AISLE_DATA_DIR holds (PORT=...)
	$(BIN)/aisle serve --port $(PORT)

lint: $(STAMP) ## ruff, the import layering contracts and mypy (strict on domain and services)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	@! grep -rnIE '^(<<<<<<<|>>>>>>>)( |$$)' --exclude-dir=.git --exclude-dir=.venv --exclude-dir='*.egg-info' . \
		|| { echo "unresolved merge conflict markers (above)"; false; }
	$(BIN)/lint-imports
	$(BIN)/mypy

# The suite in two pytest processes, one per core, of about the same length (measured on a 2-core box): the tests of
# the shared servers' adapters and processes with the unit, browser and schema-fuzzing tests, beside everything else
# (the API tests, and any new folder). Each test keeps to its own data (tmp dirs, databases, namespaces, prefixes).
FUZZ_TESTS := tests/api/test_schemathesis.py
FIRST_LANE := tests/contract tests/distributed tests/processes tests/unit tests/e2e $(FUZZ_TESTS)
SECOND_LANE := tests $(addprefix --ignore=,$(FIRST_LANE))

test: lint rules ## the whole suite (PostgreSQL tests run when AISLE_TEST_DATABASE_URL is set; CI requires them)
	@log=$$(mktemp); trap 'kill $$first 2>/dev/null; rm -f $$log' EXIT INT TERM; \
	$(BIN)/pytest $(FIRST_LANE) > $$log 2>&1 & first=$$!; \
	$(BIN)/pytest $(SECOND_LANE); second=$$?; \
	wait $$first; first_status=$$?; \
	echo; echo "== $(FIRST_LANE), run beside the above =="; cat $$log; \
	[ $$first_status -eq 0 ] && [ $$second -eq 0 ]

rules: ## check and unit-test the Prometheus recording rules and alerts (needs promtool: Debian package prometheus)
	@if ! command -v promtool >/dev/null; then \
	  if [ "$$CI" = true ]; then echo "promtool missing: CI must install the Debian package prometheus" >&2; exit 1; fi; \
	  echo "skipping the rule checks: promtool not found (apt-get install prometheus)"; exit 0; \
	fi; \
	promtool check rules deploy/prometheus/rules.yml && cd deploy/prometheus && promtool test rules tests.yml

unit: $(STAMP) ## the fast tests only
	$(BIN)/pytest tests/unit

e2e: $(STAMP) ## the browser tests (Playwright driving Debian chromium: apt-get install chromium)
	$(BIN)/pytest tests/e2e

services-up: ## start PostgreSQL, Redis, OpenSearch, Kafka and S3 (S3Proxy) on 127.0.0.1 (installs them first)
	bash deploy/local/up.sh

services-down: ## stop them
	bash deploy/local/down.sh

cluster-up: ## a 3-node OpenSearch and 3-broker Kafka instead of the single nodes (stops them; ports: deploy/local/cluster.sh)
	bash deploy/local/cluster.sh up

cluster-down: ## stop the cluster (`make services-up` brings the single nodes back)
	bash deploy/local/cluster.sh down

test-cluster: $(STAMP) ## failover tests: kill and restart cluster nodes under traffic (needs cluster-up and AISLE_TEST_CLUSTER_*)
	$(BIN)/pytest tests/cluster -v -s

clean: ## remove the virtualenv and the demo's data
	rm -rf $(VENV) var
