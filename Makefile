# The README's two commands: `make run` and `make test`. Everything else is a step of theirs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed
VENDOR := pwa/static/vendor/htmx.min.js
# The compiled catalogs of person-facing texts (the .po files are the source; the .mo files are built).
CATALOGS := pwa/translations/es/LC_MESSAGES/messages.mo

.PHONY: run test setup demo sweep test-postgres clean

# `flask run` and the demo's sign-in line read the same address: FLASK_RUN_PORT=8000 make run
export FLASK_RUN_HOST ?= 127.0.0.1
export FLASK_RUN_PORT ?= 5000

run: setup
	@$(FLASK) db upgrade
	@$(FLASK) demo --if-empty
	@$(FLASK) push keys >/dev/null
	@echo "The web server and the sweeper (the deadline sweep every minute) start together; Ctrl+C stops both."
	@$(BIN)/honcho --procfile deploy/Procfile.dev --app-root . start

test: setup
	$(BIN)/python -m pytest

# Integration tests again against PostgreSQL; TEST_DATABASE_URL must name a database.
test-postgres: setup
	$(BIN)/python -m pytest tests/integration

setup: $(STAMP) $(VENDOR) $(CATALOGS)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $(STAMP)

$(CATALOGS): pwa/translations/es/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d pwa/translations

$(VENDOR): package.json package-lock.json scripts/vendor.mjs
	npm ci --no-audit --no-fund --loglevel=error
	node scripts/vendor.mjs

demo: setup
	$(FLASK) db upgrade
	$(FLASK) demo

sweep: setup
	$(FLASK) sweep

clean:
	rm -rf $(VENV) node_modules pwa/static/vendor instance
