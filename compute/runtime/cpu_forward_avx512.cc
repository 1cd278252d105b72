// The fused CPU forward pass compiled for the avx512 instruction set (flags set in CMake).
#define ENGRAM_CPU_ISA_NS cpu_avx512
#define ENGRAM_CPU_LANES 16
#include "compute/runtime/cpu_forward_impl.inc"
