/* arm64 guest primitives: HVC hypercalls (number in x0, arguments in
 * x1..x3, result in x0; on the "kvm" board, built with BOARD_KVM, a store
 * of x0 to HC_DOORBELL, see hv/hypercall.h), the generic timer's counter,
 * and the PL011 UART. */
#pragma once
#include "types.h"

static inline s64 hypercall(u64 nr, u64 a, u64 b, u64 c)
{
	register u64 x0 __asm__("x0") = nr;
	register u64 x1 __asm__("x1") = a;
	register u64 x2 __asm__("x2") = b;
	register u64 x3 __asm__("x3") = c;

#ifdef BOARD_KVM
	__asm__ volatile("str %0, [%4]" : "+r"(x0) : "r"(x1), "r"(x2), "r"(x3),
			 "r"((u64)HC_DOORBELL) : "memory");
#else
	__asm__ volatile("hvc #0" : "+r"(x0) : "r"(x1), "r"(x2), "r"(x3) : "memory");
#endif
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

/* Inside a spin loop that waits for another vCPU: the YIELD hint, no exit.
 * QEMU's round-robin TCG (one host thread for all CPUs, as -icount needs)
 * switches to the next CPU on it; without one, a guest spinning with no
 * timer pending keeps the emulator on its CPU for good. */
static inline void cpu_relax(void)
{
	__asm__ volatile("yield" : : : "memory");
}

/* System registers by name: sysreg_read(tpidr_el1), sysreg_write(...). */
#define sysreg_read(reg) ({ u64 _v; __asm__ volatile("mrs %0, " #reg : "=r"(_v)); _v; })
#define sysreg_write(reg, v) __asm__ volatile("msr " #reg ", %0; isb" : : "r"((u64)(v)) : "memory")

/* An SMC: a call to firmware (PSCI), which the hypervisor answers. KVM
 * takes PSCI by HVC instead (it answers an SMC with -1): BOARD_KVM. */
#ifdef BOARD_KVM
#define PSCI_CONDUIT	"hvc #0"
#else
#define PSCI_CONDUIT	"smc #0"
#endif
static inline s64 smc_call(u64 function, u64 a, u64 b, u64 c)
{
	register u64 x0 __asm__("x0") = function;
	register u64 x1 __asm__("x1") = a;
	register u64 x2 __asm__("x2") = b;
	register u64 x3 __asm__("x3") = c;

	__asm__ volatile(PSCI_CONDUIT : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory");
	return (s64)x0;
}

#define PSCI_CPU_OFF		0x84000002
#define PSCI_CPU_ON		0xc4000003
#define PSCI_AFFINITY_INFO	0xc4000004
#define PSCI_SUCCESS		0
#define PSCI_INVALID_PARAMETERS	(-2)
#define PSCI_ALREADY_ON		(-4)
#define PSCI_AFFINITY_OFF	1

/* A secondary vCPU started with PSCI CPU_ON at secondary_entry, with the
 * address of one of these as its context (exceptions.S). */
struct secondary {
	u64 stack_top;
	void (*fn)(u64 arg);
	u64 arg;
};
extern char secondary_entry[];

/* The guest's own exception vectors (exceptions.S, exceptions.c): each
 * exception is counted and recorded, and the guest resumes. */
struct guest_exception_record {
	u64 count, vector, esr, far, elr;
	bool return_to_caller;	/* set: the next synchronous exception resumes at
				 * x30, as if a call to a bad address returned */
	void (*irq)(void);	/* set: an interrupt calls it (it acknowledges) */
};
extern volatile struct guest_exception_record guest_exceptions;
extern char guest_vectors[];
void exceptions_install(void);

/* read_REG() and write_REG() of a system register, for WS_REGISTER(). */
#define WS_ACCESSORS(reg) \
	static u64 read_##reg(void) { return sysreg_read(reg); } \
	static void write_##reg(u64 v) { sysreg_write(reg, v); }

/* Exits worth timing on this architecture only (guests/bench.c). */
struct bench_op { const char *name; void (*op)(void); };
extern const struct bench_op arch_bench_ops[];
