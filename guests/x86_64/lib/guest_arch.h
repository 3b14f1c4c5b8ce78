/* x86_64 guest primitives: hypercalls (number in RAX, arguments in RDI,
 * RSI, RDX, result in RAX: VMCALL on Intel, VMMCALL on AMD, chosen once
 * from CPUID; on the "kvm" board, built with BOARD_KVM, an OUT to HC_PORT,
 * see hv/hypercall.h), the TSC as the counter, and the 16550 UART at COM1. */
#pragma once
#include "types.h"

extern bool use_vmmcall;	/* AMD: set by guest_arch_init() */

static inline s64 hypercall(u64 nr, u64 a, u64 b, u64 c)
{
	u64 ret;

#ifdef BOARD_KVM
	__asm__ volatile("outl %%eax, %[port]" : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), [port] "i"(HC_PORT) : "memory");
	return (s64)ret;
#endif
	if (use_vmmcall)
		__asm__ volatile("vmmcall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c) : "memory");
	else
		__asm__ volatile("vmcall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c) : "memory");
	return (s64)ret;
}

static inline u64 counter_read(void)	/* the TSC */
{
	u32 lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

u64 counter_freq(void);		/* TSC Hz, from the hypervisor's CPUID leaf */
void guest_putc(char c);
u32 uart_status(void);
bool hypercall_preserves_registers(void);

/* Device registers: one MOV between a register and memory each, the forms
 * the hypervisor's instruction decoder knows (arch_x86_64/decode.c). */
static inline u64 mmio_read64(u64 addr)
{
	u64 v;
	__asm__ volatile("movq (%1), %0" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

static inline u32 mmio_read32(u64 addr)
{
	u32 v;
	__asm__ volatile("movl (%1), %0" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

static inline u8 mmio_read8(u64 addr)
{
	u8 v;
	__asm__ volatile("movb (%1), %0" : "=q"(v) : "r"(addr) : "memory");
	return v;
}

static inline void mmio_write64(u64 addr, u64 v)
{
	__asm__ volatile("movq %0, (%1)" : : "r"(v), "r"(addr) : "memory");
}

static inline void mmio_write32(u64 addr, u32 v)
{
	__asm__ volatile("movl %0, (%1)" : : "r"(v), "r"(addr) : "memory");
}

/* The guest's own IDT for the 32 exceptions (exceptions.S, exceptions.c):
 * each is counted and recorded; it resumes at `fixup`, which the guest
 * sets before an instruction that may fault (0: unexpected, the guest
 * stops with a FAIL line). Returns the IDT's address. */
struct guest_exception_record {
	u64 count, vector, error, rip;
	u64 fixup;
};
extern volatile struct guest_exception_record guest_exceptions;
u64 exceptions_install(void);

/* Exits worth timing on this architecture only (guests/bench.c). */
struct bench_op { const char *name; void (*op)(void); };
extern const struct bench_op arch_bench_ops[];
