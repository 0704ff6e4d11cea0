# ConductEval — two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT

.PHONY: run test lint bench bench-micro loadtest screenshots clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

run: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py load_demo
	exec bin/run-embedded

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .

test: lint
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

# The province-scale table (bench/scale.py) on PostgreSQL: DATABASE_URL's, or a throwaway cluster.
# BENCH_SIZE=full|small|ci; appends to bench/RESULTS.md.
BENCH_SIZE ?= small
bench: $(VENV)/.installed
	@if echo "$$DATABASE_URL" | grep -q '^postgres'; then $(PY) -m bench.scale --size $(BENCH_SIZE) $(BENCH_ARGS); \
	else bin/with-services $(PY) -m bench.scale --size $(BENCH_SIZE) $(BENCH_ARGS); fi

# The older micro-benchmarks (bench/bench_*.py), any database.
bench-micro: $(VENV)/.installed
	$(PY) -m bench

# 3,000 survey submissions at 50 concurrent clients against gunicorn + PostgreSQL + Redis (loopback only);
# LOADTEST_ARGS="--submissions 300 --clients 16" for the CI-sized run.
loadtest: $(VENV)/.installed
	bin/with-services $(PY) -m bench.loadtest $(LOADTEST_ARGS)

# The README's screenshots (docs/screenshots/*.png), written by the office's browser test in Debian's Chromium.
screenshots: $(VENV)/.installed
	CE_SCREENSHOTS=docs/screenshots $(PY) -m pytest tests/test_office_e2e_browser.py -q -p no:cacheprovider

clean:
	rm -rf var .pytest_cache .ruff_cache
