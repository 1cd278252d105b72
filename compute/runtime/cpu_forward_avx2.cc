// The fused CPU forward pass compiled for AVX2 and FMA.
//
// Only the kernel code below the pragma is compiled for this instruction set: the headers are
// included first, so no inline function they define (and no template they instantiate outside
// the kernels) is ever emitted with instructions a CPU without avx2 might lack.

#include <cmath>
#include <cstring>

#include "compute/runtime/cpu_forward.h"

#pragma GCC push_options
#pragma GCC target("avx2,fma")
#define ENGRAM_CPU_ISA_NS cpu_avx2
#define ENGRAM_CPU_LANES 8
#include "compute/runtime/cpu_forward_impl.inc"
#pragma GCC pop_options
