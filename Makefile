# The two commands of the README: `make run` (build if needed, then serve) and `make test`.
# Both create the project's own virtual environment on first use; nothing else needs installing by hand.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test build check serve setup clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/gcmkg build --if-needed
	$(BIN)/gcmkg serve

build: $(STAMP)
	$(BIN)/gcmkg build

check: $(STAMP)
	$(BIN)/gcmkg check

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf instance
