"""Benchmark (not a test): tiktoken and Hugging Face tokenizers, GPT-2 BPE from the same local
encoder.json + vocab.bpe, one thread, on every review of an IMDB CSV. One JSON line per repetition."""
import csv
import json
import os
import sys
import time

os.environ.setdefault("RAYON_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import tiktoken  # noqa: E402
from tiktoken.load import data_gym_to_mergeable_bpe_ranks  # noqa: E402
from tokenizers import Tokenizer  # noqa: E402
from tokenizers.models import BPE  # noqa: E402
from tokenizers.pre_tokenizers import ByteLevel  # noqa: E402

GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""


def checksum(id_lists):
    c = 0
    for ids in id_lists:
        for i in ids:
            c = (c * 31 + i) & 0xFFFFFFFFFFFFFFFF
    return c - (1 << 64) if c >= (1 << 63) else c  # Java's signed long


def main():
    vocab_dir, csv_path, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])
    only = sys.argv[4:]  # implementation names to run (default: all)
    with open(csv_path, newline="", encoding="utf-8") as f:
        texts = [row["review"] for row in csv.DictReader(f)]
    nbytes = sum(len(t.encode("utf-8")) for t in texts)

    def make_tiktoken():
        ranks = data_gym_to_mergeable_bpe_ranks(
            vocab_bpe_file=os.path.join(vocab_dir, "vocab.bpe"),
            encoder_json_file=os.path.join(vocab_dir, "encoder.json"))
        return tiktoken.Encoding("gpt2-local", pat_str=GPT2_PATTERN, mergeable_ranks=ranks,
                                 special_tokens={"<|endoftext|>": 50256})

    def make_hf():
        tok = Tokenizer(BPE.from_file(os.path.join(vocab_dir, "encoder.json"), os.path.join(vocab_dir, "vocab.bpe")))
        tok.pre_tokenizer = ByteLevel(add_prefix_space=False)
        return tok

    impls = {
        "tiktoken": lambda: (lambda enc: lambda: [enc.encode_ordinary(t) for t in texts])(make_tiktoken()),
        "hf_tokenizers": lambda: (lambda tok: lambda: [e.ids for e in tok.encode_batch(texts, add_special_tokens=False)])(make_hf()),
    }
    for name, factory in impls.items():
        if only and name not in only:
            continue
        for rep in range(reps):
            run = factory()  # fresh instance per repetition (tiktoken/HF keep no cross-call word cache anyway)
            t0 = time.perf_counter()
            ids = run()
            s = time.perf_counter() - t0
            ntok = sum(len(x) for x in ids)
            print(json.dumps({"impl": name, "rep": rep, "docs": len(texts), "bytes": nbytes, "tokens": ntok,
                              "seconds": round(s, 4), "mb_per_s": round(nbytes / 1e6 / s, 3),
                              "tokens_per_s": round(ntok / s), "checksum": checksum(ids)}), flush=True)


if __name__ == "__main__":
    main()
