/* GICv3 set-up: distributor on with affinity routing (once), each CPU's
 * redistributor awake, and its system-register CPU interface enabled at
 * EL2. Interrupts are Group 1 and acknowledged through ICC_IAR1_EL1.
 * With EOImode split, EL2 only drops the priority of an interrupt it hands
 * to a guest; the guest's own EOI, through a list register with HW=1,
 * deactivates the physical interrupt. */
#include "gic.h"
#include "arch.h"
#include "config.h"
#include "esr.h"
#include "exit.h"
#include "sysreg.h"
#include "vgic.h"
#include "vm.h"

#define ICC_SGI1R_EL1_ENC	SYS64_ENC(3, 0, 12, 11, 5)
#define ICC_SGI1R_INTID_SHIFT	24
#define ICC_SGI1R_TARGETS(v)	FIELD(v, 15, 0)		/* Aff0 values, as a bit mask */
#define ICC_SGI1R_INTID(v)	FIELD(v, 27, 24)
#define ICC_SGI1R_IRM		BIT(40)			/* every PE but the sender */
#define ICC_SGI1R_UPPER_AFF	(MASK(23, 16) | MASK(39, 32) | MASK(55, 48))	/* Aff1-3 */

#define GICD_CTLR		0x0000
#define GICD_CTLR_ENABLE_G1	BIT(1)
#define GICD_CTLR_ARE		BIT(4)	/* affinity routing (GICv3 mode) */
#define GICD_IGROUPR		0x0080
#define GICD_ISENABLER		0x0100
#define GICD_IPRIORITYR		0x0400
#define GICD_IROUTER		0x6000

#define GICR_WAKER		0x0014	/* in RD_base */
#define GICR_WAKER_PROCESSOR_SLEEP BIT(1)
#define GICR_WAKER_CHILDREN_ASLEEP BIT(2)
#define GICR_SGI_BASE		0x10000	/* second 64 KiB frame */
#define GICR_IGROUPR0		0x0080	/* in SGI_base */
#define GICR_ISENABLER0		0x0100
#define GICR_ICENABLER0		0x0180
#define GICR_ISACTIVER0		0x0300
#define GICR_ICACTIVER0		0x0380
#define GICR_IPRIORITYR		0x0400

#define ICC_SRE_SRE		BIT(0)	/* system-register interface */
#define ICC_SRE_DFB		BIT(1)	/* FIQ bypass off: EL1's DFB reads as one */
#define ICC_SRE_DIB		BIT(2)	/* IRQ bypass off: EL1's DIB reads as one */
#define ICC_SRE_ENABLE		BIT(3)	/* lower ELs may use ICC_SRE_EL1 */
#define GIC_PRIORITY_DEFAULT	0xa0
#define GIC_PRIORITY_MASK_ALL	0xff	/* ICC_PMR_EL1: let every priority in */
#define ICC_CTLR_EOIMODE	BIT(1)	/* EOIR drops priority, DIR deactivates */

#define ICH_HCR_EN		BIT(0)	/* virtual CPU interface on */
#define ICH_HCR_UIE		BIT(1)	/* maintenance interrupt when at most one LR is valid */
#define ICH_VTR_LISTREGS(v)	FIELD(v, 4, 0)	/* list registers, minus one */
#define ICH_VTR_PREBITS(v)	FIELD(v, 28, 26)	/* preemption bits, minus one */
#define GIC_MIN_PREBITS		5	/* 5 bits: one ICH_AP<g>R<n>_EL2 per group */

static volatile u32 *reg32(u64 base, u64 offset)
{
	return (volatile u32 *)(base + offset);
}

/* Once, on the boot CPU: the distributor. */
void gic_init(void)
{
	*reg32(PLATFORM_GICD_BASE, GICD_CTLR) = GICD_CTLR_ARE | GICD_CTLR_ENABLE_G1;
}

/* A private interrupt (SGI or PPI) of physical CPU `cpu`: Group 1 (what
 * EL2 acknowledges), the default priority ... */
