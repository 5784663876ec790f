# The two commands of the README: `make demo` and `make test`. Both set everything up first.
#
# Python: the first of python3.13, python3.12, python3.11, python3 that is 3.11 or newer (a fresh
# Debian 13 or Ubuntu 24.04 has no python3.11). Another one: make test PYTHON=/path/to/python3
ifeq ($(origin PYTHON), undefined)
PYTHON := $(shell for p in python3.13 python3.12 python3.11 python3; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; \
	then echo $$p; break; fi; done)
endif
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install lint typecheck clean messages system

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "warta needs Python 3.11 or newer, and none of python3.13, python3.12, python3.11, python3 is one: install it (sudo apt-get install -y python3 python3-venv), or name it: make PYTHON=/path/to/python3"; exit 2; }
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found (PYTHON=$(PYTHON))"; exit 2; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "$(PYTHON) is older than Python 3.11: give another one, make PYTHON=/path/to/python3"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

# The demo folder is rebuilt only when it is a previous demo exactly as the demo left it: a branch, a
# commit or a file of yours in demo-site/ makes it refuse (nothing is deleted). Its officials' private
# keys go to demo-site.keys/, outside the demo repository and git-ignored here.
demo: $(STAMP)
	$(BIN)/warta demo demo-site

# The system packages warta and the tests need (git, openssh-client, rsync, openssh-server, chromium, and
# axe-core/vnu-jar from `npm ci`): missing ones are named with the line that installs them; with CI=true any
# missing one fails the run.
system:
	@$(or $(PYTHON),python3) tools/system_check.py

lint: $(STAMP)
	$(BIN)/ruff check pipeline tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

# Extract every _()/N_()/ngettext() message, update pipeline/locale/id/LC_MESSAGES/warta.po (fill the new
# msgstr "" entries, then run it again) and compile warta.mo. See the docstring of pipeline/i18n.py.
messages: $(STAMP)
	$(BIN)/python tools/messages.py

test: $(STAMP) system
	$(BIN)/ruff check pipeline tests benchmarks
	$(BIN)/mypy
	$(BIN)/python tools/messages.py --check
	$(BIN)/pytest

# Only what the build and the demo made: never demo-site/ unless it is the demo's (warta demo checks).
clean:
	rm -rf $(VENV) _site _site.versions _site.staging _preview _outbox .warta-cache .pytest_cache .mypy_cache .ruff_cache
