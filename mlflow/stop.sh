#!/usr/bin/env bash
# Stops the server that start.sh started (the pid recorded in MLFLOW_STATE/server.pid).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
state="${MLFLOW_STATE:-$here}"
pidfile="$state/server.pid"
if [[ ! -f "$pidfile" ]]; then
  echo "mlflow: no server.pid in $state; nothing to stop" >&2
  exit 0
fi
pid="$(cat "$pidfile")"
if kill -0 "$pid" 2>/dev/null; then
  # The server was started with setsid, so its pid is its process group: end it and its workers.
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 40); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  echo "mlflow: stopped (pid $pid)" >&2
else
  echo "mlflow: pid $pid is not running" >&2
fi
rm -f "$pidfile"
