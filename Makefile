# Two commands for a newcomer: `make demo` and `make test`. Everything else is installed from here.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed-stamp
PYTEST  := $(BIN)/pytest

.PHONY: demo test test-slow lint bench install system-deps clean

$(STAMP): pyproject.toml
	@$(MAKE) --no-print-directory system-deps
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Debian packages the tests use: the OpenSSL CLI cross-checks our SM2 certificates;
# a CJK font draws the organisation names on seal pictures (without it seals carry no text).
system-deps:
	@command -v openssl >/dev/null 2>&1 || { \
	  echo "installing openssl (Debian)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl; }
	@fc-list :lang=zh 2>/dev/null | grep -q . || { \
	  echo "installing a CJK font for seal pictures (Debian fonts-wqy-microhei)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei; }

demo: install
	$(BIN)/guoku demo

test: install
	$(BIN)/ruff check .
	$(PYTEST) -n 2 -q

test-slow: install
	$(PYTEST) -q -m slow

lint: install
	$(BIN)/ruff check .

bench: install
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache
