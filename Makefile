# `make book` builds the book on the CPU micro-world; `make test` runs the whole test suite.
# Both create the environment (.venv) first if it is missing.
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup book lint test test-fast benchmarks mutation clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml scripts/setup.sh
	bash scripts/setup.sh $(VENV)

book: setup
	$(BIN)/boundary-lab book

# Lint: ruff with pyproject.toml's [tool.ruff] (pyflakes, import order, 120-character lines).
lint: setup
	$(BIN)/ruff check boundary_lab tests scripts benchmarks

# Notebook smoke runs: Papermill injects small parameters into copies, nbval executes them.
# One torch thread: tiny models run faster without thread sync on a 2-core machine.
test: setup lint
	$(BIN)/python tests/prepare_notebooks.py build/nbsmoke
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest tests build/nbsmoke --doctest-modules boundary_lab --nbval-lax -p no:cacheprovider --durations=15

test-fast: setup
	$(BIN)/python -m pytest tests -m "not slow" -p no:cacheprovider

# Mutation testing of boundary_lab/rl/, passk.py and the modules behind the book's tables and sentences (tables,
# findings, micro/phase, micro/regimes, micro/evaluate, micro/results, micro/pipeline, report, priors, forecast) with
# the tests that pin them (not in CI). scripts/mutation_sample.py draws a reproducible sample of a module's mutants.
# Configuration: [tool.mutmut] in pyproject.toml. Results: `$(BIN)/mutmut results`, `$(BIN)/mutmut show <name>`.
# MUTANTS='boundary_lab.tables*' (mutmut's names, fnmatch) runs one module's mutants; empty runs them all.
# The micro-world tests (tests/test_mutation_micro_world.py) train the tiny preset once into MUTATION_WORKDIR, outside
# ./mutants/ and kept between runs: every mutant reuses it (stage caches are keyed by code, and mutmut's files are
# the same for every mutant). One child at low priority: the machine is shared (issue 20 item 6, LOG.md).
MUTATION_WORKDIR ?= $(or $(TMPDIR),/tmp)/boundary-lab-mutation
MUTATION_CHILDREN ?= 1
mutation: setup
	BOUNDARY_LAB_TEST_WORKDIR=$(MUTATION_WORKDIR) OMP_NUM_THREADS=1 nice -n 15 \
		$(BIN)/mutmut run --max-children $(MUTATION_CHILDREN) $(MUTANTS)
	$(BIN)/python scripts/mutation_report.py

benchmarks: setup
	for f in benchmarks/*.py; do $(BIN)/python $$f || exit 1; done

clean:
	rm -rf _build build book/executed
