# The README's two commands: `make demo` and `make test`. Both install what they need first.
# Needs only Python >= 3.11 with pip, and make (scripts/bootstrap_venv.sh copes with Debian's
# split-out ensurepip). Override the interpreter with `make PYTHON=/path/to/python3.11`.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null || echo python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
OUT    ?= audits

.PHONY: install java demo test lint bench example clean

install: $(STAMP)

# Re-run pip only when pyproject.toml changes; otherwise `make install` is a no-op.
$(STAMP): pyproject.toml
	@sh scripts/bootstrap_venv.sh "$(PYTHON)" "$(VENV)"
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# The Spark engine's tests need a Java runtime: apt-get installs openjdk-17-jre-headless if missing.
java:
	@sh scripts/ensure_java.sh

demo: install
	$(VENV)/bin/privsynth demo --out $(OUT)

test: install java
	$(PY) -m ruff check privsynth tests benchmarks scripts
	$(PY) -m pytest -q -n 2 --dist loadfile

lint: install
	$(PY) -m ruff check privsynth tests benchmarks scripts

bench: install
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

# Regenerate the bundled example table from ../shared/data/adult-raw (byte-identical).
example: install
	$(PY) scripts/make_example.py

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
