/* Interrupts in an arm64 guest: the EL1 vectors (vectors.S), the GICv3 CPU
 * interface (virtual under the hypervisor: ICC_* registers reach ICV_*),
 * the virtual timer (CNTV), SGIs between vCPUs, and PSCI for vCPUs and
 * power. A guest can also run directly on the emulated CPU, at EL1 without
 * the hypervisor: then it programs the GIC's distributor itself and calls
 * PSCI by HVC (gic.c). */
#pragma once
#include "types.h"

#define INTID_VTIMER	27	/* CNTV, PPI 11 */
#define INTID_SPURIOUS	1023
#define EXC_SYNC	0	/* guest_exception() kinds (vectors.S) */
#define EXC_IRQ		1

/* The context an exception saved (vectors.S). */
struct frame {
	u64 x[31];
	u64 elr, spsr;
	u64 stamp;	/* CNTVCT_EL0 read by the vector's second instruction */
};

/* Called by every vector with the saved frame; returns the frame to resume.
 * guests define it; the default reports the exception and powers off. */
struct frame *guest_exception(struct frame *f, u64 kind);
_Noreturn void frame_resume(struct frame *f);	/* vectors.S: ERET into a frame */
void burn(u64 iterations);			/* vectors.S: 2 instructions each */
void secondary_entry(void);			/* vectors.S: PSCI CPU_ON lands here */

bool hypervisor_present(void);			/* HC_VERSION answers */
/* This vCPU's vectors and kernel stack, its GIC CPU interface (and, run
 * directly, the distributor). */
void irq_setup(void *kernel_stack_top);
static inline void irqs_on(void) { __asm__ volatile("msr daifclr, #2" ::: "memory"); }
static inline void irqs_off(void) { __asm__ volatile("msr daifset, #2" ::: "memory"); }
u32 irq_ack(void);				/* ICC_IAR1_EL1 */
void irq_eoi(u32 intid);			/* ICC_EOIR1_EL1: drop and deactivate */
void sgi_send(u32 intid, unsigned vcpu);	/* ICC_SGI1R_EL1, Aff0 = vcpu */
void vtimer_at(u64 cval);			/* CNTV_CVAL_EL0, enabled */
void vtimer_off(void);
unsigned vcpu_id(void);				/* MPIDR_EL1.Aff0 */
s64 psci_cpu_on(unsigned vcpu, void (*entry)(void), u64 context);
_Noreturn void power_off(void);
/* printf into buf (at most size - 1 characters and a NUL); returns the length. */
int format_line(char *buf, int size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
