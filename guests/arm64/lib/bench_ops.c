/* arm64 has no exits to time beyond the portable ones (guests/bench.c). */
#include "guest.h"

const struct bench_op arch_bench_ops[] = { { 0 } };
