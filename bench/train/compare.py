#!/usr/bin/env python3
"""Trains PyTorch (torch_reference.py) and attnlab (dev.attnlab.train.ThroughputBench) on the
same configs, one process after the other, and prints a markdown table of tokens/s.

Stdlib only: run.sh calls it after building attnlab and checking bench/.venv.

Method: for each repeat, for each thread count, for each config, PyTorch then attnlab run
back-to-back with identical arguments and OMP_NUM_THREADS. The machine is shared, so every
config runs --repeats times interleaved; the table shows the best tokens/s and the spread
(worst..best) over the repeats, and the ratio of the bests. Resident memory is read by the
programs themselves (after warm-up and at the end) and also sampled from outside
(/proc/PID/status of the process tree, every 0.25 s) for the peak.
Raw results go to bench/results/<UTC timestamp>.jsonl.
"""
from __future__ import annotations

import argparse
import collections
import dataclasses
import datetime as dt
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


@dataclasses.dataclass(frozen=True)
class Config:
    name: str
    vocab: int
    d_model: int
    heads: int
    n_ctx: int
    batch: int
    layers: int
    steps: int
    warmup: int

    def args(self, steps: int, warmup: int, seed: int) -> list[str]:
        return ["--vocab", str(self.vocab), "--d-model", str(self.d_model),
                "--heads", str(self.heads), "--n-ctx", str(self.n_ctx),
                "--batch", str(self.batch), "--layers", str(self.layers),
                "--steps", str(steps), "--warmup", str(warmup), "--seed", str(seed)]


def notebook_configs() -> list[Config]:
    """The notebooks' models: GPT-2 vocabulary, 8 heads, batch 50. Steps sized for ~10-20 s."""
    out = []
    for d_model in (128, 256):
        for n_ctx in (20, 80):
            for layers in (1, 2):
                steps = 20 if n_ctx == 20 else 8
                out.append(Config(f"nb-d{d_model}-ctx{n_ctx}-L{layers}", 50257, d_model, 8, n_ctx,
                                  50, layers, steps, 2))
    return out


def small_vocab_configs() -> list[Config]:
    """Issue 5's small-vocabulary config (per-op overhead dominates here). 30 warm-up steps: the
    JVM is still JIT-compiling the step after 5 (C2 used ~4 % of the CPU around step 150)."""
    return [Config(f"v1k-d128-ctx128-L{layers}", 1000, 128, 4, 128, 16, layers, 60, 30)
            for layers in (1, 2)]


ALL_CONFIGS = {c.name: c for c in notebook_configs() + small_vocab_configs()}


# ---------------------------------------------------------------------------------------------
# Memory sampling from outside the process (covers a launcher script that starts the JVM).

