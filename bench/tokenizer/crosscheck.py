"""Cross-check (not a test): compares the ids `attnlab tokenize` wrote (JSON lines with text + ids on
stdin) with tiktoken (gpt2) or Hugging Face tokenizers (bert-*), and prints mismatches.
Usage: attnlab tokenize --tokenizer KIND ... < texts.jsonl | python crosscheck.py KIND VOCAB_PATH"""
import json
import os
import sys

kind, vocab = sys.argv[1], sys.argv[2]
if kind == "gpt2":
    import tiktoken
    from tiktoken.load import data_gym_to_mergeable_bpe_ranks
    ranks = data_gym_to_mergeable_bpe_ranks(vocab_bpe_file=os.path.join(vocab, "vocab.bpe"),
                                            encoder_json_file=os.path.join(vocab, "encoder.json"))
    enc = tiktoken.Encoding("gpt2-local", mergeable_ranks=ranks, special_tokens={"<|endoftext|>": 50256},
                            pat_str=r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")
    encode = enc.encode_ordinary
else:
    from tokenizers import BertWordPieceTokenizer
    tok = BertWordPieceTokenizer(vocab, lowercase=kind.endswith("uncased"))
    encode = lambda t: tok.encode(t, add_special_tokens=False).ids

n = bad = ids = 0
for line in sys.stdin:
    o = json.loads(line)
    want = encode(o["text"])
    n += 1
    ids += len(want)
    if want != o["ids"]:
        bad += 1
        if bad <= 5:
            print("MISMATCH", json.dumps(o["text"])[:200], "\n  want", want[:40], "\n  got ", o["ids"][:40])
print(f"{kind}: {n} texts, {ids} ids, {bad} mismatches")
sys.exit(1 if bad else 0)
