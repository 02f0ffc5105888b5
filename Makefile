# `make book` builds the book on the CPU micro-world; `make test` runs the whole test suite.
# Both create the environment (.venv) first if it is missing.
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup book test test-fast benchmarks clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml scripts/setup.sh
	bash scripts/setup.sh $(VENV)

book: setup
	$(BIN)/boundary-lab book

# Notebook smoke runs: Papermill injects small parameters into copies, nbval executes them.
# One torch thread: tiny models run faster without thread sync on a 2-core machine.
test: setup
	$(BIN)/python tests/prepare_notebooks.py build/nbsmoke
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest tests build/nbsmoke --nbval-lax -p no:cacheprovider --durations=15

test-fast: setup
	$(BIN)/python -m pytest tests -m "not slow" -p no:cacheprovider

benchmarks: setup
	for f in benchmarks/*.py; do $(BIN)/python $$f || exit 1; done

clean:
	rm -rf _build build book/executed
