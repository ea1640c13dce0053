# Two commands do all set-up on a fresh Debian machine: `make demo` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

R_DEBS := r-base-core r-base-dev r-cran-reticulate r-cran-testthat r-cran-withr \
          r-cran-jsonlite r-cran-cli r-cran-rlang r-cran-callr r-cran-knitr r-cran-rmarkdown \
          r-cran-roxygen2 pandoc r-cran-pkgdown chromium \
          r-cran-lintr r-cran-covr qpdf
BACKENDS := c("tensorflow", "jax", "torch", "openvino")
VERSION := $(shell sed -n 's/^Version: //p' DESCRIPTION)
# The environments' Pythons, by kswitch's own rule (after `make install`).
env_python = $(shell Rscript -e 'cat(kswitch:::env_python("$(1)"))')
ENV_PYTHON = $(call env_python,r-keras)
# Keep tools' caches out of ~ and the tree.
export TORCHINDUCTOR_CACHE_DIR ?= $(CURDIR)/.cache/torchinductor
export PYTHONDONTWRITEBYTECODE := 1
# TensorFlow's C++ start-up chatter (no GPU, oneDNN notes) hides the output that matters.
export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: setup system-deps install python-env legacy-env cran-packages demo test quick unit \
        test-python testthat-cran test-r-without-keras test-r test-r-cran leftovers-check \
        managed-python user-project keras-oldest test-python-oldest reliability reliability-doc \
        bench python-dist coverage reticulate-diff docs lint site site-check clean

setup: system-deps install python-env legacy-env cran-packages

system-deps:
	@if ! dpkg -s $(R_DEBS) >/dev/null 2>&1; then \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $(R_DEBS); \
	fi

