# MLflow targets, included by the Makefile (after it defines TEST_DEPS ?= and EXPERIMENT_DEPS ?=).
# With MLFLOW_TRACKING_URI unset, `make test` and `make experiment` first start the local server
# (installing it on first use) and point every recipe at it; with it set, that server is used.

MLFLOW_PORT ?= 5000
MLFLOW_LOCAL_URI := http://127.0.0.1:$(MLFLOW_PORT)

ifeq ($(strip $(MLFLOW_TRACKING_URI)),)
TEST_DEPS += mlflow-up
EXPERIMENT_DEPS += mlflow-up
export MLFLOW_TRACKING_URI := $(MLFLOW_LOCAL_URI)
endif
export MLFLOW_PORT

.PHONY: mlflow-up mlflow-down mlflow-ui ui-check

mlflow-up:
	@MLFLOW_PORT=$(MLFLOW_PORT) mlflow/start.sh

mlflow-down:
	@mlflow/stop.sh

mlflow-ui:
	@echo "MLflow UI: $(MLFLOW_TRACKING_URI)"

ui-check: mlflow-up
	@MLFLOW_TRACKING_URI=$(MLFLOW_LOCAL_URI) mlflow/ui_check.sh
