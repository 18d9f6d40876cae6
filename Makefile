# Development tasks. Each target installs what it needs into .venv first.
#   make demo    run the whole job against a local NCP stand-in
#   make test    run the test suite (what CI runs)
#   make bench   measure speed and memory against the stand-in
#   make package build the deployment artifact into build/ (what sam build does)
#   make sam-build  run `sam build` with the SAM CLI from .venv-sam, and show
#                the artifact's contents and size

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The SAM CLI pins its own boto3 and friends, which clash with the test
# requirements, so it lives in a venv of its own.
SAM_VENV := .venv-sam
SAM_STAMP := $(SAM_VENV)/.installed

.PHONY: demo test browser bench package sam-cli sam-build screenshot clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
		-r requirements-dev.txt
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m notifier demo

test: $(STAMP) browser
	$(BIN)/python -m pytest

# Headless Chromium draws the HTML e-mail in the tests: Debian's package,
# installed here when it is missing and this user may (root, as in CI).
browser:
	@command -v chromium >/dev/null || { \
		[ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		apt-get update -qq && \
		apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
	} || { echo "make test needs Chromium: sudo apt-get install chromium" >&2; exit 1; }

bench: $(STAMP)
	$(BIN)/python scripts/benchmark.py

package: $(STAMP)
	rm -rf build/package
	$(MAKE) build-NotifierFunction ARTIFACTS_DIR=$(CURDIR)/build/package

$(SAM_STAMP): requirements-sam.txt
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet --disable-pip-version-check \
		-r requirements-sam.txt
	touch $(SAM_STAMP)

sam-cli: $(SAM_STAMP)

sam-build: $(SAM_STAMP)
	SAM_CLI_TELEMETRY=0 $(SAM_VENV)/bin/sam build
	$(PYTHON) scripts/artifact.py .aws-sam/build/NotifierFunction

screenshot: $(STAMP)
	$(BIN)/python scripts/screenshot.py

clean:
	rm -rf $(VENV) $(SAM_VENV) build .aws-sam .pytest_cache .hypothesis

# Called by `sam build` (BuildMethod: makefile) with ARTIFACTS_DIR set: only
# handler.py, the runtime modules of notifier/ and requirements.txt's
# packages, as arm64 wheels for python3.12, go into the artifact.
build-NotifierFunction:
	$(PYTHON) scripts/package.py "$(ARTIFACTS_DIR)"
