#!/usr/bin/env bash
# Builds libgakernels_emu.so: the kernels of native/ compiled for the host with emu.h.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/build}"
mkdir -p "$out"
for f in common pointwise blend layout resample filter diffusion; do
  sed -e '/#include "common.cuh"/d' -e 's/extern __shared__ float line\[\];/extern_shared_line;/' "$here/../$f.cuh"
done > "$out/kernels_emu.inc"
g++ -std=c++20 -O2 -ffp-contract=off -fPIC -shared -pthread -I"$out" -I"$here" -o "$out/libgakernels_emu.so" "$here/emu.cpp"
echo "$out/libgakernels_emu.so"
