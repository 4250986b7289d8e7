# Two entry points for people: `make run` (the main job on the shipped sample) and `make test`.
# Both create the virtual environment in .venv on first use from requirements.lock.
SHELL := /bin/bash
PYTHON ?= python3
VENV := $(CURDIR)/.venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
# The Data Docs' scripts, stylesheets and fonts, pinned in package-lock.json (pipelines/lib/quality/docs_assets.py).
DOCS_ASSETS := expectations/data_docs_assets
DOCS_STAMP := $(DOCS_ASSETS)/node_modules/.installed-stamp
SCALE ?= 1

export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := False
export GX_ANALYTICS_ENABLED := false
# The code runs from the checkout; nothing is installed as a package.
export PYTHONPATH := $(CURDIR)

.PHONY: help run test dev data bench lint format clean java chromium

$(STAMP): requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@touch $@

# npm ci installs exactly the lock's versions; no package's install scripts run. Node.js from Debian when absent.
$(DOCS_STAMP): $(DOCS_ASSETS)/package.json $(DOCS_ASSETS)/package-lock.json
	@if ! command -v npm >/dev/null; then \
		echo "installing Node.js and npm for the Data Docs assets"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq nodejs npm; \
	fi
	npm ci --prefix $(DOCS_ASSETS) --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

# Spark (KTP_ENGINE=spark, its tests, its benchmark) runs on a Java 17+ runtime: Debian's, when none is here.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
java:
	@if ! java -version 2>&1 | grep -Eq 'version "(1[7-9]|[2-9][0-9])'; then \
		echo "installing a Java runtime for Spark (openjdk-17-jre-headless)"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq openjdk-17-jre-headless; \
	fi

# The browser tests (tests/test_pipeline_end_to_end.py, through tests/support/browser.py) open the
# reports in Debian's Chromium, headless.
chromium:
	@if ! command -v chromium >/dev/null; then \
		echo "installing Chromium for the browser tests"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; \
	fi

help:
	@echo "make run      the main job on the shipped sample, live in make dev (options: .venv/bin/python -m pipelines run --help)"
	@echo "make test     lint, format check and the tests"
	@echo "make dev      the Dagster UI on 127.0.0.1:3000, with a sensor for new files"
	@echo "make data     synthetic extracts at SCALE (default 1) into data/raw/_scale\$$SCALE"
	@echo "make bench    the benchmark against plain DuckDB (writes BENCHMARKS.md)"
	@echo "make lint     ruff check;  make format: ruff format and fix"
	@echo "make clean    remove the warehouse, publication, reports and Dagster state"

# The Dagster instance both use: `make dev` shows the runs `make run` executes there, as they go.
DAGSTER_HOME := $(CURDIR)/.dagster

$(DAGSTER_HOME)/dagster.yaml:
	@mkdir -p $(DAGSTER_HOME) && ln -sf ../dagster.yaml $@

run: $(STAMP) $(DOCS_STAMP) $(DAGSTER_HOME)/dagster.yaml $(if $(filter spark,$(KTP_ENGINE)),java)
	DAGSTER_HOME=$(DAGSTER_HOME) $(PY) -m pipelines run

test: $(STAMP) $(DOCS_STAMP) java chromium
	$(PY) -m ruff check pipelines tests bench tools
	$(PY) -m ruff format --check pipelines tests bench tools
	$(PY) -m pytest -n 2 --dist loadfile

# Dagster UI on 127.0.0.1 with the persistent instance in .dagster/ (the sensor picks up new files).
dev: $(STAMP) $(DOCS_STAMP) $(DAGSTER_HOME)/dagster.yaml
	DAGSTER_HOME=$(DAGSTER_HOME) $(VENV)/bin/dagster dev -h 127.0.0.1 -m pipelines.definitions

# Synthetic extracts at SCALE (1 = Kaltara's ~770,000 residents) into data/raw/_scale$(SCALE).
data: $(STAMP)
	$(PY) -m tools.synthetic --scale $(SCALE) --out data/raw/_scale$(SCALE)

bench: $(STAMP) $(DOCS_STAMP) java
	$(PY) -m bench.run

lint: $(STAMP)
	$(PY) -m ruff check pipelines tests bench tools

format: $(STAMP)
	$(PY) -m ruff format pipelines tests bench tools
	$(PY) -m ruff check --fix pipelines tests bench tools

clean:
	rm -rf data/warehouse data/published data/published.releases data/reports .dagster dbt_project/target \
		dbt_project/logs
