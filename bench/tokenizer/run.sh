#!/usr/bin/env bash
# Benchmark (not a test): GPT-2 tokenization of all of IMDB train, single thread, attnlab vs
# tiktoken vs Hugging Face tokenizers on the same text in the same run.
# Usage: bench/tokenizer/run.sh [REPS]   (env: ATTNLAB_SHARED, default ../shared beside the repo)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
reps="${1:-3}"
shared="${ATTNLAB_SHARED:-$root/../shared}"
vocab="$shared/data/gpt2"
csv="$shared/data/imdb/train.csv"
for f in "$vocab/encoder.json" "$vocab/vocab.bpe" "$csv"; do
  [[ -f "$f" ]] || { echo "missing $f (set ATTNLAB_SHARED to the folder holding data/gpt2 and data/imdb)" >&2; exit 2; }
done

venv="$root/bench/.venv"
if [[ ! -x "$venv/bin/python" ]]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q tiktoken tokenizers
fi

cd "$root"
mvn -o -q -B compile
cp_file="$root/target/bench-classpath.txt"
mvn -o -q -B dependency:build-classpath -Dmdep.outputFile="$cp_file" >/dev/null
cp="$root/target/classes:$(cat "$cp_file")"

out="$root/bench/results/tokenizer-$(date -u +%Y%m%dT%H%M%SZ).jsonl"
mkdir -p "$(dirname "$out")"
export OMP_NUM_THREADS=1 RAYON_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false
# one core for the JVM's compiler threads as well as the work would flatter it: pin to one CPU
pin=""
command -v taskset >/dev/null && pin="taskset -c 0"
echo "host: $(getconf _NPROCESSORS_ONLN) cores, shared with other work; $reps rounds" >&2
# Rounds alternate the implementations so that all of them see the same background load;
# each round is a fresh process per implementation; the JVM's first pass is reported as attnlab-cold.
for round in $(seq 1 "$reps"); do
  echo "round $round/$reps, load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  $pin java -Xmx2g -XX:+UseSerialGC -cp "$cp" "$here/Gpt2Bench.java" "$vocab" "$csv" 1 | sed "s/\"rep\": 0/\"rep\": $round/" | tee -a "$out"
  $pin "$venv/bin/python" "$here/python_bench.py" "$vocab" "$csv" 1 tiktoken | sed "s/\"rep\": 0/\"rep\": $round/" | tee -a "$out"
  $pin "$venv/bin/python" "$here/python_bench.py" "$vocab" "$csv" 1 hf_tokenizers | sed "s/\"rep\": 0/\"rep\": $round/" | tee -a "$out"
done
"$venv/bin/python" "$here/summarize.py" "$out"
