/* The guest loads and saves its FP/SIMD register file with the very routines
 * the hypervisor switches it with: fpsimd_load() and fpsimd_save(). */
#include "../../arch_arm64/fpsimd.S"
