# Two commands for a newcomer: `make demo` and `make test`. Everything else is installed from here.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed-stamp
PYTEST  := $(BIN)/pytest

.PHONY: demo test test-slow test-crash lint bench install system-deps clean lock dist

# The exact versions come from requirements.lock (pyproject.toml states ranges), so `make test`
# runs what CI ran; `make lock` moves the lock to the newest releases inside the ranges.
$(STAMP): pyproject.toml requirements.lock Makefile
	@$(MAKE) --no-print-directory system-deps
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c requirements.lock -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

lock: install
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 \
	  --upgrade --custom-compile-command 'make lock' -o requirements.lock

# A wheel and an sdist in dist/; tests/test_packaging.py installs the wheel in a fresh venv.
dist: install
	rm -rf dist
	$(BIN)/uv build --out-dir dist .

# Debian packages the tests use: the OpenSSL CLI cross-checks our SM2 certificates;
# a CJK font draws the organisation names on seal pictures (without it seals carry no text);
# a JDK and libaxis-java build the Axis 1 client test; chromium drives the web console;
# pdftoppm renders exported PDFs.
system-deps:
	@command -v openssl >/dev/null 2>&1 || { \
	  echo "installing openssl (Debian)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl; }
	@fc-list :lang=zh 2>/dev/null | grep -q . || { \
	  echo "installing a CJK font for seal pictures (Debian fonts-wqy-microhei)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei; }
	@{ command -v javac >/dev/null 2>&1 && test -f /usr/share/java/axis.jar; } || { \
	  echo "installing a JDK and Apache Axis 1.4 for the Axis 1 client test (Debian)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jdk-headless libaxis-java; }
	@{ command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; } || { \
	  echo "installing chromium and its driver for the web console tests (Debian)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; }
	@command -v pdftoppm >/dev/null 2>&1 || { \
	  echo "installing poppler-utils to render exported PDFs (Debian)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils; }

demo: install
	$(BIN)/guoku demo

test: install
	$(BIN)/ruff check .
	$(PYTEST) -n 2 -q

# The crash test at CI size: 20 SIGKILLs of guoku serve on SQLite, 10 on PostgreSQL and one
# restart of the PostgreSQL server itself. The restart disturbs everyone using that server, so
# run it only where nothing else does (.ci/run runs it after the suite).
PG_RESTART_CMD ?= pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | head -n 1) main restart
test-crash: install
	GUOKU_PG_RESTART_CMD="$(PG_RESTART_CMD)" $(PYTEST) -q -n 0 -m slow -k ci_sized tests/benchmarks/test_crash.py

test-slow: install
	$(PYTEST) -q -m slow

lint: install
	$(BIN)/ruff check .

bench: install
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache build dist out
