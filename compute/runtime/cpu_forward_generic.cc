// The fused CPU forward pass compiled for the generic instruction set (flags set in CMake).
#define ENGRAM_CPU_ISA_NS cpu_generic
#define ENGRAM_CPU_LANES 4
#include "compute/runtime/cpu_forward_impl.inc"
