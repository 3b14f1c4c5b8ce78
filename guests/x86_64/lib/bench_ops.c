/* x86-only exits for guests/bench.c: CPUID (always an exit under VT-x)
 * and one IN from the emulated UART (an I/O-instruction exit). */
#include "guest.h"

static void cpuid_leaf0(void)
{
	u32 a = 0, b, c = 0, d;

	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
}

static void port_read(void) { (void)uart_status(); }

const struct bench_op arch_bench_ops[] = {
	{ "cpuid_roundtrip", cpuid_leaf0 },
	{ "pio_roundtrip", port_read },
	{ 0 },
};
