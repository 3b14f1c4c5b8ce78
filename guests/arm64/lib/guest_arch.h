/* arm64 guest primitives: HVC hypercalls (number in x0, arguments in
 * x1..x3, result in x0), the generic timer's counter, and the PL011 UART. */
#pragma once
#include "types.h"

static inline s64 hypercall(u64 nr, u64 a, u64 b, u64 c)
{
	register u64 x0 __asm__("x0") = nr;
	register u64 x1 __asm__("x1") = a;
	register u64 x2 __asm__("x2") = b;
	register u64 x3 __asm__("x3") = c;

	__asm__ volatile("hvc #0" : "+r"(x0) : "r"(x1), "r"(x2), "r"(x3) : "memory");
	return (s64)x0;
}

static inline u64 counter_read(void)	/* CNTVCT_EL0 */
{
	u64 v;

	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v));
	return v;
}

static inline u64 counter_freq(void)	/* CNTFRQ_EL0, in Hz */
{
	u64 v;

	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(v));
	return v;
}

void guest_putc(char c);
u32 uart_status(void);		/* one read of the UART's status register */

/* True when a hypercall left every register but the result one unchanged. */
bool hypercall_preserves_registers(void);

/* Device registers: one plain load or store each, which the hypervisor
 * can emulate from the data abort's syndrome (ISV=1). */
static inline u64 mmio_read64(u64 addr) { return *(volatile u64 *)addr; }
static inline u32 mmio_read32(u64 addr) { return *(volatile u32 *)addr; }
static inline u8 mmio_read8(u64 addr) { return *(volatile u8 *)addr; }
static inline void mmio_write64(u64 addr, u64 v) { *(volatile u64 *)addr = v; }
static inline void mmio_write32(u64 addr, u32 v) { *(volatile u32 *)addr = v; }

/* Exits worth timing on this architecture only (guests/bench.c). */
struct bench_op { const char *name; void (*op)(void); };
extern const struct bench_op arch_bench_ops[];
