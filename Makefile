# attnlab: build, run experiments, test. `make help` lists the targets.
SHELL := /bin/bash
MVN ?= mvn -B
NAME ?= induction-2l
SPEC ?= experiments/$(NAME).yaml
# Extra arguments for `attnlab run`, e.g. ARGS="--set train.steps=100 --force train"
ARGS ?=
# Stop after this stage (attnlab run --until)
UNTIL ?=

BUILD_STAMP := target/.build-stamp
SOURCES := pom.xml $(shell find src -type f 2>/dev/null)

# Hooks for other parts of the project: included makefiles append prerequisites here
# (mlflow/mlflow.mk adds mlflow-up, so tests and experiments find a tracking server).
TEST_DEPS ?=
EXPERIMENT_DEPS ?=
-include mlflow/mlflow.mk

.PHONY: all build experiment sweep changed validate list test readme clean help

all: build

help:
	@echo "make build                   build the jar and copy its dependencies to target/lib (when sources changed)"
	@echo "make experiment [NAME=...]   run experiments/NAME.yaml (default induction-2l); ARGS=... UNTIL=stage"
	@echo "make sweep NAME=...          run experiments/sweeps/NAME.yaml (ARGS=--resume continues it)"
	@echo "make changed BASE=REF        rerun the experiments affected by changes since git revision REF"
	@echo "make validate                check every spec in experiments/"
	@echo "make list                    experiments and which of their stages are cached or partly done"
	@echo "make test                    build, then run every test (mvn -B test)"
	@echo "make readme                  reassemble README.md from docs/ (after editing docs or the spec schema)"
	@echo "make clean                   remove build output (not runs/ nor the stage cache)"

build: $(BUILD_STAMP)

$(BUILD_STAMP): $(SOURCES)
	$(MVN) -q package -DskipTests
	rm -rf target/lib
	$(MVN) -q dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=target/lib
	touch $@

experiment: build $(EXPERIMENT_DEPS)
	bin/attnlab run $(SPEC) $(if $(UNTIL),--until $(UNTIL)) $(ARGS)

# make sweep NAME=imdb-1l-sweep runs experiments/sweeps/NAME.yaml (ARGS="--resume" continues one)
sweep: build $(EXPERIMENT_DEPS)
	bin/attnlab sweep experiments/sweeps/$(NAME).yaml $(ARGS)

# make changed BASE=origin/main reruns every experiment and sweep affected by changes since BASE (what CI does)
changed: build $(EXPERIMENT_DEPS)
	@names="$$(bin/attnlab changed --base $(BASE))"; \
	if [ -z "$$names" ]; then echo "no experiment changed since $(BASE)"; fi; \
	for n in $$names; do echo "== $$n"; \
	  case "$$n" in sweeps/*) bin/attnlab sweep experiments/$$n.yaml $(ARGS) || exit 1;; \
	                *) bin/attnlab run experiments/$$n.yaml $(ARGS) || exit 1;; esac; done

validate: build
	bin/attnlab validate experiments/*.yaml

list: build
	bin/attnlab list

test: build $(TEST_DEPS)
	$(MVN) test

readme: build
	bin/attnlab schema --markdown > docs/spec-reference.md
	python3 docs/build_readme.py

clean:
	rm -rf target