static void configure_private(unsigned cpu, u32 intid)
{
	u64 sgi = PLATFORM_GICR_BASE + cpu * GICR_FRAMES_SIZE + GICR_SGI_BASE;

	*reg32(sgi, GICR_IGROUPR0) |= BIT(intid);
	*(volatile u8 *)(sgi + GICR_IPRIORITYR + intid) = GIC_PRIORITY_DEFAULT;
}

/* ... and enabled in that CPU's redistributor. */
void gic_enable_private(unsigned cpu, u32 intid)
{
	configure_private(cpu, intid);
	*reg32(PLATFORM_GICR_BASE + cpu * GICR_FRAMES_SIZE + GICR_SGI_BASE, GICR_ISENABLER0) =
		BIT(intid);
}

/* Every CPU: wake its redistributor, set up its CPU interface, and accept
 * the other CPUs' kick. EL2's DFB and DIB make those of ICC_SRE_EL1 read
 * as one, so the guest's ICC_SRE_EL1 holds nothing it could change. */
void gic_cpu_init(unsigned cpu)
{
	u64 rd = PLATFORM_GICR_BASE + cpu * GICR_FRAMES_SIZE;

	*reg32(rd, GICR_WAKER) &= ~GICR_WAKER_PROCESSOR_SLEEP;
	while (*reg32(rd, GICR_WAKER) & GICR_WAKER_CHILDREN_ASLEEP)
		;
	gic_enable_private(cpu, GIC_SGI_KICK);
	gic_enable_private(cpu, GIC_INTID_MAINTENANCE);
	configure_private(cpu, TIMER_INTID_VIRT);	/* enabled while a VM with a vGIC runs */
	configure_private(cpu, TIMER_INTID_PHYS);

	write_sysreg(ICC_SRE_EL2, read_sysreg(ICC_SRE_EL2) | ICC_SRE_SRE | ICC_SRE_DFB |
		     ICC_SRE_DIB | ICC_SRE_ENABLE);
	isb();
	write_sysreg(ICC_PMR_EL1, GIC_PRIORITY_MASK_ALL);
	write_sysreg(ICC_IGRPEN1_EL1, 1);
	write_sysreg(ICC_CTLR_EL1, read_sysreg(ICC_CTLR_EL1) | ICC_CTLR_EOIMODE);
	write_sysreg(ICH_HCR_EL2, ICH_HCR_EN);
	isb();
}

u32 gic_acknowledge(void)
{
	return (u32)read_sysreg(ICC_IAR1_EL1);
}

/* An interrupt the hypervisor handles itself: priority drop, then deactivate. */
void gic_end_of_interrupt(u32 intid)
{
	write_sysreg(ICC_EOIR1_EL1, intid);
	write_sysreg(ICC_DIR_EL1, intid);
}

/* An interrupt handed to a guest: the priority drop only; it stays active
 * until the guest's own EOI deactivates it (a list register with HW=1). */
void gic_priority_drop(u32 intid)
{
	write_sysreg(ICC_EOIR1_EL1, intid);
}

/* ICH_LR<n>_EL2 is S3_4_C12_C<12 + n/8>_<n%8>: MSR and MRS need the
 * register in the instruction, so each accessor has a case per register. */
#define ICH_LRS(X) \
	X(0, 12, 0) X(1, 12, 1) X(2, 12, 2) X(3, 12, 3) X(4, 12, 4) X(5, 12, 5) \
	X(6, 12, 6) X(7, 12, 7) X(8, 13, 0) X(9, 13, 1) X(10, 13, 2) X(11, 13, 3) \
	X(12, 13, 4) X(13, 13, 5) X(14, 13, 6) X(15, 13, 7)

u64 gic_read_lr(unsigned n)
{
#define READ_LR(i, crm, op2) case i: return read_sysreg(S3_4_C12_C##crm##_##op2);
	switch (n) {
	ICH_LRS(READ_LR)
	}
#undef READ_LR
	return 0;
}

void gic_write_lr(unsigned n, u64 value)
{
#define WRITE_LR(i, crm, op2) case i: write_sysreg(S3_4_C12_C##crm##_##op2, value); break;
	switch (n) {
	ICH_LRS(WRITE_LR)
	}
#undef WRITE_LR
}

