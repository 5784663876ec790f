# The two commands of the README: `make demo` and `make test`. Both set everything up first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install lint typecheck clean messages

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/warta demo demo-site

# Extract every _()/N_()/ngettext() message, update pipeline/locale/id/LC_MESSAGES/warta.po (fill the new
# msgstr "" entries, then run it again) and compile warta.mo. See the docstring of pipeline/i18n.py.
messages: $(STAMP)
	$(BIN)/python tools/messages.py

lint: $(STAMP)
	$(BIN)/ruff check pipeline tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

test: $(STAMP)
	$(BIN)/ruff check pipeline tests benchmarks
	$(BIN)/mypy
	$(BIN)/pytest

clean:
	rm -rf $(VENV) demo-site demo-site.keys _site _site.versions _site.staging _preview _outbox .warta-cache .pytest_cache .mypy_cache .ruff_cache
