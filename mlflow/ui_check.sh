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

# find_run EXPERIMENT: "experiment_id run_id png_path" of the newest finished run of EXPERIMENT that
# has a PNG artifact (preferring one with "attention" in its path); nothing when there is none
find_run() {
  python3 - "$api" "$1" <<'PY'
import json, sys, urllib.error, urllib.parse, urllib.request
api, name = sys.argv[1], sys.argv[2]
def get(path):
    return json.load(urllib.request.urlopen(f"{api}/{path}"))
def post(path, body):
    req = urllib.request.Request(f"{api}/{path}", json.dumps(body).encode(), {"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req))
try:
    exp = get("experiments/get-by-name?experiment_name=" + urllib.parse.quote(name))["experiment"]["experiment_id"]
except urllib.error.HTTPError:
    sys.exit(0)
runs = post("runs/search", {"experiment_ids": [exp], "max_results": 20, "filter": "attributes.status = 'FINISHED'",
                            "order_by": ["attributes.start_time DESC"]}).get("runs", [])
for run in runs:
    run_id = run["info"]["run_id"]
    todo, pngs = [""], []
    while todo:
        path = todo.pop(0)
        listing = get(f"artifacts/list?run_id={run_id}&path={urllib.parse.quote(path)}")
        for f in listing.get("files", []):
            (todo if f.get("is_dir") else pngs).append(f["path"])
    pngs = [p for p in pngs if p.endswith(".png")]
    best = [p for p in pngs if "attention" in p] or pngs
    if best:
        print(exp, run_id, best[0])
        break
PY
}

quickstart="${QUICKSTART:-induction-2l}"
found="$(find_run "$quickstart")"
if [[ -z "$found" ]] && [[ -f "$root/experiments/$quickstart.yaml" ]] && make -C "$root" -n experiment NAME="$quickstart" >/dev/null 2>&1; then
  echo "ui-check: no $quickstart run with an attention artifact yet; running make experiment NAME=$quickstart" >&2
  make -C "$root" experiment NAME="$quickstart"
  found="$(find_run "$quickstart")"
fi
if [[ -z "$found" ]]; then
  found="$(find_run attnlab-ui-demo)"
fi
if [[ -z "$found" ]]; then
  echo "ui-check: no $quickstart experiment available (make experiment is not there yet); logging a demo run" >&2
  (cd "$root" && mvn -o -q -B test-compile && mvn -o -q -B dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test >/dev/null)
  java -cp "$root/target/test-classes:$root/target/classes:$(cat "$root/target/test-classpath.txt")" \
    dev.attnlab.tracking.mlflow.UiDemoRun "$(mktemp -d)/ui-demo-run"
  found="$(find_run attnlab-ui-demo)"
fi
[[ -n "$found" ]] || { echo "ui-check: no finished run with a PNG artifact to look at" >&2; exit 1; }
read -r exp_id run_id artifact <<<"$found"

shoot() { # name url [virtual-time budget ms] [window size]
  local profile
  profile=$(mktemp -d)
  timeout 300 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --window-size="${4:-1600,1200}" --virtual-time-budget="${3:-15000}" \
    --screenshot="$shots/$1.png" "$2" >/dev/null 2>&1 || true
  rm -rf "$profile"
  if [[ -s "$shots/$1.png" ]]; then echo "ui-check: $shots/$1.png  <- $2"; else echo "ui-check: no screenshot for $2" >&2; return 1; fi
}

page="$uri/#/experiments/$exp_id/runs/$run_id"
shoot run-overview "$page"
# metric charts fetch their history lazily: more virtual time, and a tall window to show them all
shoot run-model-metrics "$page/model-metrics" 120000 1600,2600
shoot run-system-metrics "$page/system-metrics" 120000
shoot run-attention-artifact "$page/artifactPath/$artifact"
