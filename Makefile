# The two commands of the README, with their install steps.
#   make demo   diagnose the guide's ClusterIP case (bundled example)
#   make test   check the knowledge (podnet rules check), then run every test (rule cases, CLI, examples, the lab)
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: demo test install system-packages bench clean

$(BIN)/podnet: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,ray,web]'
	@touch $@

install: $(BIN)/podnet

demo: install
	$(BIN)/podnet diagnose examples/clusterip-dual-address.json
	@echo
	@echo "podnet is installed in $(VENV)/bin. To type 'podnet' yourself, put it on your PATH:"
	@echo "    . $(VENV)/bin/activate        (this shell; or once for your user: pipx install .)"
	@echo "then:  podnet diagnose examples/clusterip-dual-address.json    podnet help"

# The lab tests need root and a few Debian packages (listed in .ci/apt-packages.txt).
system-packages:
	@bash .ci/system-packages

# `podnet rules check` first: every cross reference, rule test file and example, each problem located.
test: install system-packages
	$(BIN)/podnet rules check
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python bench/bench_diagnose.py --markdown

clean:
	rm -rf $(VENV) build *.egg-info
