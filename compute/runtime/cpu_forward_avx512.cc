// The fused CPU forward pass compiled for AVX-512.
//
// Only the kernel code below the pragma is compiled for this instruction set: the headers are
// included first, so no inline function they define (and no template they instantiate outside
// the kernels) is ever emitted with instructions a CPU without avx512 might lack.

#include <cmath>
#include <cstring>

#include "compute/runtime/cpu_forward.h"

#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")
#define ENGRAM_CPU_ISA_NS cpu_avx512
#define ENGRAM_CPU_LANES 16
#include "compute/runtime/cpu_forward_impl.inc"
#pragma GCC pop_options
