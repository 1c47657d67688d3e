#!/usr/bin/env python3
"""PyTorch reference for attnlab's default model, timed the same way as
dev.attnlab.train.ThroughputBench.

Architecture (attnlab defaults, TransformerLens layout and names):
  attention-only decoder, learned positional embedding, no norm, residual stream,
  attention with biases (b_Q, b_K, b_V [H, dh], b_O [D]), untied unembedding with bias,
  every weight initialised normal(0, init_scale=0.02), biases zero, causal mask,
  next-token cross-entropy averaged over all targets (the benchmark data has no padding).
Optimizer: AdamW lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 0.01 on the attention and
  unembedding matrices only (attnlab's decay_embeddings=false, decay_biases=false).
Data: uniform random token ids, a fresh [batch, n_ctx + 1] batch per step from a seeded generator
  (throughput does not depend on the ids; drawing them is excluded from nothing, as in a real
  data loader, and costs microseconds).

Attention is written out with explicit matmuls (not nn.MultiheadAttention) so its FLOPs are the
ones the Java model does. Prints ONE JSON line on stdout:
  {"tokens_per_s", "step_ms", "rss_mb_start", "rss_mb_end", ...}
tokens_per_s counts batch * n_ctx input tokens per timed step (after --warmup untimed steps);
rss_mb_start is the resident set after warm-up, rss_mb_end after the last step; cpu_ms_per_step
is the process CPU time (all threads) per timed step, which other load on the machine disturbs
less than the wall-clock figures.
With --rss-every K it also prints {"step": k, "rss_mb": ...} lines to stderr every K steps.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F


def rss_mb() -> float:
    """Current resident set size of this process (VmRSS), in MiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError("VmRSS not found in /proc/self/status")


def peak_rss_mb() -> float:
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class AttnOnlyTransformer(torch.nn.Module):
    def __init__(self, vocab: int, d_model: int, n_heads: int, n_ctx: int, n_layers: int,
                 init_scale: float = 0.02):
        super().__init__()
        if d_model % n_heads:
            raise ValueError(f"d_model {d_model} is not divisible by n_heads {n_heads}")
        d_head = d_model // n_heads
        self.n_heads, self.d_head = n_heads, d_head
        P = torch.nn.Parameter

        def normal(*shape):
            return P(torch.randn(*shape) * init_scale)

        def zeros(*shape):
            return P(torch.zeros(*shape))

        self.W_E = normal(vocab, d_model)
        self.W_pos = normal(n_ctx, d_model)
        self.blocks = torch.nn.ModuleList()
        for _ in range(n_layers):
            b = torch.nn.Module()
            b.W_Q, b.W_K, b.W_V = (normal(n_heads, d_model, d_head) for _ in range(3))
            b.b_Q, b.b_K, b.b_V = (zeros(n_heads, d_head) for _ in range(3))
            b.W_O = normal(n_heads, d_head, d_model)
            b.b_O = zeros(d_model)
            self.blocks.append(b)
        self.W_U = normal(d_model, vocab)
        self.b_U = zeros(vocab)
        self.register_buffer("causal", torch.ones(n_ctx, n_ctx, dtype=torch.bool).tril(),
                             persistent=False)

    def decay_groups(self, weight_decay: float):
        """AdamW groups: decay on attention and unembedding matrices, not embeddings or biases."""
        decay, no_decay = [], []
        for name, p in self.named_parameters():
            leaf = name.rsplit(".", 1)[-1]
            (decay if leaf in ("W_Q", "W_K", "W_V", "W_O", "W_U") else no_decay).append(p)
        return [{"params": decay, "weight_decay": weight_decay},
                {"params": no_decay, "weight_decay": 0.0}]

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        T = tokens.shape[1]
        resid = self.W_E[tokens] + self.W_pos[:T]                       # [B, T, D]
        scale = 1.0 / math.sqrt(self.d_head)
        mask = self.causal[:T, :T]
        for b in self.blocks:
            q = torch.einsum("btd,hdk->bhtk", resid, b.W_Q) + b.b_Q[:, None, :]
            k = torch.einsum("btd,hdk->bhtk", resid, b.W_K) + b.b_K[:, None, :]
            v = torch.einsum("btd,hdk->bhtk", resid, b.W_V) + b.b_V[:, None, :]
            scores = (q @ k.transpose(-1, -2)) * scale                  # [B, H, T, T]
            scores = scores.masked_fill(~mask, float("-inf"))
            pattern = scores.softmax(dim=-1)
            z = pattern @ v                                              # [B, H, T, dh]
            resid = resid + torch.einsum("bhtk,hkd->btd", z, b.W_O) + b.b_O
        return resid @ self.W_U + self.b_U                               # [B, T, V]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--vocab", type=int, required=True)
    p.add_argument("--d-model", type=int, required=True)
    p.add_argument("--heads", type=int, required=True)
    p.add_argument("--n-ctx", type=int, required=True)
    p.add_argument("--batch", type=int, required=True)
    p.add_argument("--layers", type=int, default=1)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--weight-decay", type=float, default=0.01)
    p.add_argument("--rss-every", type=int, default=0,
                   help="print {step, rss_mb} to stderr every K timed steps (0 = off)")
    return p.parse_args(argv)


def main(argv=None) -> int:
    a = parse_args(argv)
    threads = int(os.environ.get("OMP_NUM_THREADS", "0") or 0)
    if threads > 0:
        torch.set_num_threads(threads)
        torch.set_num_interop_threads(1)
    torch.manual_seed(a.seed)

    model = AttnOnlyTransformer(a.vocab, a.d_model, a.heads, a.n_ctx, a.layers)
    opt = torch.optim.AdamW(model.decay_groups(a.weight_decay), lr=a.lr, betas=(0.9, 0.999),
                            eps=1e-8)
    data_gen = torch.Generator().manual_seed(a.seed)

    def step() -> float:
        batch = torch.randint(0, a.vocab, (a.batch, a.n_ctx + 1), generator=data_gen)
        inputs, targets = batch[:, :-1], batch[:, 1:]
        logits = model(inputs)
        loss = F.cross_entropy(logits.reshape(-1, a.vocab), targets.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.item()  # forces the step to finish, as reading the loss does in attnlab

    first_loss = None
    for _ in range(a.warmup):
        loss = step()
        first_loss = loss if first_loss is None else first_loss
    rss_start = rss_mb()
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    for i in range(1, a.steps + 1):
        loss = step()
        first_loss = loss if first_loss is None else first_loss
        if a.rss_every and i % a.rss_every == 0:
            print(json.dumps({"step": i, "rss_mb": round(rss_mb(), 1),
                              "elapsed_s": round(time.perf_counter() - t0, 2)}),
                  file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    rss_end = rss_mb()

    print(json.dumps({
        "tokens_per_s": round(a.batch * a.n_ctx * a.steps / elapsed, 1),
        "step_ms": round(1000.0 * elapsed / a.steps, 2),
        "cpu_ms_per_step": round(1000.0 * cpu / a.steps, 2),
        "rss_mb_start": round(rss_start, 1),
        "rss_mb_end": round(rss_end, 1),
        "rss_mb_peak": round(peak_rss_mb(), 1),
        "first_loss": round(first_loss, 4),
        "last_loss": round(loss, 4),
        "threads": torch.get_num_threads(),
        "impl": f"pytorch {torch.__version__}",
    }), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