unsigned gic_lr_count(void)
{
	return ICH_VTR_LISTREGS(read_sysreg(ICH_VTR_EL2)) + 1;
}

/* The maintenance interrupt (PPI 25) when at most one list register is
 * left valid (ICH_HCR_EL2.UIE): interrupts that found every list register
 * busy get theirs then, without waiting for another exit. A pass-through
 * guest may have disabled PPI 25 in the redistributor it owns: enabled
 * again when asked for. */
void gic_underflow_irq(bool on)
{
	write_sysreg(ICH_HCR_EL2, ICH_HCR_EN | (on ? ICH_HCR_UIE : 0));
	isb();
}

void gic_request_maintenance(unsigned cpu)
{
	gic_enable_private(cpu, GIC_INTID_MAINTENANCE);
	gic_underflow_irq(true);
}

/* Set bits of a private-interrupt register (ISENABLER0, ICACTIVER0 ...) in
 * CPU `cpu`'s redistributor. */
static void set_private(unsigned cpu, u64 reg, u32 bits)
{
	*reg32(PLATFORM_GICR_BASE + cpu * GICR_FRAMES_SIZE + GICR_SGI_BASE, reg) = bits;
}

void gic_private_enable(unsigned cpu, u32 intids, bool on)
{
	set_private(cpu, on ? GICR_ISENABLER0 : GICR_ICENABLER0, intids);
}

void gic_private_active(unsigned cpu, u32 intids, bool on)
{
	set_private(cpu, on ? GICR_ISACTIVER0 : GICR_ICACTIVER0, intids);
}

/* A shared peripheral interrupt for the hypervisor itself (the real UART's,
 * when the VMs' consoles take input): Group 1, routed to CPU 0, enabled. */
void gic_enable_spi(u32 intid)
{
	u64 d = PLATFORM_GICD_BASE;

	*reg32(d, GICD_IGROUPR + intid / 32 * 4) |= (u32)BIT(intid % 32);
	*(volatile u8 *)(d + GICD_IPRIORITYR + intid) = GIC_PRIORITY_DEFAULT;
	*(volatile u64 *)(d + GICD_IROUTER + intid * 8) = 0;	/* affinity 0.0.0.0 */
	*reg32(d, GICD_ISENABLER + intid / 32 * 4) = (u32)BIT(intid % 32);
}

/* Put `lr` into a list register. Two list registers must never hold the
 * same vINTID: if one already does, it is made pending there. False if
 * all are busy. */
static bool fill_list_register(u64 lr)
{
	unsigned count = ICH_VTR_LISTREGS(read_sysreg(ICH_VTR_EL2)) + 1;
	u64 empty = read_sysreg(ICH_ELRSR_EL2);
	int free = -1;

	for (unsigned n = 0; n < count; n++) {
		u64 held = gic_read_lr(n);
		if (empty & BIT(n)) {
			free = free < 0 ? (int)n : free;
		} else if ((u32)held == (u32)lr) {
			gic_write_lr(n, held | ICH_LR_STATE_PENDING);
			isb();
			return true;
		}
	}
	if (free < 0)
		return false;
	gic_write_lr((unsigned)free, lr);
	isb();
	return true;
}

/* Hand physical interrupt `intid` to the running guest as the same virtual
 * INTID: priority drop now, deactivation when the guest EOIs it. False if
 * every list register is busy: then it is deactivated at once, and the
 * device, whose line is still asserted, raises it again. */
bool gic_inject_hw(u32 intid)
{
	write_sysreg(ICC_EOIR1_EL1, intid);
	if (fill_list_register(ICH_LR_STATE_PENDING | ICH_LR_HW | ICH_LR_GROUP1 |
			       ((u64)GIC_PRIORITY_DEFAULT << ICH_LR_PRIORITY_SHIFT) |
			       ((u64)intid << ICH_LR_PINTID_SHIFT) | intid))
		return true;
	write_sysreg(ICC_DIR_EL1, intid);	/* dropped: the device will raise it again */
	return false;
}

