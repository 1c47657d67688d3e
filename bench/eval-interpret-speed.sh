#!/usr/bin/env bash
# Times the evaluate and interpret stages (spec defaults) on a randomly initialised model of the
# notebooks' largest shape: vocab 50,257, d_model 256, n_ctx 80, 1 and 2 layers.
# Usage: bench/eval-interpret-speed.sh [n_heads=4] [threads=2] [layers="1 2"] [stages="evaluate interpret"]
# Prints wall and process CPU seconds (CPU time is what to compare on a busy shared machine).
set -euo pipefail
cd "$(dirname "$0")/.."
heads="${1:-4}"
threads="${2:-2}"
layer_counts="${3:-1 2}"
stages="${4:-evaluate interpret}"
mvn -o -q -B test-compile
mvn -o -q -B dependency:build-classpath -Dmdep.outputFile=target/cp.txt >/dev/null
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
# a private copy of the classes: rebuilding during a long benchmark must not change what it runs
cp -r target/classes "$out/classes"
cp -r target/test-classes "$out/test-classes"
for layers in $layer_counts; do
  OMP_NUM_THREADS="$threads" java --add-modules jdk.incubator.vector -Dstages="$stages" -Xmx2g -Dorg.bytedeco.javacpp.maxbytes=3g -Dorg.bytedeco.javacpp.maxphysicalbytes=5g \
    -cp "$out/classes:$out/test-classes:$(cat target/cp.txt)" \
    dev.attnlab.interpret.StageBenchmark "$out/l$layers" "$layers" "$heads" 2> >(grep -E '^  |interpret:' >&2)
done
