// The one translation unit of the gpu-agent fatbin: every kernel of the node library, extern "C"
// with the ga_ prefix. native/KERNELS.md lists their signatures and launch shapes.
#include "pointwise.cuh"
#include "blend.cuh"
#include "layout.cuh"
#include "resample.cuh"
#include "filter.cuh"
#include "diffusion.cuh"