def _tree_rss_mb(root_pid: int) -> float | None:
    """VmRSS summed over root_pid and its descendants, in MiB (None once the root is gone)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    total, stack, seen = 0, [root_pid], False
    while stack:
        pid = stack.pop()
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        seen = True
                        break
        except OSError:
            pass
        stack.extend(children.get(pid, []))
    return total / 1024.0 if seen else None


class RssSampler(threading.Thread):
    def __init__(self, pid: int, period_s: float = 0.25):
        super().__init__(daemon=True)
        self.pid, self.period_s = pid, period_s
        self.samples: list[tuple[float, float]] = []  # (seconds since start, MiB)
        self._halt = threading.Event()
        self._t0 = time.perf_counter()

    def run(self):
        while not self._halt.is_set():
            rss = _tree_rss_mb(self.pid)
            if rss is not None:
                self.samples.append((time.perf_counter() - self._t0, rss))
            self._halt.wait(self.period_s)

    def stop(self):
        self._halt.set()
        self.join()

    @property
    def peak(self) -> float | None:
        return max((r for _, r in self.samples), default=None)


# ---------------------------------------------------------------------------------------------

@dataclasses.dataclass
class RunResult:
    impl: str
    config: str
    threads: int
    repeat: int
    ok: bool
    result: dict
    error: str = ""
    wall_s: float = 0.0
    rss_peak_sampled_mb: float | None = None
    rss_samples: list = dataclasses.field(default_factory=list)
    stderr_rss: list = dataclasses.field(default_factory=list)


def _run_capture(cmd: list[str], env: dict, timeout_s: float):
    """Runs cmd; returns (exit code or None on time-out, stdout, stderr, child CPU seconds,
    sampler). Reaps the child with wait4 to get its CPU time (user + system, all threads)."""
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    sampler = RssSampler(proc.pid)
    sampler.start()
    out_buf: list[str] = []
    err_buf: list[str] = []
    readers = [threading.Thread(target=lambda f, b: b.append(f.read()), args=(proc.stdout, out_buf)),
               threading.Thread(target=lambda f, b: b.append(f.read()), args=(proc.stderr, err_buf))]
    for r in readers:
        r.start()
    timed_out = threading.Event()

    def kill():
        timed_out.set()
        proc.kill()

    timer = threading.Timer(timeout_s, kill)
    timer.start()
    _, status, usage = os.wait4(proc.pid, 0)
    timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    for r in readers:
        r.join()
    sampler.stop()
    code = None if timed_out.is_set() else proc.returncode
    return code, "".join(out_buf), "".join(err_buf), usage.ru_utime + usage.ru_stime, sampler


def run_one(impl: str, cmd: list[str], env: dict, timeout_s: float, config: str, threads: int,
            repeat: int, keep_samples: bool = False) -> RunResult:
    t0 = time.perf_counter()
    code, out, err, cpu_s, sampler = _run_capture(cmd, env, timeout_s)
    wall = time.perf_counter() - t0
    stderr_rss = []
    for line in err.splitlines():
        line = line.strip()
        if line.startswith("{") and '"rss_mb"' in line:
            try:
                stderr_rss.append(json.loads(line))
            except json.JSONDecodeError:
                pass
    result, error = {}, ""
    json_lines = [l for l in out.splitlines() if l.strip().startswith("{")]
    if code is None:
        error = f"timed out after {timeout_s:.0f} s"
    elif code != 0:
        tail = " | ".join(err.strip().splitlines()[-3:])
        error = f"exit {code}: {tail[:300]}"
    elif not json_lines:
        error = "no JSON line on stdout"
    else:
        try:
            result = json.loads(json_lines[-1])
            if not isinstance(result.get("tokens_per_s"), (int, float)):
                error = f"JSON line has no numeric tokens_per_s: {json_lines[-1][:200]}"
        except json.JSONDecodeError as e:
            error = f"bad JSON on stdout ({e}): {json_lines[-1][:200]}"
    result["process_cpu_s"] = round(cpu_s, 3)
    return RunResult(impl, config, threads, repeat, not error, result, error, wall,
                     sampler.peak, sampler.samples if keep_samples else [], stderr_rss)


def with_cpu_per_step(full: RunResult, short: RunResult, steps_diff: int, tokens_per_step: int):
    """CPU time of the timed steps, measured from outside for any program: the process CPU of a
    run with N more steps minus that of a run with the same warm-up and one step, over N-1.
    Other load on the machine changes wall time a lot and CPU time little."""
    if full.ok and short.ok and steps_diff > 0:
        cpu = (full.result["process_cpu_s"] - short.result["process_cpu_s"]) / steps_diff
        if cpu > 0:
            full.result["cpu_ms_per_step_diff"] = round(1000 * cpu, 2)
            full.result["tokens_per_cpu_s"] = round(tokens_per_step / cpu, 1)


def torch_cmd(python: str, cfg: Config, steps: int, warmup: int, seed: int,
              rss_every: int = 0) -> list[str]:
    cmd = [python, str(HERE / "torch_reference.py")] + cfg.args(steps, warmup, seed)
    return cmd + (["--rss-every", str(rss_every)] if rss_every else [])


def attnlab_cmd(java_cmd: list[str], cfg: Config, steps: int, warmup: int, seed: int) -> list[str]:
    # ThroughputBench takes only the shared arguments; its memory over a soak is sampled from
    # outside (and parsed from stderr if it ever prints {"step", "rss_mb"} lines itself).
    return java_cmd + cfg.args(steps, warmup, seed)


def env_for(threads: int) -> dict:
    env = dict(os.environ)
    env["OMP_NUM_THREADS"] = str(threads)
    return env


# ---------------------------------------------------------------------------------------------
# Reporting

def fmt_int(x: float | None) -> str:
    return "—" if x is None else f"{x:,.0f}"


def summarise(runs: list[RunResult], impl: str, config: str, threads: int):
    rs = [r for r in runs if r.impl == impl and r.config == config and r.threads == threads]
    ok = [r for r in rs if r.ok]
    if not rs:
        return None
    if not ok:
        return {"error": rs[-1].error}
    tps = [r.result["tokens_per_s"] for r in ok]
    cpu = [r.result["tokens_per_cpu_s"] for r in ok if "tokens_per_cpu_s" in r.result]
    best = max(ok, key=lambda r: r.result["tokens_per_s"])
    return {"best": max(tps), "worst": min(tps), "n": len(ok), "best_run": best,
            "cpu_best": max(cpu) if cpu else None, "cpu_worst": min(cpu) if cpu else None,
            "failed": len(rs) - len(ok)}


def cell(s, key="best", worst="worst") -> str:
    if s is None:
        return "not run"
    if "error" in s:
        return f"failed: {s['error'][:80]}"
    if s.get(key) is None:
        return "—"
    spread = "" if s["n"] < 2 else f" ({fmt_int(s[worst])}–{fmt_int(s[key])})"
    return f"**{fmt_int(s[key])}**{spread}"


def ratio(j, p, key="best") -> str:
    if p and j and p.get(key) and j.get(key):
        return f"{j[key] / p[key]:.2f}×"
    return "—"


def paired_ratios(runs: list[RunResult], config: str, threads: int) -> str:
    """attnlab / PyTorch wall tokens/s of runs made back to back (same repeat), worst–best:
    the pair saw about the same load, unlike the two bests, which may come from different
    moments."""
    by_rep: dict = {}
    for r in runs:
        if r.ok and r.config == config and r.threads == threads:
            by_rep.setdefault(r.repeat, {})[r.impl] = r.result["tokens_per_s"]
    rs = sorted(v["attnlab"] / v["pytorch"] for v in by_rep.values()
                if "attnlab" in v and "pytorch" in v)
    if not rs:
        return "—"
    return f"{rs[0]:.2f}×" if len(rs) == 1 else f"{rs[0]:.2f}–{rs[-1]:.2f}×"


def rss_cell(s) -> str:
    if not s or "error" in s:
        return "—"
    r = s["best_run"].result
    a, b = r.get("rss_mb_start"), r.get("rss_mb_end")
    peak = s["best_run"].rss_peak_sampled_mb
    txt = f"{a:,.0f}→{b:,.0f}" if isinstance(a, (int, float)) and isinstance(b, (int, float)) else "—"
    return txt + (f" (peak {peak:,.0f})" if peak else "")


def timed_steps(cfg: Config, steps_scale: float) -> int:
    return max(2, round(cfg.steps * steps_scale))


def config_table(configs: list[Config], steps_scale: float = 1.0) -> str:
    lines = ["| config | vocab | d_model | heads | n_ctx | batch | layers | timed steps (warm-up) |",
             "|---|---:|---:|---:|---:|---:|---:|---|"]
    for c in configs:
        lines.append(f"| {c.name} | {c.vocab:,} | {c.d_model} | {c.heads} | {c.n_ctx} | "
                     f"{c.batch} | {c.layers} | {timed_steps(c, steps_scale)} ({c.warmup}) |")
    return "\n".join(lines)


def table(runs: list[RunResult], configs: list[Config], thread_counts: list[int]) -> str:
    lines = ["| config | threads | PyTorch tokens/s | attnlab tokens/s | ratio of bests | "
             "paired ratios | PyTorch tokens/CPU-s | attnlab tokens/CPU-s | CPU ratio | "
             "attnlab RSS MB | PyTorch RSS MB |",
             "|---|---:|---|---|---:|---:|---|---|---:|---|---|"]
    for t in thread_counts:
        for c in configs:
            p = summarise(runs, "pytorch", c.name, t)
            j = summarise(runs, "attnlab", c.name, t)
            if p is None and j is None:
                continue
            lines.append(f"| {c.name} | {t} | {cell(p)} | {cell(j)} | {ratio(j, p)} | "
                         f"{paired_ratios(runs, c.name, t)} | "
                         f"{cell(p, 'cpu_best', 'cpu_worst')} | {cell(j, 'cpu_best', 'cpu_worst')} | "
                         f"{ratio(j, p, 'cpu_best')} | {rss_cell(j)} | {rss_cell(p)} |")
    return "\n".join(lines)


def soak_table(runs: list[RunResult], every: int, steps: int) -> str:
    """RSS every `every` steps: from the program's own --rss-every lines when it prints them,
    else from the outside samples at the matching fraction of the timed part of the run."""
    lines = []
    for r in runs:
        lines.append(f"\n{r.impl} (threads {r.threads}): "
                     + (f"{r.result.get('tokens_per_s', 0):,.0f} tokens/s, "
                        f"RSS after warm-up {r.result.get('rss_mb_start')} MB, "
                        f"at end {r.result.get('rss_mb_end')} MB, "
                        f"sampled peak {r.rss_peak_sampled_mb or 0:,.0f} MB"
                        if r.ok else f"FAILED: {r.error}"))
        if r.stderr_rss:
            lines.append("| step | RSS MB (reported by the program) | elapsed s |")
            lines.append("|---:|---:|---:|")
            for row in r.stderr_rss:
                lines.append(f"| {row.get('step')} | {row.get('rss_mb')} | {row.get('elapsed_s', '')} |")
        elif r.rss_samples:
            t_end = r.rss_samples[-1][0]
            lines.append(f"| fraction of wall time (≈ step of {steps}) | RSS MB (sampled) |")
            lines.append("|---:|---:|")
            for k in range(1, 11):
                t = t_end * k / 10
                rss = min(r.rss_samples, key=lambda s: abs(s[0] - t))[1]
                lines.append(f"| {k * 10}% (≈{steps * k // 10}) | {rss:,.0f} |")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------

def report(paths: list[str]) -> int:
    runs = []
    for i, path in enumerate(paths):
        with open(path) as f:
            for line in f:
                if line.strip():
                    r = RunResult(**json.loads(line))
                    r.repeat = f"{i}.{r.repeat}"   # repeats of different files are different pairs
                    runs.append(r)
    names = list(dict.fromkeys(r.config for r in runs))
    configs = [ALL_CONFIGS[n] for n in names if n in ALL_CONFIGS]
    threads = sorted({r.threads for r in runs})
    per = collections.Counter((r.impl, r.config, r.threads) for r in runs if r.ok)
    print(f"## Training throughput (best of up to {max(per.values(), default=0)} runs; "
          f"worst–best in brackets)\n")
    print(config_table(configs) + "\n")
    print(table(runs, configs, threads))
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="PyTorch vs attnlab training throughput")
    ap.add_argument("--python", required=True, help="python with torch (bench/.venv/bin/python)")
    ap.add_argument("--java-cmd", default="",
                    help="command that starts ThroughputBench (args are appended); empty = "
                         "PyTorch only")
    ap.add_argument("--configs", default="all",
                    help="comma-separated config names, 'notebook', 'small' or 'all'; "
                         f"known: {', '.join(ALL_CONFIGS)}")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--steps-scale", type=float, default=1.0,
                    help="multiply every config's timed steps (warm-up unchanged)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-cpu-diff", dest="cpu_diff", action="store_false",
                    help="skip the extra one-step run per program that measures CPU per step")
    ap.add_argument("--timeout", type=float, default=900, help="per run, seconds")
    ap.add_argument("--soak", action="store_true",
                    help="memory soak: --soak-steps on one config, RSS every --soak-every steps")
    ap.add_argument("--soak-config", default="v1k-d128-ctx128-L1")
    ap.add_argument("--soak-steps", type=int, default=1000)
    ap.add_argument("--soak-every", type=int, default=100)
    ap.add_argument("--soak-impl", choices=("both", "pytorch", "attnlab"), default="both")
    ap.add_argument("--out", default="", help="results JSONL (default bench/results/<utc>.jsonl)")
    ap.add_argument("--report", nargs="+", metavar="JSONL",
                    help="run nothing: print the table from earlier results files (merged)")
    a = ap.parse_args(argv)
    if a.report:
        return report(a.report)

    java_cmd = a.java_cmd.split() if a.java_cmd else []
    threads = [int(t) for t in a.threads.split(",") if t]
    if a.configs == "all":
        configs = list(ALL_CONFIGS.values())
    elif a.configs == "notebook":
        configs = notebook_configs()
    elif a.configs == "small":
        configs = small_vocab_configs()
    else:
        unknown = [n for n in a.configs.split(",") if n not in ALL_CONFIGS]
        if unknown:
            ap.error(f"unknown config(s) {unknown}; known: {', '.join(ALL_CONFIGS)}")
        configs = [ALL_CONFIGS[n] for n in a.configs.split(",")]

    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out_path = Path(a.out) if a.out else ROOT / "bench" / "results" / f"{stamp}{'-soak' if a.soak else ''}.jsonl"
    out_path.parent.mkdir(parents=True, exist_ok=True)
    runs: list[RunResult] = []

    def record(r: RunResult):
        runs.append(r)
        with out_path.open("a") as f:
            f.write(json.dumps(dataclasses.asdict(r)) + "\n")
        status = (f"{r.result['tokens_per_s']:>10,.0f} tokens/s" if r.ok else f"FAILED {r.error}")
        print(f"  [{r.repeat}] {r.impl:8s} {r.config:22s} threads={r.threads} {status} "
              f"(wall {r.wall_s:.1f} s)", file=sys.stderr, flush=True)

    print(f"# {stamp} on {os.uname().nodename}: {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.2f} at start", file=sys.stderr)

    if a.soak:
        cfg = ALL_CONFIGS[a.soak_config]
        for t in threads:
            if a.soak_impl in ("both", "pytorch"):
                record(run_one("pytorch", torch_cmd(a.python, cfg, a.soak_steps, cfg.warmup,
                                                    a.seed, a.soak_every),
                               env_for(t), a.timeout, cfg.name, t, 1, keep_samples=True))
            if java_cmd and a.soak_impl in ("both", "attnlab"):
                record(run_one("attnlab", attnlab_cmd(java_cmd, cfg, a.soak_steps, cfg.warmup,
                                                      a.seed),
                               env_for(t), a.timeout, cfg.name, t, 1, keep_samples=True))
        print(f"## Memory soak: {cfg.name}, {a.soak_steps} steps\n")
        print(soak_table(runs, a.soak_every, a.soak_steps))
        print(f"\nraw results: {out_path.relative_to(ROOT)}")
        return 0 if all(r.ok for r in runs) else 1

    baselines: dict[tuple, RunResult] = {}
    for rep in range(1, a.repeats + 1):
        for t in threads:
            for cfg in configs:
                steps = timed_steps(cfg, a.steps_scale)
                programs = [("pytorch", lambda n: torch_cmd(a.python, cfg, n, cfg.warmup, a.seed))]
                if java_cmd:
                    programs.append(("attnlab",
                                     lambda n: attnlab_cmd(java_cmd, cfg, n, cfg.warmup, a.seed)))
                for impl, cmd in programs:
                    full = run_one(impl, cmd(steps), env_for(t), a.timeout, cfg.name, t, rep)
                    if a.cpu_diff:
                        # the one-step baseline is the same for every repeat: run it once
                        key = (impl, cfg.name, t)
                        if key not in baselines or not baselines[key].ok:
                            baselines[key] = run_one(impl, cmd(1), env_for(t), a.timeout,
                                                     cfg.name, t, rep)
                        with_cpu_per_step(full, baselines[key], steps - 1, cfg.batch * cfg.n_ctx)
                    record(full)

    print(f"## Training throughput (best of {a.repeats} interleaved runs; worst–best in brackets)\n")
    print(config_table(configs, a.steps_scale) + "\n")
    print(table(runs, configs, threads))
    print("\ntokens/s: wall clock over the timed steps, as each program reports it. tokens/CPU-s: "
          "the same tokens over the process CPU time (all threads) of the timed steps, measured "
          "from outside as CPU(warm-up + N steps) − CPU(warm-up + 1 step). RSS: after warm-up → "
          "after the last step, as each program reports it; peak sampled from outside.")
    print(f"\nload average at end {os.getloadavg()[0]:.2f}; raw results: "
          f"{out_path.relative_to(ROOT)}")
    return 0 if all(r.ok for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
