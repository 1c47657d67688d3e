#!/usr/bin/env bash
# Cross-check (not a test): attnlab's tokenizers against tiktoken (gpt2) and Hugging Face tokenizers
# (bert) on every line of shared wikitext-2 test.raw + valid.tokens and all 25,000 IMDB test reviews.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
shared="${ATTNLAB_SHARED:-$root/../shared}/data"
venv="$root/bench/.venv"
[[ -x "$venv/bin/python" ]] || { python3 -m venv "$venv"; "$venv/bin/pip" install -q tiktoken tokenizers; }
cd "$root"
mvn -o -q -B compile
mvn -o -q -B dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt >/dev/null
cp="target/classes:$(cat target/bench-classpath.txt)"
texts="$(mktemp)"
trap 'rm -f "$texts"' EXIT
"$venv/bin/python" - "$shared" > "$texts" <<'PY'
import csv, json, sys
d = sys.argv[1]
for f in ["wikitext-2/wiki.test.raw", "wikitext-2/wiki.valid.tokens"]:
    for line in open(f"{d}/{f}", encoding="utf-8"):
        print(json.dumps({"text": line.rstrip("\n")}))
with open(f"{d}/imdb/test.csv", newline="", encoding="utf-8") as fh:
    for row in csv.DictReader(fh):
        print(json.dumps({"text": row["review"]}))
PY
java -cp "$cp" dev.attnlab.cli.Main tokenize --tokenizer gpt2 --vocab "$shared/gpt2" < "$texts" \
  | "$venv/bin/python" "$here/crosscheck.py" gpt2 "$shared/gpt2"
for k in bert-base-uncased bert-base-cased; do
  java -cp "$cp" dev.attnlab.cli.Main tokenize --tokenizer "$k" --vocab "$shared/$k/vocab.txt" < "$texts" \
    | "$venv/bin/python" "$here/crosscheck.py" "$k" "$shared/$k/vocab.txt"
done