/* A purely virtual interrupt (HW=0): the guest's EOI only clears the list
 * register. False if all are busy. */
bool gic_inject_virtual(u32 intid)
{
	return fill_list_register(ICH_LR_STATE_PENDING | ICH_LR_GROUP1 |
				  ((u64)GIC_PRIORITY_DEFAULT << ICH_LR_PRIORITY_SHIFT) | intid);
}

/* An SGI to physical CPU `cpu` (Aff0 = cpu, the others 0): ICC_SGI1R_EL1
 * takes the INTID and a target list of Aff0 values as a bit mask. */
void gic_send_sgi(u32 intid, unsigned cpu)
{
	dsb(ish);
	write_sysreg(ICC_SGI1R_EL1, ((u64)intid << ICC_SGI1R_INTID_SHIFT) | BIT(cpu));
	isb();
}

/* Make CPU `cpu` leave its guest: the kick SGI. A pass-through guest owns
 * the distributor and the redistributors and may have disabled it (Linux
 * disables every SGI and PPI it does not use), so it is enabled again first. */
void gic_kick(unsigned cpu)
{
	*reg32(PLATFORM_GICD_BASE, GICD_CTLR) |= GICD_CTLR_ENABLE_G1;
	gic_enable_private(cpu, GIC_SGI_KICK);
	gic_send_sgi(GIC_SGI_KICK, cpu);
}

/* ICH_AP<g>R<n>_EL2 are S3_4_C12_C<8 + g>_<n>: one case per register. */
#define ICH_APRS(X) X(0) X(1) X(2) X(3)

static unsigned apr_count(u64 vtr)
{
	return 1u << (ICH_VTR_PREBITS(vtr) + 1 - GIC_MIN_PREBITS);
}

/* The virtual CPU interface goes with the vCPU on a world switch: the
 * guest's priority mask, binary points and group enables (ICH_VMCR_EL2),
 * its active priorities, and the interrupts in its list registers.
 * ICH_HCR_EL2 stays: the guest can neither read nor write it. */
