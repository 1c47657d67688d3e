#!/usr/bin/env bash
# Training-throughput benchmark: PyTorch reference vs attnlab, same configs, one after the other.
#
#   bench/train/run.sh                       # all configs, OMP_NUM_THREADS 1 and 2, 2 repeats
#   bench/train/run.sh --configs small --threads 1 --repeats 3
#   bench/train/run.sh --soak                # 1,000 steps, RSS every 100 steps, both programs
#   bench/train/run.sh --torch-only ...      # skip attnlab
#
# Any other option is passed to compare.py (see `python3 bench/train/compare.py --help`).
# Environment: ATTNLAB_JAVA_OPTS (JVM options, default below), JAVA (java binary).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv_python="$root/bench/.venv/bin/python"

torch_only=false
args=()
for a in "$@"; do
  case "$a" in
    --torch-only) torch_only=true ;;
    *) args+=("$a") ;;
  esac
done

if [[ ! -x "$venv_python" ]]; then
  echo "bench/.venv does not exist: run bench/train/setup.sh first (downloads ~2.6 GB)" >&2
  exit 2
fi
if ! import_error="$("$venv_python" -c 'import torch' 2>&1)"; then
  echo "bench/.venv cannot import torch (re-run bench/train/setup.sh): ${import_error##*$'\n'}" >&2
  exit 2
fi

java_cmd=""
if ! $torch_only; then
  cd "$root"
  bench_class="target/classes/dev/attnlab/train/ThroughputBench.class"
  # Rebuild when any main source or the pom is newer than the compiled bench entry point.
  if [[ ! -f "$bench_class" || ! -d target/lib ]] \
     || [[ -n "$(find src/main pom.xml -newer "$bench_class" -print -quit 2>/dev/null)" ]]; then
    echo "building attnlab (mvn -o package -DskipTests) ..." >&2
    mvn -o -q -B package -DskipTests
    mvn -o -q -B dependency:copy-dependencies -DoutputDirectory=target/lib -DincludeScope=runtime
  fi
  if [[ ! -f "$bench_class" ]]; then
    echo "attnlab has no dev.attnlab.train.ThroughputBench yet: re-run with --torch-only" >&2
    exit 2
  fi
  # A modest heap (the model lives off-heap in ND4J) and a cap on javacpp's off-heap memory so a
  # leak shows up as an error rather than as the machine running out of memory; the parallel
  # collector, as bin/attnlab uses.
  java_opts="${ATTNLAB_JAVA_OPTS:--Xms256m -Xmx2g -XX:+UseParallelGC -Dorg.bytedeco.javacpp.maxbytes=6g -Dorg.bytedeco.javacpp.maxphysicalbytes=10g}"
  java_cmd="${JAVA:-java} --add-modules jdk.incubator.vector $java_opts -cp $root/target/classes:$root/target/lib/* dev.attnlab.train.ThroughputBench"
fi

exec python3 "$here/compare.py" --python "$venv_python" --java-cmd "$java_cmd" "${args[@]}"
