#!/usr/bin/env bash
# Browser check of the MLflow UI: headless Chromium opens the quickstart run (its metrics and its
# attention artifact) and saves screenshots under mlflow/screenshots/. Needs a running server
# (make ui-check starts it) at MLFLOW_TRACKING_URI.
#   QUICKSTART  the quickstart spec name (default induction-2l, the Makefile's default NAME)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
uri="${MLFLOW_TRACKING_URI:-http://127.0.0.1:${MLFLOW_PORT:-5000}}"
api="$uri/api/2.0/mlflow"
shots="$here/screenshots"
mkdir -p "$shots"

if ! command -v chromium >/dev/null; then
  echo "ui-check: installing Debian's chromium" >&2
  if [[ $(id -u) -eq 0 ]]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi
fi

# json QUERY: reads JSON on stdin, prints the python expression's value (empty when missing)
json() { python3 -c "import json,sys
try:
    d=json.load(sys.stdin); v=$1
    print('' if v is None else v)
except Exception: print('')"; }

latest_run() { # experiment name -> "experiment_id run_id" of its newest finished run
  local exp_id
  exp_id=$(curl -fsS "$api/experiments/get-by-name?experiment_name=$1" 2>/dev/null | json 'd["experiment"]["experiment_id"]') || true
  [[ -n "$exp_id" ]] || return 0
  local run_id
  run_id=$(curl -fsS -X POST -H 'Content-Type: application/json' "$api/runs/search" \
    -d "{\"experiment_ids\":[\"$exp_id\"],\"max_results\":1,\"order_by\":[\"attributes.start_time DESC\"],\"filter\":\"attributes.status = 'FINISHED'\"}" \
    | json 'd["runs"][0]["info"]["run_id"]') || true
  [[ -n "$run_id" ]] && echo "$exp_id $run_id"
  return 0
}

quickstart="${QUICKSTART:-induction-2l}"
run="$(latest_run "$quickstart")"
if [[ -z "$run" ]] && [[ -f "$root/experiments/$quickstart.yaml" ]] && make -C "$root" -n experiment NAME="$quickstart" >/dev/null 2>&1; then
  echo "ui-check: no $quickstart run yet; running make experiment NAME=$quickstart" >&2
  make -C "$root" experiment NAME="$quickstart"
  run="$(latest_run "$quickstart")"
fi
if [[ -z "$run" ]]; then
  run="$(latest_run attnlab-ui-demo)"
fi
if [[ -z "$run" ]]; then
  echo "ui-check: no quickstart experiment available (make experiment is not there yet); logging a demo run" >&2
  (cd "$root" && mvn -o -q -B test-compile && mvn -o -q -B dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test >/dev/null)
  java -cp "$root/target/test-classes:$root/target/classes:$(cat "$root/target/test-classpath.txt")" \
    dev.attnlab.tracking.mlflow.UiDemoRun "$(mktemp -d)/ui-demo-run"
  run="$(latest_run attnlab-ui-demo)"
fi
[[ -n "$run" ]] || { echo "ui-check: no finished run to look at" >&2; exit 1; }
read -r exp_id run_id <<<"$run"

# the attention artifact: the first PNG whose path mentions attention (breadth-first over folders)
artifact=$(python3 - "$api" "$run_id" <<'PY'
import json, sys, urllib.request, urllib.parse
api, run = sys.argv[1], sys.argv[2]
todo, pngs = [""], []
while todo:
    path = todo.pop(0)
    url = f"{api}/artifacts/list?run_id={run}&path={urllib.parse.quote(path)}"
    for f in json.load(urllib.request.urlopen(url)).get("files", []):
        (todo if f.get("is_dir") else pngs).append(f["path"])
pngs = [p for p in pngs if p.endswith(".png")]
best = [p for p in pngs if "attention" in p] or pngs
print(best[0] if best else "")
PY
)

shoot() { # name url [virtual-time budget ms] [window size]
  local profile
  profile=$(mktemp -d)
  timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --window-size="${4:-1600,1200}" --virtual-time-budget="${3:-15000}" \
    --screenshot="$shots/$1.png" "$2" >/dev/null 2>&1 || true
  rm -rf "$profile"
  if [[ -s "$shots/$1.png" ]]; then echo "ui-check: $shots/$1.png  <- $2"; else echo "ui-check: no screenshot for $2" >&2; return 1; fi
}

page="$uri/#/experiments/$exp_id/runs/$run_id"
shoot run-overview "$page"
# metric charts fetch their history lazily: more virtual time, and a tall window to show them all
shoot run-model-metrics "$page/model-metrics" 60000 1600,2600
shoot run-system-metrics "$page/system-metrics" 60000
if [[ -n "$artifact" ]]; then
  shoot run-attention-artifact "$page/artifactPath/$artifact"
else
  echo "ui-check: the run has no PNG artifact to show" >&2
  exit 1
fi
