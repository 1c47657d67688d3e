"""Checks that the PyTorch reference is the architecture it claims to be.

Run with the bench venv (not part of `make test`, which needs no PyTorch):
    bench/.venv/bin/python -m unittest bench/train/test_torch_reference.py
"""
import math
import sys
import unittest
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from torch_reference import AttnOnlyTransformer  # noqa: E402


class TorchReferenceTest(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(0)
        self.m = AttnOnlyTransformer(vocab=97, d_model=32, n_heads=4, n_ctx=12, n_layers=2)

    def test_parameters_use_transformerlens_shapes(self):
        shapes = {n: tuple(p.shape) for n, p in self.m.named_parameters()}
        self.assertEqual(shapes["W_E"], (97, 32))
        self.assertEqual(shapes["W_pos"], (12, 32))
        self.assertEqual(shapes["blocks.1.W_Q"], (4, 32, 8))
        self.assertEqual(shapes["blocks.1.b_V"], (4, 8))
        self.assertEqual(shapes["blocks.0.W_O"], (4, 8, 32))
        self.assertEqual(shapes["blocks.0.b_O"], (32,))
        self.assertEqual(shapes["W_U"], (32, 97))
        self.assertEqual(shapes["b_U"], (97,))
        per_block = 4 * 32 * 32 + 3 * 32 + 32
        expected = 97 * 32 + 12 * 32 + 2 * per_block + 32 * 97 + 97
        self.assertEqual(sum(p.numel() for p in self.m.parameters()), expected)

    def test_initialisation_is_normal_0_02_and_zero_biases(self):
        big = AttnOnlyTransformer(vocab=5000, d_model=64, n_heads=4, n_ctx=8, n_layers=1)
        self.assertAlmostEqual(big.W_E.std().item(), 0.02, delta=0.001)
        self.assertAlmostEqual(big.W_U.std().item(), 0.02, delta=0.001)
        self.assertAlmostEqual(big.W_E.mean().item(), 0.0, delta=0.001)
        self.assertEqual(big.b_U.abs().sum().item(), 0.0)
        self.assertEqual(big.blocks[0].b_Q.abs().sum().item(), 0.0)

    def test_loss_at_init_is_about_ln_vocab(self):
        tokens = torch.randint(0, 97, (8, 13))
        logits = self.m(tokens[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, 97), tokens[:, 1:].reshape(-1))
        self.assertAlmostEqual(loss.item(), math.log(97), delta=0.05)

    def test_attention_is_causal(self):
        tokens = torch.randint(0, 97, (2, 12))
        changed = tokens.clone()
        changed[:, 7] = (changed[:, 7] + 1) % 97
        a, b = self.m(tokens), self.m(changed)
        torch.testing.assert_close(a[:, :7], b[:, :7])
        self.assertGreater((a[:, 7:] - b[:, 7:]).abs().max().item(), 1e-6)

    def test_matches_a_per_head_loop_written_independently(self):
        """Same weights, attention computed head by head with plain matmuls."""
        tokens = torch.randint(0, 97, (3, 10))
        x = self.m.W_E[tokens] + self.m.W_pos[:10]
        causal = torch.ones(10, 10).tril().bool()
        for blk in self.m.blocks:
            out = torch.zeros_like(x) + blk.b_O
            for h in range(4):
                q = x @ blk.W_Q[h] + blk.b_Q[h]
                k = x @ blk.W_K[h] + blk.b_K[h]
                v = x @ blk.W_V[h] + blk.b_V[h]
                s = (q @ k.transpose(1, 2)) / math.sqrt(8)
                s = s.masked_fill(~causal, -1e30)
                out = out + (s.softmax(-1) @ v) @ blk.W_O[h]
            x = x + out
        expected = x @ self.m.W_U + self.m.b_U
        torch.testing.assert_close(self.m(tokens), expected, rtol=1e-5, atol=1e-5)

    def test_weight_decay_applies_to_matrices_only(self):
        groups = self.m.decay_groups(0.01)
        by_id = {id(p): n for n, p in self.m.named_parameters()}
        decayed = sorted(by_id[id(p)] for p in groups[0]["params"])
        self.assertEqual(groups[0]["weight_decay"], 0.01)
        self.assertEqual(groups[1]["weight_decay"], 0.0)
        self.assertEqual(decayed, sorted(["W_U"] + [f"blocks.{l}.W_{x}" for l in (0, 1)
                                                    for x in "QKVO"]))
        self.assertEqual(len(groups[0]["params"]) + len(groups[1]["params"]),
                         len(list(self.m.parameters())))


if __name__ == "__main__":
    unittest.main()
