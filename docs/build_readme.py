# Assembles README.md: docs/intro.md, docs/runner.md from "## Set-up", the generated spec reference
# (docs/spec-reference.md) and docs/readme-sections.md (the per-topic summaries). Run: make readme
import re
intro=open('docs/intro.md').read().strip()
runner=open('docs/runner.md').read()
setup=runner[runner.index('## Set-up'):]
spec=open('docs/spec-reference.md').read()
spec=re.sub(r'^# .*\n','',spec,count=1).strip()
tail=open('docs/readme-sections.md').read()
readme=f"""{intro}

Contents: [set-up](#set-up) · [command line](#the-command-line) · [specs](#specs) ·
[caching](#how-caching-works) · [layout](#repository-layout) · [spec reference](#spec-reference) ·
[data and tokenizers](#data-and-tokenizers) · [model and training](#model-and-training) ·
[evaluate and interpret](#evaluate-and-interpret) · [tracking](#tracking-with-mlflow) ·
[sweeps](#sweeps) · [experiments and results](#experiments-and-results) · [benchmarks](#benchmarks) · [CI](#ci)

{setup.strip()}

## Spec reference

Generated from `SpecSchema` (`bin/attnlab schema --markdown`; a test fails if the docs copy is stale).

{spec}

{tail.strip()}
"""
open('README.md','w').write(readme)
