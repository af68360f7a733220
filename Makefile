# make run: set up and start the service on SQLite with demo data.  make test: ruff, mypy, every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
WORKERS ?= 4
export PYTHONPATH := $(CURDIR)

.PHONY: run test lint translations messages clean setup

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

setup: $(BIN)/.installed translations

translations: $(BIN)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d checkin/translations

messages: $(BIN)/.installed
	$(BIN)/pybabel extract --no-wrap -F babel.cfg -k _l -o checkin/translations/messages.pot .
	$(BIN)/pybabel update --no-wrap -N --ignore-obsolete -i checkin/translations/messages.pot -d checkin/translations

instance/secret_key:
	mkdir -p instance
	umask 077; $(BIN)/python -c "import secrets; print(secrets.token_hex(32))" > $@

instance/demo-password:
	mkdir -p instance
	umask 077; $(BIN)/python -c "import secrets; print('demo-' + secrets.token_hex(4))" > $@

# The demo county's rules rank its teams (seed 001: red flag, yellow card); a deployment's
# default is no ranking (POLICY_BULLETIN_RANKING, README: Less burden).
run: export POLICY_BULLETIN_RANKING ?= on
run: setup instance/secret_key instance/demo-password
	SECRET_KEY=$$(cat instance/secret_key) $(BIN)/flask --app checkin init-db
	SECRET_KEY=$$(cat instance/secret_key) $(BIN)/flask --app checkin seed-demo --if-empty \
		--password "$$(cat instance/demo-password)" --accounts-json instance/demo-accounts.json
	@echo
	@echo "checkin is starting on http://127.0.0.1:$(PORT)/"
	@echo "demo logins (every account has the password $$(cat instance/demo-password)):"
	@echo "  admin            admin"
	@echo "  county           county supervisor (岳西县)"
	@echo "  township1        township supervisor (温泉镇)"
	@echo "  cadre01a         first secretary of 汤池村 (cadre01b, cadre01c: team members)"
	@echo "  envoy1           party-building envoy (党建特派员) of three villages"
	@echo "  district1        district secretary (管区书记) of the first township's district"
	@echo
	@echo "the scheduler (flask run-jobs --every 60) runs beside it: notifications, digests, sweeps"
	export SECRET_KEY=$$(cat instance/secret_key) JOBS_DAILY_HOUR=$${JOBS_DAILY_HOUR:-0} \
	  DIGEST_DAILY_HOUR=$${DIGEST_DAILY_HOUR:-0} DIGEST_WEEKLY_HOUR=$${DIGEST_WEEKLY_HOUR:-0}; \
	$(BIN)/flask --app checkin run-jobs --every 60 & jobs=$$!; \
	trap 'kill $$jobs 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn --workers $(WORKERS) --bind 127.0.0.1:$(PORT) --access-logfile - wsgi:app

test: setup
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

lint: $(BIN)/.installed
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
	find checkin/translations -name '*.mo' -delete
