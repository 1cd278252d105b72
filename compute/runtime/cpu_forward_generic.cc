// The fused CPU forward pass compiled for the baseline x86-64 instruction set.
//
// Only the kernel code below the pragma is compiled for this instruction set: the headers are
// included first, so no inline function they define (and no template they instantiate outside
// the kernels) is ever emitted with instructions a CPU without generic might lack.

#include <cmath>
#include <cstring>

#include "compute/runtime/cpu_forward.h"

#define ENGRAM_CPU_ISA_NS cpu_generic
#define ENGRAM_CPU_LANES 4
#include "compute/runtime/cpu_forward_impl.inc"
