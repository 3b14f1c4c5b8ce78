/* Interrupts in an arm64 guest, for the guests that take them (rt.c and
 * rt-latency.c, whose companion .S includes the vectors, vectors.S; no
 * other guest carries any of this): the GICv3 CPU interface (virtual under
 * the hypervisor: ICC_* reach ICV_*), the virtual timer (CNTV), SGIs
 * between vCPUs, and PSCI for vCPUs and power. Under the hypervisor the
 * distributor is not ours, and the hypervisor has enabled the virtual
 * timer's PPI; run directly on the emulated CPU, at EL1 with no
 * hypervisor, the guest enables it in the distributor and its
 * redistributor itself, and calls PSCI by HVC. */
#pragma once
#include "guest.h"
#include "config.h"
#include "format.h"

#define INTID_VTIMER		27	/* CNTV, PPI 11 */
#define INTID_SPURIOUS		1023
#define EXC_SYNC		0	/* irq_exception() kinds (vectors.S) */
#define EXC_IRQ			1

#define PSCI_CPU_ON		0xc4000003
#define PSCI_SYSTEM_OFF		0x84000008
#define CNT_CTL_ENABLE		BIT(0)
#define ICC_SRE_SRE		BIT(0)
#define ICC_SGI1R_INTID_SHIFT	24
#define GIC_PRIORITY_ALL	0xff
#define GIC_PRIORITY_TIMER	0xa0
#define GICD_CTLR		0x0000
#define GICD_CTLR_ENABLE_G1	BIT(1)
#define GICD_CTLR_ARE		BIT(4)	/* affinity routing */
#define GICR_WAKER		0x0014
#define GICR_WAKER_SLEEP	BIT(1)
#define GICR_WAKER_ASLEEP	BIT(2)
#define GICR_SGI_BASE		0x10000	/* second 64 KiB frame */
#define GICR_IGROUPR0		0x0080
#define GICR_ISENABLER0		0x0100
#define GICR_IPRIORITYR		0x0400

#define read_sysreg(r) ({ u64 _v; __asm__ volatile("mrs %0, " #r : "=r"(_v)); _v; })
#define write_sysreg(r, v) __asm__ volatile("msr " #r ", %0" : : "r"((u64)(v)))
#define isb() __asm__ volatile("isb" ::: "memory")

/* The context an exception saved (vectors.S). */
struct frame {
	u64 x[31];
	u64 elr, spsr;
	u64 stamp;	/* CNTVCT_EL0 read by the vector's second instruction */
};

/* Called by every vector with the saved frame; returns the frame to resume.
 * Each guest that includes the vectors defines it. */
struct frame *irq_exception(struct frame *f, u64 kind);
_Noreturn void frame_resume(struct frame *f);	/* vectors.S: ERET into a frame */
extern char irq_vectors[];

static inline void irqs_on(void) { __asm__ volatile("msr daifclr, #2" ::: "memory"); }
static inline void irqs_off(void) { __asm__ volatile("msr daifset, #2" ::: "memory"); }

static inline bool hypervisor_present(void)
{
	return hypercall(HC_VERSION, 0, 0, 0) == HC_ABI_VERSION;	/* directly: PSCI says -1 */
}

static inline unsigned vcpu_id(void)
{
	return (unsigned)(read_sysreg(mpidr_el1) & 0xff);	/* Aff0 */
}

static inline volatile u32 *gic_reg32(u64 base, u64 offset)
{
	return (volatile u32 *)(base + offset);
}

/* Directly on the emulated CPU: the board's GIC is ours to set up. */
static inline void distributor_on(void)
{
	u64 rd = PLATFORM_GICR_BASE, sgi = rd + GICR_SGI_BASE;

	*gic_reg32(PLATFORM_GICD_BASE, GICD_CTLR) = GICD_CTLR_ARE | GICD_CTLR_ENABLE_G1;
	*gic_reg32(rd, GICR_WAKER) &= ~GICR_WAKER_SLEEP;
	while (*gic_reg32(rd, GICR_WAKER) & GICR_WAKER_ASLEEP)
		;
	*gic_reg32(sgi, GICR_IGROUPR0) |= BIT(INTID_VTIMER);
	*(volatile u8 *)(sgi + GICR_IPRIORITYR + INTID_VTIMER) = GIC_PRIORITY_TIMER;
	*gic_reg32(sgi, GICR_ISENABLER0) = BIT(INTID_VTIMER);
}

