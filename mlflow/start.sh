#!/usr/bin/env bash
# Starts a local MLflow tracking server (SQLite backend, served artifacts) and waits for /health.
#   MLFLOW_PORT   port on 127.0.0.1 (default 5000)
#   MLFLOW_STATE  folder for mlflow.db, artifacts/, server.pid, server.log (default: this folder)
#   MLFLOW_NICE   CPU niceness of the server (default 10): on a busy machine training comes first;
#                 the tracker buffers and journals, so a slow server delays data, never loses it
# Extra arguments go to `mlflow server` (e.g. --app-name basic-auth).
# Does nothing when a server already answers /health on that port.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
port="${MLFLOW_PORT:-5000}"
state="${MLFLOW_STATE:-$here}"
url="http://127.0.0.1:$port"

healthy() {
  if command -v curl >/dev/null; then
    curl -fsS --max-time 2 "$url/health" >/dev/null 2>&1
  else
    python3 -c "import sys,urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" "$url/health" >/dev/null 2>&1
  fi
}

if healthy; then
  echo "mlflow: already running at $url" >&2
  exit 0
fi
"$here/install.sh"
mkdir -p "$state/artifacts"
state="$(cd "$state" && pwd)"
# setsid: the server and its workers form one process group that stop.sh can end together.
setsid nice -n "${MLFLOW_NICE:-10}" "$here/.venv/bin/mlflow" server \
  --host 127.0.0.1 --port "$port" --workers 1 \
  --backend-store-uri "sqlite:///$state/mlflow.db" \
  --artifacts-destination "$state/artifacts" --serve-artifacts \
  "$@" >"$state/server.log" 2>&1 < /dev/null &
pid=$!
echo "$pid" > "$state/server.pid"
echo "mlflow: starting at $url (pid $pid, log $state/server.log)" >&2
for _ in $(seq 1 240); do
  if healthy; then
    echo "mlflow: ready at $url" >&2
    exit 0
  fi
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "mlflow: the server exited during start-up; last lines of $state/server.log:" >&2
    tail -n 20 "$state/server.log" >&2
    rm -f "$state/server.pid"
    exit 1
  fi
  sleep 0.5
done
echo "mlflow: no answer from $url/health after 120 s; see $state/server.log" >&2
exit 1
