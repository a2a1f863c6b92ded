# One entry point. `make test` and `make lab` create .venv from requirements.lock the first time
# (and again whenever the lock changes); a second run does not reinstall.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEPS := $(VENV)/.deps
STAMP := $(VENV)/.installed

.PHONY: test lab notebooks bench accuracy lock clean-venv help

help:
	@echo "make test   - set up .venv from requirements.lock if needed, lint, run every test"
	@echo "make lab    - open JupyterLab on the course"
	@echo "make notebooks - re-execute every notebook from its .md and store the outputs in its .ipynb"
	@echo "make bench  - run the speed benchmark (bench/bench_activations.py)"
	@echo "make accuracy - worst ulp errors against mpmath (bench/accuracy.py)"
	@echo "make lock   - re-resolve requirements.lock from pyproject.toml (newest versions)"

# The virtualenv is rebuilt from scratch only when the lock changes; a change to
# pyproject.toml alone just reinstalls the project itself (seconds).
$(DEPS): requirements.lock
	@echo "==> creating $(VENV) from requirements.lock"
	rm -rf $(VENV)
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python >= 3.11 is required, found " + sys.version'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "$$(grep '^pip==' requirements.lock)"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $(DEPS)

$(STAMP): $(DEPS) pyproject.toml
	$(BIN)/python -m pip install -qq --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	MPLBACKEND=Agg $(BIN)/python -m pytest

lab: $(STAMP)
	$(BIN)/jupyter lab

notebooks: $(STAMP)
	$(BIN)/python tools/execute_notebooks.py

bench: $(STAMP)
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python bench/bench_activations.py

accuracy: $(STAMP)
	$(BIN)/python bench/accuracy.py

# Refresh the lock: resolve every extra to the newest versions the registry offers, pinned exactly.
lock: $(STAMP)
	$(BIN)/pip-compile --quiet --upgrade --allow-unsafe --strip-extras --no-emit-index-url \
	  --no-emit-find-links --extra test --extra notebooks --extra book --extra dev \
	  -o requirements.lock pyproject.toml

clean-venv:
	rm -rf $(VENV)
