# Two entry points: `make demo` and `make test`. Each creates .venv if missing and installs what it needs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.mlfootprint-installed
TEST_STAMP := $(VENV)/.mlfootprint-test-installed
# torch's CPU build, installed before anything that needs torch (a bare requirement pulls a multi-GB CUDA build)
TORCH ?= torch==2.13.0

.PHONY: demo test lint typecheck unit bench bench-scale clean fuzz

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[all,dev]'
	touch $(STAMP)

# the full suite also runs against the real frameworks, experiment trackers and the compression study
$(TEST_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q '$(TORCH)'
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(TEST_STAMP)

demo: $(STAMP)
	$(BIN)/mlfootprint demo

lint: $(TEST_STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/lint-imports --no-cache
	$(BIN)/python tools/check_module_size.py src/mlfootprint

typecheck: $(TEST_STAMP)
	$(BIN)/mypy

unit: $(TEST_STAMP)
	$(BIN)/python -m pytest

test: lint typecheck unit

# the long fuzzing run (the normal suite runs a bounded, reproducible slice of the same tests)
fuzz: $(TEST_STAMP)
	MLFOOTPRINT_FUZZ_EXAMPLES=500 MLFOOTPRINT_FUZZ_FLIPS=300 $(BIN)/python -m pytest -p no:cacheprovider -m fuzz tests/fuzz tests/robustness

bench: $(STAMP)
	$(BIN)/python benchmarks/accuracy.py
	$(BIN)/python benchmarks/scheduling.py
	$(BIN)/python benchmarks/overhead.py

# cold start, flush cost over 10^6 samples, a 30-day run's storage, reads on a 10^4-run ledger (minutes)
bench-scale: $(STAMP)
	$(BIN)/python benchmarks/startup.py
	$(BIN)/python benchmarks/scale.py
	$(BIN)/python benchmarks/storage.py
	$(BIN)/python benchmarks/reads.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache build dist src/*.egg-info
