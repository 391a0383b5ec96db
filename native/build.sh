#!/usr/bin/env bash
# Builds the one fatbin of the gpu-agent kernels with nvcc 13 and writes it, with the hash of the
# sources it was built from, where the jar picks it up:
#   agent/src/main/resources/native/gpu-agent.fatbin
#   agent/src/main/resources/native/gpu-agent.fatbin.sha256
# SASS for sm_75 (T4), sm_80 (A100), sm_86 (A10G), sm_89 (L4, L40S), sm_90 (H100, H200) and PTX
# for compute_90, which newer GPUs JIT-compile. The hash is sha256 over the contents of
# native/**/*.cu, native/**/*.cuh and native/build.sh concatenated in sorted path order (paths
# relative to native/, byte order); FatbinFreshnessTest recomputes it.
# Usage: native/build.sh [path/to/nvcc]   (default: nvcc on the PATH)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
out_dir="$root/agent/src/main/resources/native"
nvcc="${1:-${NVCC:-nvcc}}"

version="$("$nvcc" --version | sed -n 's/.*release \([0-9][0-9]*\)\..*/\1/p')"
if [ "${version:-0}" -lt 13 ]; then
  echo "native/build.sh needs nvcc 13 or newer, found release ${version:-unknown}" >&2
  exit 1
fi

mkdir -p "$out_dir"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

"$nvcc" -fatbin -O3 -std=c++17 \
  -gencode arch=compute_75,code=sm_75 \
  -gencode arch=compute_80,code=sm_80 \
  -gencode arch=compute_86,code=sm_86 \
  -gencode arch=compute_89,code=sm_89 \
  -gencode arch=compute_90,code=sm_90 \
  -gencode arch=compute_90,code=compute_90 \
  -Xptxas -warn-spills \
  -o "$tmp/gpu-agent.fatbin" "$here/gpu-agent.cu"

hash="$(cd "$here" && find . \( -name '*.cu' -o -name '*.cuh' -o -path ./build.sh \) -type f \
  | sed 's|^\./||' | LC_ALL=C sort | while IFS= read -r f; do cat "$f"; done | sha256sum | cut -d' ' -f1)"

cp "$tmp/gpu-agent.fatbin" "$out_dir/gpu-agent.fatbin"
printf '%s\n' "$hash" > "$out_dir/gpu-agent.fatbin.sha256"
echo "wrote $out_dir/gpu-agent.fatbin ($(wc -c < "$out_dir/gpu-agent.fatbin") bytes), sources sha256 $hash"
