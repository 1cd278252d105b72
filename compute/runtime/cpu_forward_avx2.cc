// The fused CPU forward pass compiled for the avx2 instruction set (flags set in CMake).
#define ENGRAM_CPU_ISA_NS cpu_avx2
#define ENGRAM_CPU_LANES 8
#include "compute/runtime/cpu_forward_impl.inc"
