#!/usr/bin/env bash
# Time per trial suggestion of the random and TPE samplers as the sweep's history grows.
# Usage: bench/sweep-samplers.sh   (from the repository root; builds the test classes offline)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mvn -o -q -B test-compile
cp_file="$(mktemp)"
trap 'rm -f "$cp_file"' EXIT
mvn -o -q -B dependency:build-classpath -Dmdep.outputFile="$cp_file" >/dev/null
java -Xmx512m -cp "target/classes:target/test-classes:$(cat "$cp_file")" dev.attnlab.sweep.SamplerBench
