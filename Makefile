# The README's two commands: `make demo` and `make test`. Both install what they need first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install demo test lint bench clean

install: $(STAMP)

# Re-run pip only when pyproject.toml changes; otherwise `make install` is a no-op.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: install
	$(VENV)/bin/privsynth demo

test: install
	$(PY) -m ruff check privsynth tests benchmarks scripts
	$(PY) -m pytest -q -n 2 --dist loadfile

lint: install
	$(PY) -m ruff check privsynth tests benchmarks scripts

bench: install
	$(PY) benchmarks/bench_scan.py
	$(PY) benchmarks/bench_kanon.py
	$(PY) benchmarks/bench_synth.py
	$(PY) benchmarks/bench_audit.py

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