# Installed again only when a file it installs changed: make unit's suites run side by side,
# and one of them reinstalling kswitch would pull it from under the others.
INSTALLED := .cache/kswitch-installed
install: $(INSTALLED)
$(INSTALLED): DESCRIPTION NAMESPACE $(wildcard R/*.R man/*.Rd) \
              $(shell find inst -type f -not -path "*/__pycache__/*")
	R CMD INSTALL --no-test-load . >/dev/null
	@mkdir -p $(@D) && touch $@

# Besides the test tools: IPython, ipykernel, nbclient and nbformat for the magics' and the
# notebook's tests, and build for the wheel's (tests/python/test_wheel.py).
python-env:
	Rscript -e 'kswitch::install_backends($(BACKENDS), extra_packages = c("pytest", "ruff", "coverage", "ipython", "ipykernel", "nbclient", "nbformat", "build"))' \
	  | grep -v '^Requirement already satisfied' || true
	test -x "$(ENV_PYTHON)"

# Multi-backend Keras 2.3.1 (TensorFlow 1.14, Theano, CNTK) on Python 3.6, for the legacy
# tests; a second run only checks (about a second).
LEGACY_BACKENDS := c("keras2-tensorflow", "theano", "cntk")
LEGACY_PYTHON = $(call env_python,r-keras-legacy)
legacy-env: install
	Rscript -e 'kswitch::install_backends($(LEGACY_BACKENDS))' \
	  | grep -v '^Requirement already satisfied' || true
	test -x "$(LEGACY_PYTHON)"

# The R Keras packages kswitch's users write models with (keras3; keras 2.x, the tutorials')
# and CRAN's current reticulate (keras3 needs >= 1.42; Debian ships 1.28), in a library of
# their own: Debian's reticulate stays the default, and the R suite runs under each. From CRAN
# by default; CI points CRAN_REPO at a CRAN-like repository (an absolute file:// URL).
CRAN_REPO ?= https://cloud.r-project.org
CRAN_LIB := $(CURDIR)/.cache/r-cran-lib
CRAN_PACKAGES := c("reticulate", "keras3", "keras")
# The keras3 release before the current one, from the repository's Archive.
KERAS3_PREVIOUS := 1.4.0
KERAS3_PREVIOUS_LIB := $(CURDIR)/.cache/r-keras3-$(KERAS3_PREVIOUS)
# The files that use keras3; not managed-parity (kswitch's request table is keras3 1.5.1's).
KERAS3_TESTS := keras-packages|carry|managed$$|knitr|kinds
CRAN_DEBS := r-cran-generics r-cran-zeallot r-cran-rstudioapi r-cran-backports r-cran-whisker \
             r-cran-tidyselect r-cran-rcpp r-cran-rcpptoml r-cran-here r-cran-png \
             r-cran-rappdirs r-cran-fastmap r-cran-glue r-cran-yaml r-cran-lifecycle \
             r-cran-base64enc
cran-packages: system-deps
	@if ! dpkg -s $(CRAN_DEBS) >/dev/null 2>&1; then \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends \
	    $(CRAN_DEBS) || { $$SUDO apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends \
	    $(CRAN_DEBS); }; \
	fi
	mkdir -p "$(CRAN_LIB)"
	CRAN_LIB="$(CRAN_LIB)" CRAN_REPO="$(CRAN_REPO)" R_LIBS="$(CRAN_LIB)" \
	  KERAS3_PREVIOUS="$(KERAS3_PREVIOUS)" KERAS3_PREVIOUS_LIB="$(KERAS3_PREVIOUS_LIB)" \
	  Rscript tools/install-cran-packages.R

# A user's own project environment, as `python -m venv .venv` and pip make it (keras, jax,
# torch; no TensorFlow), for tests/testthat/test-kinds.R: the Python a user chose.
USER_PROJECT := $(CURDIR)/.cache/user-project
USER_PYTHON ?= /root/.pyenv/versions/3.11.7/bin/python3.11
export USER_PROJECT_CHECK := from importlib import metadata as m; \
  print("user project:", *(n + " " + m.version(n) for n in ("keras", "jax", "torch")))
user-project:
	@if ! env -u LD_LIBRARY_PATH "$(USER_PROJECT)/.venv/bin/python" -c "$$USER_PROJECT_CHECK" \
	    2>/dev/null; then \
	  mkdir -p "$(USER_PROJECT)" && env -u LD_LIBRARY_PATH "$(USER_PYTHON)" -m venv "$(USER_PROJECT)/.venv" && \
	  env -u LD_LIBRARY_PATH "$(USER_PROJECT)/.venv/bin/pip" install -q keras jax "torch==2.13.0" 2>&1 | \
	    grep -v "is ignored" || true; \
	fi
	@env -u LD_LIBRARY_PATH "$(USER_PROJECT)/.venv/bin/python" -c "$$USER_PROJECT_CHECK"

# Under CRAN's reticulate, with keras3 beside it, for the demo's keras3 part.
demo: setup
	R_LIBS="$(CRAN_LIB)" Rscript demo/backends.R man/figures/compare-backends.png

# One pass of each suite of code (lint, pytest, the testthat suite on one reticulate, CRAN's),
# without the checks around them (R CMD check, the keras3 1.4.0 pass, reliability, the site).
# Side by side: each waits on its Python processes much of the time (-O: each one's output
# whole, when it ends).
unit: setup
	$(MAKE) -j3 -O testthat-cran test-python lint

test: setup lint test-python test-python-oldest test-r-without-keras test-r test-r-cran \
      reliability leftovers-check site-check

# The inner loop, under a minute (measured in the README): no environment set-up and no Keras
# import. ruff; lintr (meanwhile, in the background); the pytest files that need only the
# standard library (a Keras import there fails them); the R suite against kswitch installed
# in a library of its own, with a Python without Keras, where what needs Keras skips.
QUICK_PYTEST := test_config.py test_errors.py test_registry.py test_bind.py
QUICK_R := testthat::test_dir("tests/testthat", package = "kswitch", load_package = "installed", \
  stop_on_failure = TRUE, reporter = testthat::ProgressReporter$$new(show_praise = FALSE))
QUICK_PYTHON = $(shell Rscript -e 'cat(pkgload::load_all(quiet = TRUE)$$env$$env_python("r-keras"))')
quick:
	rm -rf check/quick && mkdir -p check/quick/lib check/quick/workon
	Rscript tools/lint.R > check/quick/lint.log 2>&1 & lint=$$!; \
	  "$(QUICK_PYTHON)" -m ruff check --quiet inst/python tests/python && \
	  (cd tests/python && KSWITCH_FORBID_KERAS=1 "$(QUICK_PYTHON)" -m pytest -q -p no:cacheprovider \
	    $(QUICK_PYTEST) | tail -n 1) && \
	  R CMD INSTALL --no-test-load --no-docs -l check/quick/lib . >check/quick/install.log 2>&1 && \
	  /usr/bin/python3 -m venv --without-pip check/quick/python && \
	  WORKON_HOME=$(CURDIR)/check/quick/workon RETICULATE_PYTHON=$(CURDIR)/check/quick/python/bin/python \
	    R_LIBS=$(CURDIR)/check/quick/lib $(LEFTOVERS) quick-r Rscript -e '$(QUICK_R)' \
	    > check/quick/testthat.log 2>&1 \
	    || { tail -n 40 check/quick/testthat.log; exit 1; }; \
	  $(call testthat_summary,check/quick/testthat.log,testthat without Keras); \
	  wait $$lint || { cat check/quick/lint.log; exit 1; }; tail -n 1 check/quick/lint.log

# Every test run below goes through tools/leftovers.sh: a private TMPDIR and HOME for all it
# starts, then a look at what it left there and, by name, in the real /tmp and ~.
LEFTOVERS := tools/leftovers.sh run
# The last testthat summary in log $(1), as "$(2): N passed, N failed, N skipped".
# R CMD check shows a failed test file's last lines only: print every failure, for CI's log.
check_failures = { f=kswitch.Rcheck/tests/testthat.Rout.fail; [ -f $$f ] && \
  sed -n "/Failed tests/,\$$p" $$f; exit 1; }
testthat_summary = sed -n 's/.*FAIL \([0-9]*\) | WARN [0-9]* | SKIP \([0-9]*\) | PASS \([0-9]*\) ].*/$(2): \3 passed, \1 failed, \2 skipped/p' $(1) | tail -n 1
# tests/python: the core, the Python API, the magics (IPython's shell), the example notebook
# (nbclient on ipykernel) and the wheel in a fresh virtualenv (pip, from its cache).
test-python:
	"$(ENV_PYTHON)" -m ruff check --quiet inst/python tests/python bench/python_face.py
	$(LEFTOVERS) pytest bash -c 'cd tests/python && "$(ENV_PYTHON)" -m pytest -q -p no:cacheprovider .'

# The oldest Keras 3 kswitch supports (README, "Supported releases"), with the backends of its
# time (pip picks numpy 1.26), IPython (the core's import test) and pytest, in an environment
# of its own (python -m venv + pip), for test-python-oldest; a second run only checks (about
# a second). Measured: Keras 3.5.0 to 3.15.1 pass; 3.4.1 fails (README).
KERAS_OLDEST := 3.5.0
KERAS_OLDEST_PINS := keras==$(KERAS_OLDEST) tensorflow-cpu==2.17.1 "jax[cpu]==0.4.31" torch==2.13.0
KERAS_OLDEST_ROOT := $(CURDIR)/.cache/keras-oldest
KERAS_OLDEST_PYTHON := $(KERAS_OLDEST_ROOT)/.venv/bin/python
export KERAS_OLDEST_CHECK := from importlib import metadata as m; \
  v = [n + " " + m.version(n) \
       for n in ("keras", "tensorflow-cpu", "jax", "torch", "pytest", "ipython")]; \
  assert v[0] == "keras $(KERAS_OLDEST)", v; print("keras oldest:", *v)
keras-oldest:
	@if ! env -u LD_LIBRARY_PATH "$(KERAS_OLDEST_PYTHON)" -c "$$KERAS_OLDEST_CHECK" >/dev/null 2>&1; then \
	  rm -rf "$(KERAS_OLDEST_ROOT)/.venv" && mkdir -p "$(KERAS_OLDEST_ROOT)" && \
	  env -u LD_LIBRARY_PATH "$(USER_PYTHON)" -m venv "$(KERAS_OLDEST_ROOT)/.venv" && \
	  env -u LD_LIBRARY_PATH "$(KERAS_OLDEST_ROOT)/.venv/bin/pip" install -q $(KERAS_OLDEST_PINS) \
	    pytest ipython 2>&1 | grep -v "is ignored" || true; \
	fi
	@env -u LD_LIBRARY_PATH "$(KERAS_OLDEST_PYTHON)" -c "$$KERAS_OLDEST_CHECK"

# The Python suite's Keras tests (the switch, objects, carry_model, the R entry points) again,
# against the oldest supported Keras; the Keras 2.3.1 tests are test-python's.
OLDEST_PYTEST := test_api.py test_carry.py test_keras_compat.py test_objects.py test_switch.py
test-python-oldest: keras-oldest
	$(LEFTOVERS) pytest-keras-oldest bash -c 'cd tests/python && env -u LD_LIBRARY_PATH \
	  "$(KERAS_OLDEST_PYTHON)" -m pytest -q -p no:cacheprovider -rs $(OLDEST_PYTEST) \
	  -k "not keras_2_3_1 and not other_environments_python"'

# R CMD build (vignettes too) and check with the examples' Keras config kept in check/ (the
# tests isolate their own), R's own detritus checks on (the check's temporary directory and
# the check directory), all under tools/leftovers.sh.
# R CMD build copies the whole directory before it drops what .Rbuildignore lists (.cache:
# gigabytes of environments): the checks build from the tree as a clone has it.
source-copy = rm -rf $(1) && mkdir -p $(1) && git ls-files -co --exclude-standard -z | \
  tar -c --null -T - -f - | tar -x -C $(1)
# The files whose tests and kswitch code paths are the same under Debian's reticulate 1.28 and
# CRAN's 1.46 (`make reticulate-diff`, 2026-12-05) and that test nothing of reticulate's own:
# R CMD check leaves them to testthat-cran, which runs every file.
SAME_UNDER_BOTH := ^(compare|config|knitr|legacy|scopes|testing)$$
test-r:
	rm -rf check && mkdir -p check
	$(call source-copy,check/src)
	cd check && export KERAS_HOME=$(CURDIR)/check/keras-home KSWITCH_TESTS_NEED_KERAS=true \
	  KSWITCH_TEST_SKIP_FILES="$(SAME_UNDER_BOTH)" TESTTHAT_PARALLEL=true && \
	  ../$(LEFTOVERS) r-cmd-check bash -c 'R CMD build src >/dev/null && \
	  _R_CHECK_SYSTEM_CLOCK_=FALSE _R_CHECK_FORCE_SUGGESTS_=FALSE \
	  _R_CHECK_THINGS_IN_TEMP_DIR_=TRUE _R_CHECK_THINGS_IN_CHECK_DIR_=TRUE \
	  _R_CHECK_THINGS_IN_TEMP_DIR_EXCLUDE_="^__autograph_generated_file" \
	  R CMD check --no-manual kswitch_$(VERSION).tar.gz || $(check_failures)'
	@! grep -q "WARNING\|ERROR\|detritus in the temp directory ... NOTE\|things in the check directory ... NOTE" \
	  check/kswitch.Rcheck/00check.log || \
	  { echo "R CMD check reported warnings, errors or left-over files"; exit 1; }
	@$(call testthat_summary,check/kswitch.Rcheck/tests/testthat.Rout,testthat)

# What CRAN's machines (and r-universe's, and a contributor's first devtools::check()) see:
# R CMD build and R CMD check --as-cran where Keras is not. A private home, no kswitch
# environment (an empty WORKON_HOME), RETICULATE_PYTHON a new virtualenv without Keras,
# Debian's reticulate with neither keras3 nor keras installed, and offline (no remote
# incoming checks, no clock check). No LaTeX here: --no-manual. What needs Keras skips,
# saying why; the NOTEs allowed are the README's (Development).
NO_R_KERAS := for (p in c("keras3", "keras")) if (nzchar(system.file(package = p))) \
  stop(p, " is in the default library: this check needs one without it")
test-r-without-keras:
	rm -rf check/without-keras && mkdir -p check/without-keras/workon
	$(call source-copy,check/without-keras/src)
	@Rscript -e '$(NO_R_KERAS)'
	/usr/bin/python3 -m venv --without-pip check/without-keras/python
	Rscript tools/offline-cran.R check/without-keras
	cd check/without-keras && WORKON_HOME=$(CURDIR)/check/without-keras/workon \
	  R_PROFILE=$(CURDIR)/check/without-keras/Rprofile \
	  RETICULATE_PYTHON=$(CURDIR)/check/without-keras/python/bin/python \
	  ../../$(LEFTOVERS) r-cmd-check-without-keras bash -c 'R CMD build src >/dev/null && \
	  _R_CHECK_CRAN_INCOMING_REMOTE_=FALSE _R_CHECK_SYSTEM_CLOCK_=FALSE \
	  _R_CHECK_FORCE_SUGGESTS_=FALSE R CMD check --as-cran --no-manual kswitch_$(VERSION).tar.gz \
	  || $(check_failures)'
	@! grep -q "WARNING\|ERROR" check/without-keras/kswitch.Rcheck/00check.log || \
	  { echo "R CMD check --as-cran without Keras: warnings or errors"; exit 1; }
	@tools/cran-notes.sh check/without-keras/kswitch.Rcheck/00check.log
	@$(call testthat_summary,check/without-keras/kswitch.Rcheck/tests/testthat.Rout,testthat without Keras)

# Where the suite under CRAN's reticulate finds managed Python and the user's project .venv.
KINDS_ENV = KSWITCH_MANAGED_ROOT="$(MANAGED_ROOT)" KSWITCH_USER_PROJECT="$(USER_PROJECT)"

# The suite once, under CRAN's reticulate with keras3 and keras (the first part of
# test-r-cran, and make unit's R part).
testthat-cran: install cran-packages managed-python user-project
	mkdir -p check
	$(KINDS_ENV) R_LIBS="$(CRAN_LIB)" $(LEFTOVERS) testthat-cran Rscript tools/test-installed.R \
	  2>&1 | tee check/testthat-cran.log
	@$(call testthat_summary,check/testthat-cran.log,testthat)

# The testthat suite again, under CRAN's reticulate with keras3 and keras installed (their
# tests run here; under Debian's reticulate they skip, saying why), against the installed
# kswitch. The keras3-specific files run again under the previous keras3 release (its own
# library, first on the path): kswitch reads keras3 internals that can change in any release.
test-r-cran testthat-cran reticulate-diff: export KSWITCH_TESTS_NEED_KERAS := true
test-r-cran testthat-cran: export TESTTHAT_PARALLEL := true
test-r-cran: testthat-cran
	KSWITCH_TEST_FILTER="$(KERAS3_TESTS)" $(KINDS_ENV) \
	  R_LIBS="$(KERAS3_PREVIOUS_LIB):$(CRAN_LIB)" $(LEFTOVERS) testthat-keras3-previous \
	  Rscript tools/test-installed.R 2>&1 | tee check/testthat-keras3-previous.log
	@$(call testthat_summary,check/testthat-keras3-previous.log,testthat (keras3 $(KERAS3_PREVIOUS)))

# Which testthat files behave differently under Debian's reticulate and CRAN's: their tests'
# outcomes and the kswitch functions they call, file by file, under each (about 20 minutes).
# SAME_UNDER_BOTH is read off its table.
reticulate-diff: install cran-packages managed-python user-project
	mkdir -p check/reticulate-diff
	$(LEFTOVERS) reticulate-diff-debian \
	  Rscript tools/reticulate-diff.R check/reticulate-diff/debian.rds
	$(KINDS_ENV) R_LIBS="$(CRAN_LIB)" $(LEFTOVERS) reticulate-diff-cran \
	  Rscript tools/reticulate-diff.R check/reticulate-diff/cran.rds
	Rscript tools/reticulate-diff.R --compare check/reticulate-diff/debian.rds \
	  check/reticulate-diff/cran.rds

# The leftovers check proven both ways, with overlays (as root) and by name: a program adding
# and removing files in /tmp and ~ during a run does not fail it; a file a test leaks is
# caught, in the private TMPDIR or home and in the real /tmp and ~.
leftovers-check: install
	tools/leftovers-selftest.sh

# reticulate's managed Python, for tests/testthat/test-managed.R (under CRAN's reticulate):
# uv from PyPI in a small tool venv, and the embeddable pyenv Python presented to uv as a
# "managed" installation (a wrapper that drops R's LD_LIBRARY_PATH). With
# UV_PYTHON_PREFERENCE=only-managed reticulate 1.46 never calls virtualenv_starter() while
# Python initialises, whose py_exe() call recursed through uv_get_or_create_env() until the C
# stack ran out (53-64 s per start). uv's and reticulate's caches stay in .cache/managed.
MANAGED_ROOT := $(CURDIR)/.cache/managed
MANAGED_PYTHON ?= /root/.pyenv/versions/3.11.7/bin/python3.11
managed-python:
	@tools/managed-python.sh "$(MANAGED_ROOT)" "$(MANAGED_PYTHON)"

# Concurrency, SIGKILL, failing backends, hostile config, bad arguments (a few minutes);
# fails if anything was lost or misbehaved. The report of the run goes to the git-ignored
# check/RELIABILITY.md: make test rewrites no tracked file.
reliability: install
	"$(ENV_PYTHON)" -m ruff check --quiet reliability
	$(LEFTOVERS) reliability "$(ENV_PYTHON)" reliability/run.py check/RELIABILITY.md

# The same suites, refreshing the tracked RELIABILITY.md from their run (not part of make test).
reliability-doc: install
	"$(ENV_PYTHON)" -m ruff check --quiet reliability
	"$(ENV_PYTHON)" reliability/run.py RELIABILITY.md

# bench/run.R rewrites bench/RESULTS.md; bench/keras3.R and bench/carry.R, with keras3, then
# replace their sections (5 and 6); bench/managed.R, on managed Python, section 7;
# bench/objects.R section 8; bench/kinds.R (which Python) section 9; bench/python_face.py
# (kswitch from Python against keras.config.set_backend()) section 10.
bench: setup
	Rscript bench/run.R
	R_LIBS="$(CRAN_LIB)" Rscript bench/keras3.R
	R_LIBS="$(CRAN_LIB)" Rscript bench/carry.R
	$(MAKE) managed-python
	KSWITCH_MANAGED_ROOT="$(MANAGED_ROOT)" R_LIBS="$(CRAN_LIB)" Rscript bench/managed.R
	R_LIBS="$(CRAN_LIB)" Rscript bench/objects.R
	KSWITCH_MANAGED_ROOT="$(MANAGED_ROOT)" R_LIBS="$(CRAN_LIB)" Rscript bench/kinds.R
	"$(ENV_PYTHON)" bench/python_face.py

# kswitch for Python: the wheel and sdist of inst/python/kswitch (pyproject.toml), in
# check/dist; `pip install .` installs the same.
python-dist:
	"$(ENV_PYTHON)" -m build --outdir check/dist .

# The pkgdown site, in check/site (_pkgdown.yml), offline (tools/site-build.R): kswitch
# installed in a library of its own, the vignettes' and examples' Keras config kept in
# check/site-keras-home; pkgdown's output in check/site-build.log (about 75 s).
SITE_LIB := $(CURDIR)/check/site-lib
site:
	rm -rf check/site check/site-lib check/site-keras-home
	mkdir -p check/site-lib check/site-keras-home
	R CMD INSTALL --no-test-load -l "$(SITE_LIB)" . >check/site-install.log 2>&1 || \
	  { cat check/site-install.log; exit 1; }
	KERAS_HOME=$(CURDIR)/check/site-keras-home R_LIBS="$(SITE_LIB)" \
	  Rscript tools/site-build.R >check/site-build.log 2>&1 || \
	  { tail -n 40 check/site-build.log; exit 1; }
	@echo "site: check/site/index.html"

# The site in headless Chromium: four pages, screenshots kept in check/site-screenshots, and
# every internal link (about 20 s).
site-check: site
	tools/site-check.sh check/site

# Coverage: R (covr, the testthat suite under CRAN's reticulate with keras3 and keras) and the
# Python core (coverage.py, tests/python); fails if an exported function is never run.
# Reports in check/coverage (the R part takes about half an hour).
coverage: install cran-packages
	R_LIBS="$(CRAN_LIB)" Rscript tools/coverage.R "$(ENV_PYTHON)"

docs:
	Rscript -e 'roxygen2::roxygenise()'

# lintr with the house style (.lintr): zero lints (about a minute).
lint:
	Rscript tools/lint.R

clean:
	rm -rf check .cache
