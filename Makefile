# Two commands on a fresh machine: `make run` (the local stack) and `make test` (lint and every test).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

STAGE ?= prod
STACK ?= cocreate-$(STAGE)
REGION ?= us-east-1

.PHONY: run test lint format bench soak probe thorough mutate recount quarantine package deploy lock clean

# uv installs the lock, hashes checked, in seconds; it is itself pinned in requirements-dev.txt.
UV_PIN := $(shell grep -m1 '^uv==' requirements-dev.txt | cut -d' ' -f1)

$(BIN)/uv:
	test -d $(VENV) || $(PYTHON) -m venv --without-pip $(VENV)
	$(PYTHON) -m pip --python $(BIN)/python install --quiet --quiet --disable-pip-version-check $(UV_PIN)

$(INSTALLED): requirements.txt requirements-dev.lock $(BIN)/uv
	$(BIN)/uv pip sync --quiet --python $(BIN)/python --require-hashes requirements-dev.lock
	touch $@

run: $(INSTALLED)  ## the local stack: API on http://127.0.0.1:8000 with demo data
	$(BIN)/python -m infra.local

test: $(INSTALLED) lint  ## lint, type-check, then every test
	$(BIN)/python -m pytest

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(INSTALLED)  ## print DynamoDB calls, capacity units, reads per page, import time, zip size
	$(BIN)/python -m bench

soak: $(INSTALLED)  ## the local stack under load: writes a second, the event pump's lag, moto's memory
	$(BIN)/python -m bench soak

probe: $(INSTALLED)  ## 5,000 votes through unreadable records, duplicated batches and crashes; every count exact
	COCREATE_PROBE_SCALE=5 $(BIN)/python -m pytest tests/integration/test_probe.py

thorough: $(INSTALLED)  ## the property tests with 600 new examples each (make test runs the same 50 each time)
	HYPOTHESIS_PROFILE=thorough $(BIN)/python -m pytest tests/integration/test_counting_property.py

# mutmut keeps its results in mutants/ and retests only what changed; `make clean` starts afresh. Each planted bug
# meets the tests that reach it, likeliest to catch it first, up to 5 s of them (tests/mutation_order.py);
# MUTANT_SECONDS=inf for all.
mutate: $(INSTALLED)  ## plant bugs in chalicelib/ one at a time (mutmut) and run the fast tests: score and survivors
	rm -f mutants/stats-passed
	PATH=$(abspath $(BIN)):$$PATH HYPOTHESIS_PROFILE=mutate $(if $(MUTANT_SECONDS),MUTANT_SECONDS=$(MUTANT_SECONDS)) \
		$(BIN)/mutmut run --max-children 2
	$(BIN)/python -m tests.mutation_score

recount: $(INSTALLED)  ## recount every idea from the ballots on the local stack (make run); PRODUCT=id for one
	$(BIN)/python -m infra.ops recount $(if $(PRODUCT),--product $(PRODUCT))

quarantine: $(INSTALLED)  ## the stream records the local stack set aside as unreadable; REPLAY=1 replays them
	$(BIN)/python -m infra.ops quarantine $(if $(REPLAY),--replay)

package: $(INSTALLED)  ## the deployable template and zip in dist/, linted; needs no AWS account
	AWS_DEFAULT_REGION=$(REGION) $(BIN)/python -m infra.package --stage $(STAGE) dist
	AWS_DEFAULT_REGION=$(REGION) $(BIN)/cfn-lint dist/sam.json

# Needs the AWS CLI, credentials for the account, a bucket for the code and the address mail is sent from:
# make deploy ARTIFACTS_BUCKET=... MAIL_FROM=...
deploy: package
	@test -n "$(ARTIFACTS_BUCKET)" || { echo "make deploy needs ARTIFACTS_BUCKET=<an S3 bucket for the code>"; exit 2; }
	@test -n "$(MAIL_FROM)" || { echo "make deploy needs MAIL_FROM=<the address notifications are mailed from>"; exit 2; }
	aws cloudformation package --region $(REGION) --template-file dist/sam.json \
		--s3-bucket $(ARTIFACTS_BUCKET) --output-template-file dist/packaged.yaml
	aws cloudformation deploy --region $(REGION) --template-file dist/packaged.yaml --stack-name $(STACK) \
		--capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND --no-fail-on-empty-changeset \
		--parameter-overrides MailFrom=$(MAIL_FROM)
	aws cloudformation describe-stacks --region $(REGION) --stack-name $(STACK) --query 'Stacks[0].Outputs'

lock: $(BIN)/uv  ## re-resolve requirements-dev.txt into requirements-dev.lock, with hashes
	$(BIN)/uv pip compile --quiet --generate-hashes --python-version 3.11 --custom-compile-command 'make lock' \
		--output-file requirements-dev.lock requirements-dev.txt

clean:
	rm -rf $(VENV) build dist mutants .pytest_cache .mypy_cache .ruff_cache .hypothesis
