#!/usr/bin/env bash
# Installs the pinned MLflow server (with its basic-auth app) into mlflow/.venv.
# Idempotent: returns at once when the pinned version is already there.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
version="3.17.2"
venv="$here/.venv"
stamp="$venv/.mlflow-auth-$version"
if [[ -f "$stamp" && -x "$venv/bin/mlflow" ]]; then
  exit 0
fi
python="${PYTHON:-python3}"
command -v "$python" >/dev/null || { echo "mlflow/install.sh: $python not found; install Python 3.10+ (Debian: apt-get install python3 python3-venv)" >&2; exit 1; }
echo "mlflow/install.sh: installing mlflow[auth]==$version into $venv (one-time, a few minutes)" >&2
[[ -x "$venv/bin/python" ]] || "$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "mlflow[auth]==$version"
touch "$stamp"
echo "mlflow/install.sh: done ($("$venv/bin/mlflow" --version))" >&2