void gic_save_cpu(struct vgic_cpu_state *s)
{
	u64 vtr = read_sysreg(ICH_VTR_EL2);

	s->vmcr = read_sysreg(ICH_VMCR_EL2);
	for (unsigned n = 0; n < apr_count(vtr); n++) {
#define SAVE_APR(i) case i: s->ap0r[i] = read_sysreg(S3_4_C12_C8_##i); \
			    s->ap1r[i] = read_sysreg(S3_4_C12_C9_##i); break;
		switch (n) {
		ICH_APRS(SAVE_APR)
		}
#undef SAVE_APR
	}
	s->lr_used = (u32)(~read_sysreg(ICH_ELRSR_EL2) & MASK(ICH_VTR_LISTREGS(vtr), 0));
	for (unsigned n = 0; n <= ICH_VTR_LISTREGS(vtr); n++)
		if (s->lr_used & BIT(n))
			s->lr[n] = gic_read_lr(n);
}

void gic_load_cpu(const struct vgic_cpu_state *s)
{
	u64 vtr = read_sysreg(ICH_VTR_EL2);

	write_sysreg(ICH_VMCR_EL2, s->vmcr);
	for (unsigned n = 0; n < apr_count(vtr); n++) {
#define LOAD_APR(i) case i: write_sysreg(S3_4_C12_C8_##i, s->ap0r[i]); \
			    write_sysreg(S3_4_C12_C9_##i, s->ap1r[i]); break;
		switch (n) {
		ICH_APRS(LOAD_APR)
		}
#undef LOAD_APR
	}
	/* Only list registers either vCPU uses: most VMs never get an interrupt
	 * (only a pass-through guest does), and an empty one holds nothing. */
	u32 live = (u32)(~read_sysreg(ICH_ELRSR_EL2) & MASK(ICH_VTR_LISTREGS(vtr), 0));
	for (unsigned n = 0; n <= ICH_VTR_LISTREGS(vtr); n++)
		if ((live | s->lr_used) & BIT(n))
			gic_write_lr(n, s->lr_used & BIT(n) ? s->lr[n] : 0);
}

/* An SGI between vCPUs of a VM that does not own the GIC: pending in each
 * target vCPU (arch.pending, put into a list register before it next
 * enters, vcpu.c), whose CPU is kicked to get there soon. Targets are
 * Aff0 = vCPU id with the other affinity levels 0, or all but the sender
 * (IRM). */
static void send_virtual_sgi(struct vcpu *from, u64 value)
{
	struct vm *vm = from->vm;
	u32 sgi = (u32)BIT(ICC_SGI1R_INTID(value));
	bool others = value & ICC_SGI1R_IRM;

	for (unsigned i = 0; i < vm->vcpu_count; i++) {
		bool target = others ? i != from->id :
			(value & ICC_SGI1R_UPPER_AFF) == 0 && (ICC_SGI1R_TARGETS(value) & BIT(i));
		if (!target)
			continue;
		__atomic_fetch_or(&vm->vcpus[i].arch.pending, sgi, __ATOMIC_RELEASE);
		if (i != from->id)
			arch_vcpu_kick(&vm->vcpus[i]);
	}
}

/* ICC_SGI1R_EL1 traps to EL2 while HCR_EL2.IMO is set. A VM with a vGIC
 * has its SGIs emulated (vgic.c); with vCPU n pinned to CPU n, a
 * pass-through guest's target list is already the physical one; any other
 * guest's SGIs stay virtual. */
bool gic_sysreg_access(struct vcpu *vcpu, struct exit *e)
{
	if (vcpu->vm->irqchip)
		return vgic_sysreg_access(vcpu, e);
	if (e->addr != ICC_SGI1R_EL1_ENC || !e->write)
		return false;
	if (!vcpu->vm->passthrough) {
		send_virtual_sgi(vcpu, e->value);
		return true;
	}
	write_sysreg(ICC_SGI1R_EL1, e->value);
	isb();
	return true;
}

static bool holds_virtual_timer(const struct vgic_cpu_state *s)
{
	for (unsigned n = 0; n < GIC_MAX_LRS; n++)
		if ((s->lr_used & BIT(n)) && (s->lr[n] & ICH_LR_STATE_MASK) &&
		    (s->lr[n] & ICH_LR_HW) && (u32)s->lr[n] == TIMER_INTID_VIRT)
			return true;
	return false;
}

/* A vCPU that starts over (SYSTEM_RESET) leaves list registers linked to
 * physical interrupts it will never end: each such interrupt is
 * deactivated, so that it can come again for the vCPU's next life. */
void gic_drop_hw(const struct vgic_cpu_state *s)
{
	for (unsigned n = 0; n < GIC_MAX_LRS; n++)
		if ((s->lr_used & BIT(n)) && (s->lr[n] & ICH_LR_STATE_MASK) && (s->lr[n] & ICH_LR_HW))
			write_sysreg(ICC_DIR_EL1, FIELD(s->lr[n], 41, ICH_LR_PINTID_SHIFT));
	isb();
}

/* The virtual timer's list register is linked to the physical PPI 27
 * (HW=1), which stays active until the guest's EOI. One PPI serves every
 * vCPU's timer on this CPU: when a vCPU leaves with that EOI still to come,
 * the physical interrupt is deactivated (the next vCPU's timer needs it),
 * and made active again when the vCPU returns, as if it had never left.
 * After gic_save_cpu(prev) and gic_load_cpu(next), with next's timer loaded.
 * NULL: a vCPU with a vGIC, which does this itself (vgic.c). */
void gic_switch_timer(const struct vgic_cpu_state *prev, const struct vgic_cpu_state *next)
{
	if (prev && holds_virtual_timer(prev))
		write_sysreg(ICC_DIR_EL1, TIMER_INTID_VIRT);
	if (next && holds_virtual_timer(next))
		*reg32(PLATFORM_GICR_BASE + arch_cpu_id() * GICR_FRAMES_SIZE + GICR_SGI_BASE,
		       GICR_ISACTIVER0) = BIT(TIMER_INTID_VIRT);
	isb();
}
