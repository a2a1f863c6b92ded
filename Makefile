# One entry point. `make test` and `make lab` create .venv from requirements.lock the first time
# (and again whenever the lock changes); a second run does not reinstall.
SHELL := bash
# Python writes each module's bytecode on first import (see $(DEPS) below)
unexport PYTHONDONTWRITEBYTECODE
.SHELLFLAGS := -euo pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEPS := $(VENV)/.deps
STAMP := $(VENV)/.installed

.PHONY: book site site-check screenshots chromium axe pdf tex test test-simd lab notebooks edition edition-alone bench accuracy accuracy-search mutation lock clean-venv help

help:
	@echo "make book   - set up what is needed, build the course website, check it in a browser"
	@echo "make screenshots - check every page afresh, save full-page screenshots (book/_build/screenshots)"
	@echo "make pdf    - the whole course as one PDF (book/_build/latex/), offline; copied into the built site"
	@echo "make test   - set up .venv from requirements.lock if needed, lint, type-check, build and check the site, run every test"
	@echo "make test-simd - nbval and the bounds again at the numpy SIMD levels of other CPUs"
	@echo "make lab    - open JupyterLab on the course"
	@echo "make notebooks - re-execute every notebook from its .md, store the outputs in its .ipynb, regenerate edition/"
	@echo "make edition - regenerate edition/ (plain Jupyter and Colab) from notebooks/"
	@echo "make bench  - run the speed benchmark (bench/bench_activations.py)"
	@echo "make accuracy - worst ulp errors against mpmath (bench/accuracy.py)"
	@echo "make accuracy-search - the adversarial search behind every stated bound (about 20 minutes)"
	@echo "make mutation - mutation testing (mutmut) of sigmoid, softmax, tanh, losses, network; not part of make test"
	@echo "make lock   - re-resolve requirements.lock from pyproject.toml (newest versions)"

