#!/usr/bin/env bash
# Creates bench/.venv with PyTorch for the CPU reference benchmark (not part of `make test`).
#
# PyPI has no CPU-only torch wheel for Linux x86_64: its wheel is built with CUDA and declares
# ~20 GPU packages (cuda-toolkit meta-package, cuDNN, NCCL, cuBLAS, ..., triton, cuda-bindings).
# `--no-deps` alone does not work: libtorch_cuda.so, which libtorch.so and libtorch_python.so
# link against, needs the CUDA runtime libraries to be loadable even on a machine without a GPU
# ("libcudart.so.13: cannot open shared object file"). So we install:
#   - torch itself with --no-deps,
#   - exactly the NVIDIA libraries that torch's shared objects list as NEEDED (readelf -d),
#     at the versions torch 2.15.0 pins, also with --no-deps,
#   - torch's pure-Python CPU dependencies, pinned.
# Left out (never loaded on CPU): triton, cuda-bindings, cuda-pathfinder, the cuda-toolkit
# meta-package, cuSOLVER (only libtorch_cuda_linalg.so, loaded lazily), NVTX, CCCL headers.
# Result: ~4.0 GB on disk instead of the full set; `import torch` and CPU ops verified below.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${BENCH_VENV:-$(cd "$here/.." && pwd)/.venv}"   # BENCH_VENV: install elsewhere (e.g. to test this script)
python="${PYTHON:-python3}"

TORCH="torch==2.15.0"
# Provide the sonames in torch/lib/*.so NEEDED entries (libcudart.so.13, libcublas(Lt).so.13,
# libcufft.so.12, libcufile.so.0, libcusparse.so.12 (+ its libnvJitLink), libnvrtc.so.13,
# libcupti.so.13, libcudnn.so.9, libcusparseLt.so.0, libnccl.so.2, libnvshmem_host.so.3).
NVIDIA_LIBS=(
  "nvidia-cuda-runtime==13.2.86"
  "nvidia-cublas==13.4.1.3"
  "nvidia-cufft==12.2.0.57"
  "nvidia-cufile==1.17.1.22"
  "nvidia-cusparse==12.7.10.12"
  "nvidia-nvjitlink==13.5.37"
  "nvidia-cuda-nvrtc==13.2.86"
  "nvidia-cuda-cupti==13.2.86"
  "nvidia-cudnn-cu13==9.26.0.51"
  "nvidia-cusparselt-cu13==0.8.1"
  "nvidia-nccl-cu13==2.30.7"
  "nvidia-nvshmem-cu13==3.7.2"
)
CPU_DEPS=(
  "filelock==4.3.1"
  "typing_extensions==4.16.0"
  "sympy==1.14.0"
  "mpmath==1.3.0"
  "networkx==3.6.1"
  "jinja2==3.1.6"
  "MarkupSafe==3.0.4"
  "fsspec==2026.9.0"
  "numpy==2.4.6"
)

if [[ ! -x "$venv/bin/python" ]]; then
  echo "creating $venv"
  "$python" -m venv "$venv"
fi
pip=("$venv/bin/python" -m pip --disable-pip-version-check -q)

echo "installing $TORCH and the NVIDIA runtime libraries it links (~2.6 GB download, ~4 GB on disk)"
# --no-deps: pip would otherwise pull the full GPU stack; it then warns about the requirements
# we leave out on purpose, which is expected and harmless here.
"${pip[@]}" install --no-deps "$TORCH" "${NVIDIA_LIBS[@]}" 2>&1 | { grep -v -E 'requires|dependency resolver' || true; }
"${pip[@]}" install --no-deps "${CPU_DEPS[@]}"

"$venv/bin/python" - <<'PY'
import torch
a, b = torch.randn(64, 64), torch.randn(64, 64)
c = a @ b
assert torch.allclose(c, (a.double() @ b.double()).float(), atol=1e-3), "CPU matmul is wrong"
print(f"torch {torch.__version__} ok on CPU (cuda available: {torch.cuda.is_available()}, "
      f"intra-op threads: {torch.get_num_threads()})")
PY
