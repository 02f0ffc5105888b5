# `make book` builds the book on the CPU micro-world; `make test` runs the whole test suite.
# Both create the environment (.venv) first if it is missing.
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup book test test-fast benchmarks mutation clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml scripts/setup.sh
	bash scripts/setup.sh $(VENV)

book: setup
	$(BIN)/boundary-lab book

# Notebook smoke runs: Papermill injects small parameters into copies, nbval executes them.
# One torch thread: tiny models run faster without thread sync on a 2-core machine.
test: setup
	$(BIN)/python tests/prepare_notebooks.py build/nbsmoke
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest tests build/nbsmoke --doctest-modules boundary_lab --nbval-lax -p no:cacheprovider --durations=15

test-fast: setup
	$(BIN)/python -m pytest tests -m "not slow" -p no:cacheprovider

# Mutation testing of boundary_lab/rl/ and passk.py with the fast tests (not in CI; about an hour on 2 cores).
# Configuration: [tool.mutmut] in pyproject.toml. Results: `$(BIN)/mutmut results`, `$(BIN)/mutmut show <name>`.
mutation: setup
	OMP_NUM_THREADS=1 nice -n 5 $(BIN)/mutmut run --max-children 2
	$(BIN)/python scripts/mutation_report.py

benchmarks: setup
	for f in benchmarks/*.py; do $(BIN)/python $$f || exit 1; done

clean:
	rm -rf _build build book/executed