# The virtualenv is rebuilt from scratch only when the lock changes; a change to
# pyproject.toml alone just reinstalls the project itself (seconds).
$(DEPS): requirements.lock
	@echo "==> creating $(VENV) from requirements.lock"
	rm -rf $(VENV)
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python >= 3.11 is required, found " + sys.version'
	@# Without pip (ensurepip takes 4 s): the lock has pip, and installs it.
	$(PYTHON) -m venv --without-pip $(VENV)
	@# uv, pinned in the lock, installs the lock in seconds; the system's pip (>= 22.3, for
	@# --python) puts uv in. pip (the lock's version, bootstrapped by ensurepip) does it all,
	@# in about a minute, where uv cannot be installed or cannot reach the index. uv does not
	@# compile the bytecode of all 900 MB: each module is compiled when first imported,
	@# and written (PYTHONDONTWRITEBYTECODE is unset above).
	@if $(PYTHON) -m pip --python $(BIN)/python install --quiet --disable-pip-version-check \
	      "$$(grep '^uv==' requirements.lock)" \
	    && $(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.lock; then \
	  echo "==> installed requirements.lock with uv"; \
	else \
	  echo "==> uv did not install the lock; installing it with pip"; \
	  $(BIN)/python -m ensurepip --default-pip >/dev/null; \
	  $(BIN)/python -m pip install --quiet --disable-pip-version-check "$$(grep '^pip==' requirements.lock)"; \
	  $(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock; \
	fi
	touch $(DEPS)

$(STAMP): $(DEPS) pyproject.toml tools/jupyterlab-overrides.json
	@if [ -x $(BIN)/uv ]; then \
	  $(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps --no-build-isolation -e .; \
	else \
	  $(BIN)/python -m pip install -qq --disable-pip-version-check --no-deps --no-build-isolation -e .; \
	fi
	@# JupyterLab opens a notebook's .md as a notebook (Jupytext's viewer) on double-click
	mkdir -p $(VENV)/share/jupyter/lab/settings
	cp tools/jupyterlab-overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	touch $(STAMP)

# The course website (Jupyter Book 1, book/). The site is rebuilt from scratch: with -W, an
# incremental build would not repeat the warnings of unchanged pages. Warnings are errors;
# -n reports every unresolved reference. The build is skipped while none of its inputs has
# changed since it last succeeded (tools/checkout_digest.py: every file of the checkout but
# the tests, tools, benchmarks and CI; the build is deterministic, so it would write the
# same bytes); FRESH=1 builds anyway. tools/precompile.py compiles the bytecode of the
# modules the build imports on the other core, ahead of it (a new .venv has none).
BOOK_HTML := book/_build/html
SITE_IGNORES := tests/ tools/ bench/ .ci/

book: site site-check
	@echo "==> the site is in $(BOOK_HTML); open file://$(CURDIR)/$(BOOK_HTML)/index.html"

site: $(STAMP)
	@digest="$$($(BIN)/python tools/checkout_digest.py --ignore $(SITE_IGNORES) || true)"; \
	if [ "$(FRESH)" != 1 ] && [ -n "$$digest" ] && [ -f $(BOOK_HTML)/intro.html ] \
	    && [ "$$(cat book/_build/.site-digest 2>/dev/null)" = "$$digest" ]; then \
	  echo "==> the site's inputs are unchanged since it was built: not rebuilt (FRESH=1 rebuilds)"; \
	else \
	  rm -rf book/_build; \
	  $(BIN)/python tools/precompile.py & \
	  TIMEFORMAT='==> site built in %R s'; \
	  time $(BIN)/jupyter-book build book --all -W -n --keep-going -q; \
	  wait; \
	  echo "$$digest" > book/_build/.site-digest; \
	fi

# Every page opened in headless Chromium with the network blocked, axe-core run in it (light
# and dark) and its layout checked at 390 px. A page is opened again only when it, or a file
# it loads, or the checker has changed since it last passed (.cache/site-check.json).
# `make screenshots` checks every page afresh and saves screenshots in book/_build/screenshots.
site-check: $(STAMP) chromium axe
	$(BIN)/python tools/check_site.py $(BOOK_HTML) $(SITE_CHECK_CACHE)

screenshots: $(STAMP) chromium axe
	$(BIN)/python tools/check_site.py $(BOOK_HTML) --screenshots book/_build/screenshots

# The browser check is never skipped: install Debian's chromium when we can (as root,
# which CI is), and otherwise stop and say how.
chromium:
	@if ! command -v chromium >/dev/null 2>&1 && [ -z "$${CHROMIUM:-}" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "==> installing Debian's chromium (apt-get) for the site check"; \
	    apt-get update -qq; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "The site check needs Chromium, and it is not installed. Install it, then run make again:"; \
	    echo "    sudo apt-get install chromium     # Debian, Ubuntu"; \
	    echo "or set CHROMIUM=/path/to/chromium (any Chromium or Chrome build)."; \
	    exit 1; \
	  fi; \
	fi

# The whole course as one PDF: Jupyter Book's LaTeX builder (-W -n, as for the site), then
# latexmk with xelatex. tools/build_pdf.py fails on a glyph missing from a font or an
# unresolved reference in LaTeX's log, copies the PDF into the built site (the landing
# page links it), and prints the page count, size and build time. 31 to 48 s.
pdf: $(STAMP) tex
	$(BIN)/python tools/build_pdf.py

# Debian's TeX for make pdf: xelatex and latexmk, the LaTeX packages sphinx and
# jupyterBook.cls load (bbm.sty is in texlive-fonts-extra), and the fonts of
# book/_config.yml's fontpkg. Installed when we can (as root, which CI is; about 2 min),
# otherwise stop and say how.
TEX_PACKAGES := texlive-latex-extra texlive-fonts-extra texlive-xetex latexmk \
  fonts-freefont-otf fonts-dejavu-core fontconfig
tex:
	@missing=""; \
	for cmd in xelatex latexmk kpsewhich fc-list; do \
	  command -v $$cmd >/dev/null 2>&1 || missing="$$missing $$cmd"; \
	done; \
	if [ -z "$$missing" ]; then \
	  for sty in bbm.sty tabulary.sty fncychap.sty unicode-math.sty; do \
	    kpsewhich $$sty >/dev/null || missing="$$missing $$sty"; \
	  done; \
	  for font in FreeSerif FreeSans "DejaVu Sans Mono"; do \
	    fc-list "$$font" | grep -q . || missing="$$missing font:$${font// /-}"; \
	  done; \
	fi; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "==> installing Debian's TeX for make pdf (apt-get, about 2 min): missing$$missing"; \
	    apt-get update -qq; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(TEX_PACKAGES) >/dev/null; \
	  else \
	    echo "make pdf needs TeX, and this is missing:$$missing. Install it, then run make again:"; \
	    echo "    sudo apt-get install $(TEX_PACKAGES)     # Debian, Ubuntu"; \
	    echo "(elsewhere: a TeX Live with xelatex, latexmk and the bbm package, and the fonts"; \
	    echo "GNU FreeFont and DejaVu Sans Mono)"; \
	    exit 1; \
	  fi; \
	fi

# axe-core (the accessibility rules the site check runs in each page), pinned in
# tools/axe/package-lock.json and installed from the npm registry into tools/axe/node_modules
# (git-ignored); check_site.py injects it from there, so no page fetches it.
AXE := tools/axe/node_modules/axe-core/axe.min.js

axe: $(AXE)

$(AXE): tools/axe/package.json tools/axe/package-lock.json
	@if ! command -v npm >/dev/null 2>&1; then \
	  echo "The site check needs npm (Node.js) to install axe-core, and it is not installed."; \
	  echo "Install it, then run make again:"; \
	  echo "    sudo apt-get install npm     # Debian, Ubuntu (brings nodejs)"; \
	  echo "or Node.js >= 18 from https://nodejs.org/ (it ships npm)."; \
	  exit 1; \
	fi
	@echo "==> installing axe-core (npm ci, tools/axe/package-lock.json) for the site check"
	cd tools/axe && npm ci --no-audit --no-fund --loglevel=error
	touch $(AXE)

# pytest runs on both cores; --dist loadfile keeps each notebook's cells in one kernel,
# in order (nbval). Figures are drawn without a screen. At this CPU's SIMD level nbval
# would repeat the Colab-like run (tests/test_edition.py), which executes the same code
# cells and compares their outputs with the stored ones as nbval does: so notebooks/ is
# left out here, and make test-simd runs nbval on it at the two lower levels.
PYTEST := $(BIN)/python -m pytest -n 2 --dist loadfile tests course_lib
export MPLBACKEND := Agg
# The tests already keep both cores busy with two processes: a BLAS that starts threads
# of its own in each only makes them wait on one another (chapter 7's 20-layer probe took
# 2.9 s at the lower SIMD levels, 0.8 s with one thread; make test-simd 32.7 s -> 28.3 s).
test test-simd: export OPENBLAS_NUM_THREADS := 1
test test-simd: export OMP_NUM_THREADS := 1
test test-simd: export MKL_NUM_THREADS := 1

# The passes of the slow runs (a notebook under nbval, the Colab-like run, JupyterLab, the
# throwaway books) are kept in .cache/passed while their inputs are unchanged, and the
# browser check keeps its findings on unchanged pages (tests/pass_cache.py,
# tools/check_site.py). `make test FRESH=1` runs everything afresh (and keeps the new passes);
# a clean clone has no cache.
ifeq ($(FRESH),1)
export COURSE_TEST_CACHE := 0
SITE_CHECK_CACHE := --cache .cache/site-check.json --fresh
else
SITE_CHECK_CACHE := --cache .cache/site-check.json
endif

# The browser check runs beside pytest (its report is printed when both are done).
test: $(STAMP) chromium axe
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(MAKE) --no-print-directory site
	@mkdir -p .cache
	@$(MAKE) --no-print-directory site-check > .cache/site-check.log 2>&1 & check=$$!; \
	status=0; $(PYTEST) || status=$$?; wait $$check || status=$$?; \
	echo "==> the browser check (make site-check), run beside pytest:"; \
	cat .cache/site-check.log; \
	exit $$status
	$(MAKE) --no-print-directory test-simd

# nbval and the bounds again as CPUs without AVX-512, and without AVX2, would run them
# (numpy's SIMD kernels and OpenBLAS's differ in the last bit): every stored output and
# every stated bound (at the worst points of the accuracy search, which itself searches
# every level) must hold at each level. These are the tests marked `simd`; the rest of
# the library tests check exact identities, errors and shapes, and run once, above.
# The two levels run side by side (each a pytest without xdist).
test-simd: $(STAMP)
	$(BIN)/python tools/simd_levels.py --parallel -- \
	  $(BIN)/python -m pytest -p no:xdist -q -m "simd and not setup"

# Double-click a notebook's .md to open it; saving writes both halves of the pair.
lab: $(STAMP)
	$(BIN)/jupyter lab --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/notebooks \
	  $(if $(filter 0,$(shell id -u)),--ServerApp.allow_root=True)

# Re-execute every chapter into its .ipynb, then regenerate the plain-Jupyter edition,
# which carries those outputs.
notebooks: $(STAMP)
	$(BIN)/python tools/execute_notebooks.py
	$(BIN)/python tools/make_edition.py

# edition/NN-*.ipynb for plain Jupyter and Colab, from notebooks/ (tests/test_edition.py
# fails when it has drifted). A fork runs this after changing the repository address.
edition: $(STAMP)
	$(BIN)/python tools/make_edition.py

# Each edition chapter alone in an empty folder, in a fresh environment holding what
# Colab ships plus course-lib from a wheel of this checkout (also run by make test)
edition-alone: $(STAMP)
	$(BIN)/python tools/run_edition_alone.py

bench: $(STAMP)
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python bench/bench_activations.py

accuracy: $(STAMP)
	$(BIN)/python bench/accuracy.py

# The adversarial search behind course_lib/bounds.py (tests/accuracy_search.py): 10^7
# points per function and dtype, a local search around the worst, mpmath to confirm, at
# every SIMD level of make test-simd. It fails if a bound is exceeded, and keeps the worst
# points in tests/data/accuracy_worst.json, which make test checks again on every run.
accuracy-search: $(STAMP)
	$(BIN)/python -m tests.accuracy_search --write

# Mutation testing ([tool.mutmut] in pyproject.toml): mutmut changes one thing at a time in
# the five modules and runs the tests that call it; a mutant no test notices "survives".
# Two workers (the machine has two cores), 2,172 mutants. Every run
# starts afresh: mutmut's cache keys on the code, so a changed test would not re-test
# cached survivors. Then the
# per-module score, with the survivors judged in tools/mutation_equivalent.txt; read a
# survivor with `.venv/bin/mutmut show NAME`. COURSE_LIB_MUTATION selects the Hypothesis
# profile of tests/conftest.py.
mutation: $(STAMP)
	rm -rf mutants
	mkdir -p mutants/book mutants/tools  # for also_copy's files (mutmut copies files, not folders)
	@TIMEFORMAT='==> mutmut ran in %R s'; time COURSE_LIB_MUTATION=1 $(BIN)/mutmut run --max-children 2
	$(BIN)/python tools/mutation_summary.py

# Refresh the lock: resolve every extra to the newest versions the registry offers, pinned exactly.
lock: $(STAMP)
	$(BIN)/pip-compile --quiet --upgrade --allow-unsafe --strip-extras --no-emit-index-url \
	  --no-emit-find-links --extra test --extra notebooks --extra book --extra dev \
	  -o requirements.lock pyproject.toml

clean-venv:
	rm -rf $(VENV)
