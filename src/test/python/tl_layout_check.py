"""Recomputes an exported attnlab model's logits with TransformerLens's equations in numpy, from
model.safetensors + config.json alone, and compares them with the logits attnlab computed.

    python tl_layout_check.py DIR      # DIR holds model.safetensors, config.json, tokens.json, logits.json
                                       # (written by dev.attnlab.model.ModelIOTest with -Dattnlab.tlcheck.dir=DIR)
Needs: pip install safetensors numpy
"""
import json
import math
import sys

import numpy as np
from safetensors.numpy import load_file


def layer_norm(x, w, b, eps):
    x = x - x.mean(-1, keepdims=True)
    return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * w + b


def gelu_new(x):
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def forward(sd, cfg, tokens):
    ln = cfg["normalization_type"] == "LN"
    resid = sd["embed.W_E"][tokens] + sd["pos_embed.W_pos"][: tokens.shape[1]]
    t = tokens.shape[1]
    mask = np.triu(np.ones((t, t), dtype=bool), 1)
    for l in range(cfg["n_layers"]):
        p = f"blocks.{l}."
        x = layer_norm(resid, sd[p + "ln1.w"], sd[p + "ln1.b"], cfg["eps"]) if ln else resid
        q = np.einsum("bpd,hde->bphe", x, sd[p + "attn.W_Q"]) + sd[p + "attn.b_Q"]
        k = np.einsum("bpd,hde->bphe", x, sd[p + "attn.W_K"]) + sd[p + "attn.b_K"]
        v = np.einsum("bpd,hde->bphe", x, sd[p + "attn.W_V"]) + sd[p + "attn.b_V"]
        scores = np.einsum("bqhe,bkhe->bhqk", q, k) / math.sqrt(cfg["d_head"])
        scores = np.where(mask, -np.inf, scores)
        pattern = np.exp(scores - scores.max(-1, keepdims=True))
        pattern /= pattern.sum(-1, keepdims=True)
        z = np.einsum("bhqk,bkhe->bqhe", pattern, v)
        resid = resid + np.einsum("bqhe,hed->bqd", z, sd[p + "attn.W_O"]) + sd[p + "attn.b_O"]
        if not cfg["attn_only"]:
            x = layer_norm(resid, sd[p + "ln2.w"], sd[p + "ln2.b"], cfg["eps"]) if ln else resid
            pre = x @ sd[p + "mlp.W_in"] + sd[p + "mlp.b_in"]
            resid = resid + gelu_new(pre) @ sd[p + "mlp.W_out"] + sd[p + "mlp.b_out"]
    x = layer_norm(resid, sd["ln_final.w"], sd["ln_final.b"], cfg["eps"]) if ln else resid
    return x @ sd["unembed.W_U"] + sd["unembed.b_U"]


def main(d):
    cfg = json.load(open(f"{d}/config.json"))
    cfg.pop("attnlab")
    sd = {k: v.astype(np.float64) for k, v in load_file(f"{d}/model.safetensors").items()}
    tokens = np.array(json.load(open(f"{d}/tokens.json")))
    expected = np.array(json.load(open(f"{d}/logits.json")))
    got = forward(sd, cfg, tokens)
    err = np.abs(got - expected).max()
    print(f"{d}: max |logit difference| = {err:.3g}")
    return err < 1e-4


if __name__ == "__main__":
    sys.exit(0 if all(main(d) for d in sys.argv[1:]) else 1)