/* This vCPU's vectors and kernel stack (TPIDRRO_EL0, vectors.S), its GIC
 * CPU interface (and, run directly, the distributor). */
static inline void irq_setup(void *kernel_stack_top)
{
	write_sysreg(tpidrro_el0, (u64)kernel_stack_top);
	write_sysreg(vbar_el1, (u64)irq_vectors);
	if (!hypervisor_present() && vcpu_id() == 0)
		distributor_on();
	write_sysreg(icc_sre_el1, read_sysreg(icc_sre_el1) | ICC_SRE_SRE);
	isb();
	write_sysreg(icc_pmr_el1, GIC_PRIORITY_ALL);
	write_sysreg(icc_igrpen1_el1, 1);
	isb();
}

static inline u32 irq_ack(void)			/* ICC_IAR1_EL1 */
{
	return (u32)read_sysreg(icc_iar1_el1);
}

static inline void irq_eoi(u32 intid)		/* ICC_EOIR1_EL1: drop and deactivate */
{
	write_sysreg(icc_eoir1_el1, intid);
	isb();
}

static inline void sgi_send(u32 intid, unsigned vcpu)	/* ICC_SGI1R_EL1, Aff0 = vcpu */
{
	__asm__ volatile("dsb ish" ::: "memory");
	write_sysreg(icc_sgi1r_el1, ((u64)intid << ICC_SGI1R_INTID_SHIFT) | BIT(vcpu));
	isb();
}

static inline void vtimer_at(u64 cval)		/* CNTV_CVAL_EL0, enabled */
{
	write_sysreg(cntv_cval_el0, cval);
	write_sysreg(cntv_ctl_el0, CNT_CTL_ENABLE);
	isb();
}

static inline void vtimer_off(void)
{
	write_sysreg(cntv_ctl_el0, 0);
	isb();
}

/* PSCI: through SMC under our hypervisor (it traps them, as firmware's),
 * through HVC on the bare emulated CPU (QEMU answers them itself). */
static inline s64 psci(u64 fn, u64 a, u64 b, u64 c)
{
	bool smc = hypervisor_present();	/* first: a call clobbers x0-x3 */
	register u64 x0 __asm__("x0") = fn;
	register u64 x1 __asm__("x1") = a;
	register u64 x2 __asm__("x2") = b;
	register u64 x3 __asm__("x3") = c;

	if (smc)
		__asm__ volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory");
	else
		__asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory");
	return (s64)x0;
}

static inline s64 psci_cpu_on(unsigned vcpu, void (*entry)(void), u64 context)
{
	return psci(PSCI_CPU_ON, vcpu, (u64)entry, context);
}

static inline _Noreturn void power_off(void)
{
	psci(PSCI_SYSTEM_OFF, 0, 0, 0);
	for (;;)
		__asm__ volatile("wfi");
}

struct line_sink {
	char *buf;
	int size, len;
};

static inline void line_putc(void *ctx, char c)
{
	struct line_sink *s = ctx;

	if (s->len < s->size - 1)
		s->buf[s->len++] = c;
}

/* printf into buf (at most size - 1 characters and a NUL); its length. */
static inline __attribute__((format(printf, 3, 4)))
int format_line(char *buf, int size, const char *fmt, ...)
{
	struct line_sink s = { buf, size, 0 };
	va_list ap;

	va_start(ap, fmt);
	vformat(line_putc, &s, fmt, ap);
	va_end(ap);
	buf[s.len] = '\0';
	return s.len;
}
