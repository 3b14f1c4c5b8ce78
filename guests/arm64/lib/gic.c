/* The guest's side of interrupts (guest_irq.h). Under the hypervisor the
 * GIC's CPU interface is virtual (ICH_HCR_EL2.En: ICC_* reach ICV_*), the
 * distributor is not ours, and the hypervisor has enabled the virtual
 * timer's PPI; run directly on the emulated CPU, the guest enables it in
 * the distributor and its redistributor itself. */
#include "guest.h"
#include "guest_irq.h"
#include "config.h"
#include "format.h"

#define read_sysreg(r) ({ u64 _v; __asm__ volatile("mrs %0, " #r : "=r"(_v)); _v; })
#define write_sysreg(r, v) __asm__ volatile("msr " #r ", %0" : : "r"((u64)(v)))
#define isb() __asm__ volatile("isb" ::: "memory")

#define PSCI_CPU_ON		0xc4000003
#define PSCI_SYSTEM_OFF		0x84000008
#define CNT_CTL_ENABLE		BIT(0)
#define ICC_SRE_SRE		BIT(0)
#define GIC_PRIORITY_ALL	0xff
#define GICD_CTLR		0x0000
#define GICD_CTLR_ENABLE_G1	BIT(1)
#define GICD_CTLR_ARE		BIT(4)
#define GICR_WAKER		0x0014
#define GICR_WAKER_SLEEP	BIT(1)
#define GICR_WAKER_ASLEEP	BIT(2)
#define GICR_SGI_BASE		0x10000
#define GICR_IGROUPR0		0x0080
#define GICR_ISENABLER0		0x0100
#define GICR_IPRIORITYR		0x0400
#define GIC_PRIORITY_TIMER	0xa0

extern char el1_vectors[];

bool hypervisor_present(void)
{
	return hypercall(HC_VERSION, 0, 0, 0) == HC_ABI_VERSION;	/* directly: PSCI says -1 */
}

static volatile u32 *reg32(u64 base, u64 offset)
{
	return (volatile u32 *)(base + offset);
}

/* Directly on the emulated CPU: the board's GIC is ours to set up. */
static void distributor_on(void)
{
	u64 rd = PLATFORM_GICR_BASE, sgi = rd + GICR_SGI_BASE;

	*reg32(PLATFORM_GICD_BASE, GICD_CTLR) = GICD_CTLR_ARE | GICD_CTLR_ENABLE_G1;
	*reg32(rd, GICR_WAKER) &= ~GICR_WAKER_SLEEP;
	while (*reg32(rd, GICR_WAKER) & GICR_WAKER_ASLEEP)
		;
	*reg32(sgi, GICR_IGROUPR0) |= BIT(INTID_VTIMER);
	*(volatile u8 *)(sgi + GICR_IPRIORITYR + INTID_VTIMER) = GIC_PRIORITY_TIMER;
	*reg32(sgi, GICR_ISENABLER0) = BIT(INTID_VTIMER);
}

void irq_setup(void *kernel_stack_top)
{
	write_sysreg(tpidrro_el0, (u64)kernel_stack_top);
	write_sysreg(vbar_el1, (u64)el1_vectors);
	if (!hypervisor_present() && vcpu_id() == 0)
		distributor_on();
	write_sysreg(icc_sre_el1, read_sysreg(icc_sre_el1) | ICC_SRE_SRE);
	isb();
	write_sysreg(icc_pmr_el1, GIC_PRIORITY_ALL);
	write_sysreg(icc_igrpen1_el1, 1);
	isb();
}

u32 irq_ack(void)
{
	return (u32)read_sysreg(icc_iar1_el1);
}

void irq_eoi(u32 intid)
{
	write_sysreg(icc_eoir1_el1, intid);
	isb();
}

void sgi_send(u32 intid, unsigned vcpu)
{
	__asm__ volatile("dsb ish" ::: "memory");
	write_sysreg(icc_sgi1r_el1, ((u64)intid << 24) | BIT(vcpu));
	isb();
}

void vtimer_at(u64 cval)
{
	write_sysreg(cntv_cval_el0, cval);
	write_sysreg(cntv_ctl_el0, CNT_CTL_ENABLE);
	isb();
}

void vtimer_off(void)
{
	write_sysreg(cntv_ctl_el0, 0);
	isb();
}

unsigned vcpu_id(void)
{
	return (unsigned)(read_sysreg(mpidr_el1) & 0xff);
}

/* PSCI: through SMC under our hypervisor (it traps them, as firmware's),
 * through HVC on the bare emulated CPU (QEMU answers them itself). */
static s64 psci(u64 fn, u64 a, u64 b, u64 c)
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

s64 psci_cpu_on(unsigned vcpu, void (*entry)(void), u64 context)
{
	return psci(PSCI_CPU_ON, vcpu, (u64)entry, context);
}

_Noreturn void power_off(void)
{
	psci(PSCI_SYSTEM_OFF, 0, 0, 0);
	for (;;)
		__asm__ volatile("wfi");
}

/* A guest with no handler of its own: say what happened, and stop. */
__attribute__((weak)) struct frame *guest_exception(struct frame *f, u64 kind)
{
	printf("FAIL: unexpected exception (kind %lu) at 0x%lx, ESR_EL1=0x%lx\n", kind, f->elr,
	       read_sysreg(esr_el1));
	power_off();
}

__attribute__((weak)) void secondary_main(void)
{
	power_off();
}

struct line_sink {
	char *buf;
	int size, len;
};

static void line_putc(void *ctx, char c)
{
	struct line_sink *s = ctx;

	if (s->len < s->size - 1)
		s->buf[s->len++] = c;
}

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
