/* An emulated GICv3 for a VM that shares the machine (vm->irqchip): the
 * distributor (GICD, one 64 KiB frame) and one redistributor per vCPU
 * (GICR: RD_base and SGI_base, 64 KiB each), at the addresses QEMU's virt
 * board uses, trapped and emulated from the guest's loads and stores. Each
 * vCPU's interrupts reach it through the list registers of the GIC's
 * virtual CPU interface, whose ICV_* registers the guest's ICC_* accesses
 * already are; only SGI generation (ICC_SGI1R_EL1) traps. Like KVM's
 * vGICv3: a single security state (GICD_CTLR.DS = 1), affinity routing
 * always on, no LPIs or ITS; 64 INTIDs (SGIs, PPIs, SPIs 32-63).
 *
 * The state of an interrupt lives in the model (`pending`) until it is put
 * into a list register (vgic_flush, on the vCPU's own CPU), and in the list
 * register until the guest's EOI empties it (fold). A level-sensitive
 * interrupt whose line is still high then becomes pending again; its list
 * register asks for a maintenance interrupt at that EOI, as do list
 * registers that ran out (ICH_HCR_EL2.UIE). The timers' PPIs are linked to
 * their physical twins (HW=1): the physical interrupt stays active while
 * the vCPU holds it, and moves with the vCPU on a world switch. */
#include "vgic.h"
#include "arch.h"
#include "config.h"
#include "console.h"
#include "esr.h"
#include "exit.h"
#include "gic.h"
#include "sysreg.h"
#include "vm.h"

#define VGIC_INTIDS		64
#define SPI_BASE		32
#define PRIORITY_BITS_MASK	0xf8	/* 5 priority bits, as the CPU interface has */
#define TIMER_PPIS		((u32)BIT(TIMER_INTID_VIRT) | (u32)BIT(TIMER_INTID_PHYS))

/* GICD registers (GICv3 architecture specification, 12.9) */
#define GICD_CTLR		0x0000
#define GICD_TYPER		0x0004
#define GICD_IIDR		0x0008
#define GICD_IGROUPR		0x0080
#define GICD_ISENABLER		0x0100
#define GICD_ICENABLER		0x0180
#define GICD_ISPENDR		0x0200
#define GICD_ICPENDR		0x0280
#define GICD_ISACTIVER		0x0300
#define GICD_ICACTIVER		0x0380
#define GICD_IPRIORITYR		0x0400
#define GICD_ICFGR		0x0c00
#define GICD_IROUTER		0x6000
#define GICD_PIDR2		0xffe8
#define GICD_CTLR_ENABLE_G0	BIT(0)
#define GICD_CTLR_ENABLE_G1	BIT(1)
#define GICD_CTLR_ARE		BIT(4)	/* affinity routing: always on */
#define GICD_CTLR_DS		BIT(6)	/* one security state */
#define GICD_TYPER_ITLINES	((VGIC_INTIDS / 32) - 1)
#define GICD_TYPER_CPUS_SHIFT	5
#define GICD_TYPER_IDBITS	(9ULL << 19)	/* INTIDs of 10 bits */
#define GICD_TYPER_NO1N		BIT(25)	/* no "1 of N" SPI routing */
#define GIC_IIDR_ARM		0x43b	/* implementer: Arm */
#define GIC_PIDR2_GICV3		0x3b	/* ArchRev 3 */
#define IROUTER_IRM		BIT(31)	/* any PE */
#define IROUTER_AFF_MASK	0xff00ffffffULL

/* GICR registers: RD_base, then SGI_base 64 KiB on (12.10, 12.11) */
#define GICR_CTLR		0x0000
#define GICR_IIDR		0x0004
#define GICR_TYPER		0x0008
#define GICR_WAKER		0x0014
#define GICR_PIDR2		0xffe8
#define GICR_SGI_BASE		0x10000
#define GICR_TYPER_LAST		BIT(4)
#define GICR_TYPER_PROC_SHIFT	8
#define GICR_TYPER_AFF_SHIFT	32
#define GICR_WAKER_SLEEP	BIT(1)
#define GICR_WAKER_ASLEEP	BIT(2)
#define ICFGR_SGIS		0xaaaaaaaau	/* SGIs: edge, read-only */

/* ICC_SGI1R_EL1 (and SGI0R, ASGI1R): the SGI a guest sends */
#define ICC_SGI0R_EL1_ENC	SYS64_ENC(3, 0, 12, 11, 7)
#define ICC_SGI1R_EL1_ENC	SYS64_ENC(3, 0, 12, 11, 5)
#define ICC_ASGI1R_EL1_ENC	SYS64_ENC(3, 0, 12, 11, 6)
#define SGIR_TARGETS(v)		FIELD(v, 15, 0)
#define SGIR_INTID(v)		FIELD(v, 27, 24)
#define SGIR_IRM		BIT(40)	/* every PE but the sender */
#define SGIR_AFF_HIGH(v)	((v) & (MASK(23, 16) | MASK(39, 32) | MASK(47, 44) | MASK(55, 48)))

static void lock(struct vgic_dist *d)
{
	while (__atomic_test_and_set(&d->lock, __ATOMIC_ACQUIRE))
		;
}

static void unlock(struct vgic_dist *d)
{
	__atomic_clear(&d->lock, __ATOMIC_RELEASE);
}

/* The 32 interrupts INTID `intid` is one of: the vCPU's own, or the SPIs. */
static struct vgic_irqs *bank(struct vcpu *v, u32 intid)
{
	return intid < SPI_BASE ? &v->arch.vgic.irqs : &v->vm->arch.vgic.irqs;
}

static u32 bit(u32 intid)
{
	return 1u << (intid % 32);
}

/* Edge-triggered: every SGI, and what GICD_ICFGR/GICR_ICFGR1 says so. */
static bool is_edge(struct vcpu *v, u32 intid)
{
	return intid < GIC_SGI_COUNT || (bank(v, intid)->edge & bit(intid));
}

/* The vCPU an SPI goes to: GICD_IROUTER names a PE's affinity, or any PE
 * (then vCPU 0); NULL if no vCPU has that affinity. */
static struct vcpu *spi_target(struct vm *vm, u32 intid)
{
	u64 route = vm->arch.vgic.irouter[intid - SPI_BASE];

	if (route & IROUTER_IRM)
		return &vm->vcpus[0];
	for (unsigned i = 0; i < vm->vcpu_count; i++)
		if ((vm->vcpus[i].arch.vmpidr_el2 & IROUTER_AFF_MASK) == (route & IROUTER_AFF_MASK))
			return &vm->vcpus[i];
	return NULL;
}

static u32 group_enabled(const struct vgic_dist *d, const struct vgic_irqs *b)
{
	return (d->ctlr & GICD_CTLR_ENABLE_G1 ? b->group : 0) |
	       (d->ctlr & GICD_CTLR_ENABLE_G0 ? ~b->group : 0);
}

/* Interrupts (bit n: INTID n) pending for `v` that it may take now. */
static u64 deliverable(struct vcpu *v)
{
	struct vgic_dist *d = &v->vm->arch.vgic;
	const struct vgic_irqs *p = &v->arch.vgic.irqs, *s = &d->irqs;
	u64 ready = p->pending & p->enabled & group_enabled(d, p);
	u32 spis = s->pending & s->enabled & group_enabled(d, s);

	for (u32 n = 0; spis; n++, spis >>= 1)
		if ((spis & 1) && spi_target(v->vm, SPI_BASE + n) == v)
			ready |= BIT(SPI_BASE + n);
	return ready;
}

/* Tell `v` its list registers have news; kick its CPU if it is another. */
static void notify(struct vcpu *v)
{
	__atomic_fetch_or(&v->arch.pending, PENDING_VGIC, __ATOMIC_RELEASE);
	if (v->id != arch_cpu_id() && v->runnable)
		arch_vcpu_kick(v);	/* vCPU n runs on CPU n */
}

/* After a change that may make something deliverable: every vCPU of the VM
 * that now has something to take is told. */
static void notify_all(struct vm *vm)
{
	for (unsigned i = 0; i < vm->vcpu_count; i++)
		if (deliverable(&vm->vcpus[i]))
			notify(&vm->vcpus[i]);
}

/* -- list registers, on the vCPU's own CPU, the vCPU loaded ------------- */

static u64 held(const struct vcpu *v)
{
	u64 mask = 0;

	for (unsigned n = 0; n < GIC_MAX_LRS; n++)
		if (v->arch.vgic.lr_held[n])
			mask |= BIT(v->arch.vgic.lr_held[n] - 1);
	return mask;
}

/* List registers the guest is done with (neither pending nor active after
 * its EOI; ICH_ELRSR_EL2 does not count one that still asks for an EOI
 * maintenance interrupt as empty): their interrupts are done, and a
 * level-sensitive one whose line is still high is pending again. */
static void fold(struct vcpu *v)
{
	u8 *lr_held = v->arch.vgic.lr_held;

	for (unsigned n = 0; n < gic_lr_count(); n++) {
		if (!lr_held[n] || (gic_read_lr(n) & ICH_LR_STATE_MASK))
			continue;
		u32 intid = lr_held[n] - 1u;
		struct vgic_irqs *b = bank(v, intid);

		lr_held[n] = 0;
		gic_write_lr(n, 0);	/* clears its EOI maintenance status too */
		if (!is_edge(v, intid) && (b->level & bit(intid))) {
			b->pending |= bit(intid);
			__atomic_fetch_or(&v->arch.pending, PENDING_VGIC, __ATOMIC_RELAXED);
		}
	}
}

static u64 lr_value(struct vcpu *v, u32 intid)
{
	struct vgic_irqs *b = bank(v, intid);
	u64 lr = ICH_LR_STATE_PENDING | ((u64)b->priority[intid % 32] << ICH_LR_PRIORITY_SHIFT) |
		 intid;

	if (b->group & bit(intid))
		lr |= ICH_LR_GROUP1;
	if (intid < SPI_BASE && (TIMER_PPIS & bit(intid)))
		lr |= ICH_LR_HW | ((u64)intid << ICH_LR_PINTID_SHIFT);	/* its physical twin */
	else if (!is_edge(v, intid))
		lr |= ICH_LR_EOI;	/* level: look at the line again after the EOI */
	return lr;
}

/* The highest-priority interrupt of `set` (lowest priority value). */
static u32 most_urgent(struct vcpu *v, u64 set)
{
	u32 best = 0, best_prio = 0x100;

	for (u32 intid = 0; intid < VGIC_INTIDS; intid++) {
		if (!(set & BIT(intid)))
			continue;
		u32 prio = bank(v, intid)->priority[intid % 32];
		if (prio < best_prio)
			best = intid, best_prio = prio;
	}
	return best;
}

void vgic_flush(struct vcpu *v)
{
	struct vgic_dist *d = &v->vm->arch.vgic;
	u8 *lr_held = v->arch.vgic.lr_held;
	unsigned count = gic_lr_count();

	lock(d);
	fold(v);
	u64 want = deliverable(v);
	for (unsigned n = 0; n < count; n++) {	/* pending again while in a list register */
		u32 intid = lr_held[n] - 1u;
		if (lr_held[n] && (want & BIT(intid))) {
			gic_write_lr(n, gic_read_lr(n) | ICH_LR_STATE_PENDING);
			bank(v, intid)->pending &= ~bit(intid);
			want &= ~BIT(intid);
		}
	}
	want &= ~held(v);
	for (unsigned n = 0; n < count && want; n++) {
		if (lr_held[n])
			continue;
		u32 intid = most_urgent(v, want);
		gic_write_lr(n, lr_value(v, intid));
		lr_held[n] = (u8)(intid + 1);
		bank(v, intid)->pending &= ~bit(intid);
		want &= ~BIT(intid);
	}
	gic_underflow_irq(want != 0);	/* no room for all: a maintenance interrupt when there is */
	isb();
	unlock(d);
}

/* A physical timer PPI of the vCPU loaded on this CPU fired (EL2 only
 * dropped its priority: it stays active while the vCPU holds it). Its
 * line is the physical one's: after the guest's EOI deactivates both, the
 * timer raises it again if it is still due, so the model keeps no level. */
void vgic_timer_fired(struct vcpu *v, u32 intid)
{
	struct vgic_dist *d = &v->vm->arch.vgic;

	lock(d);
	v->arch.vgic.irqs.pending |= bit(intid);
	unlock(d);
	__atomic_fetch_or(&v->arch.pending, PENDING_VGIC, __ATOMIC_RELAXED);
}

/* The maintenance interrupt: list registers emptied, or a level interrupt's
 * EOI; the flush before the vCPU runs again does the rest. */
void vgic_maintenance(struct vcpu *v)
{
	gic_underflow_irq(false);
	if (v->vm->irqchip)
		__atomic_fetch_or(&v->arch.pending, PENDING_VGIC, __ATOMIC_RELAXED);
}

/* The world switch of a vCPU with a vGIC (the others': gic_switch_timer):
 * a timer PPI it holds (in a list register, or pending) keeps its physical
 * twin active while the vCPU is on the CPU, so that it does not fire again,
 * and gives it back when the vCPU leaves. The EL1 physical timer's PPI is
 * enabled at EL2 only while such a vCPU is on the CPU: no other guest has
 * anyone to deliver it to (the virtual timer's is always on, for any VM). */
void vgic_load(struct vcpu *v)
{
	unsigned cpu = arch_cpu_id();
	u32 holds = (u32)held(v) | v->arch.vgic.irqs.pending;

	gic_private_active(cpu, TIMER_PPIS & holds, true);
	gic_private_active(cpu, TIMER_PPIS & ~holds, false);
	gic_private_enable(cpu, BIT(TIMER_INTID_PHYS), true);
}

void vgic_put(struct vcpu *v)
{
	unsigned cpu = arch_cpu_id();

	lock(&v->vm->arch.vgic);
	fold(v);
	unlock(&v->vm->arch.vgic);
	gic_underflow_irq(false);
	gic_private_enable(cpu, BIT(TIMER_INTID_PHYS), false);
	gic_private_active(cpu, TIMER_PPIS, false);
}

/* -- waiting in WFI ------------------------------------------------------ */

static bool timer_expired(u64 ctl, u64 cval, u64 now)
{
	return (ctl & CNT_CTL_ENABLE) && !(ctl & CNT_CTL_IMASK) && now >= cval;
}

/* An interrupt `v` could take: pending in the model, or in a list register
 * (this CPU's, if it is loaded here, else the saved ones), or its timer due
 * and enabled (its PPI fires once the vCPU is loaded). */
bool vgic_has_work(struct vcpu *v, bool loaded)
{
	struct vgic_redist *r = &v->arch.vgic;
	bool work = deliverable(v) != 0;

	for (unsigned n = 0; n < gic_lr_count() && !work; n++)
		if (r->lr_held[n])
			work = (loaded ? gic_read_lr(n) : v->arch.gic.lr[n]) & ICH_LR_STATE_PENDING;
	if (!work && !loaded) {
		const struct el1_sysregs *t = &v->arch.el1;
		u64 now = read_sysreg(cntpct_el0);

		work = ((r->irqs.enabled & bit(TIMER_INTID_VIRT)) &&
			timer_expired(t->cntv_ctl_el0, t->cntv_cval_el0, now)) ||
		       ((r->irqs.enabled & bit(TIMER_INTID_PHYS)) &&
			timer_expired(t->cntp_ctl_el0, t->cntp_cval_el0, now));
	}
	return work;
}

/* When `v`, waiting, would have an interrupt by its timers (counter ticks,
 * CNTPCT_EL0); ~0 if never. */
u64 vgic_wake_time(struct vcpu *v)
{
	const struct el1_sysregs *t = &v->arch.el1;
	u64 when = ~0ULL;

	if ((t->cntv_ctl_el0 & (CNT_CTL_ENABLE | CNT_CTL_IMASK)) == CNT_CTL_ENABLE)
		when = t->cntv_cval_el0;
	if ((t->cntp_ctl_el0 & (CNT_CTL_ENABLE | CNT_CTL_IMASK)) == CNT_CTL_ENABLE &&
	    t->cntp_cval_el0 < when)
		when = t->cntp_cval_el0;
	return when;
}

/* -- devices' lines and the guest's SGIs --------------------------------- */

void vgic_set_level(struct vm *vm, u32 intid, bool level)
{
	struct vgic_dist *d = &vm->arch.vgic;
	struct vgic_irqs *s = &d->irqs;
	bool was = s->level & bit(intid);

	if (was == level || intid < SPI_BASE || intid >= VGIC_INTIDS)
		return;
	lock(d);
	if (level) {
		s->level |= bit(intid);
		s->pending |= bit(intid);
	} else {
		s->level &= ~bit(intid);
		if (!(s->edge & bit(intid)))
			s->pending &= ~bit(intid);
	}
	struct vcpu *target = level ? spi_target(vm, intid) : NULL;
	unlock(d);
	if (target)
		notify(target);
}

/* ICC_SGI1R_EL1 (and SGI0R, ASGI1R), trapped while HCR_EL2.IMO is set: the
 * SGI becomes pending at each target vCPU (Aff0 = its number, Aff1-3 0). */
bool vgic_sysreg_access(struct vcpu *v, struct exit *e)
{
	struct vm *vm = v->vm;
	u64 sgi = e->value;

	if (!e->write || (e->addr != ICC_SGI1R_EL1_ENC && e->addr != ICC_SGI0R_EL1_ENC &&
			  e->addr != ICC_ASGI1R_EL1_ENC))
		return false;
	lock(&vm->arch.vgic);
	u32 targets = 0;
	for (unsigned i = 0; i < vm->vcpu_count; i++) {
		struct vcpu *t = &vm->vcpus[i];
		bool chosen = sgi & SGIR_IRM ? t != v :
			      !SGIR_AFF_HIGH(sgi) && (SGIR_TARGETS(sgi) & BIT(t->id));
		if (chosen) {
			t->arch.vgic.irqs.pending |= bit((u32)SGIR_INTID(sgi));
			targets |= (u32)BIT(i);
		}
	}
	unlock(&vm->arch.vgic);
	for (unsigned i = 0; i < vm->vcpu_count; i++)
		if (targets & BIT(i))
			notify(&vm->vcpus[i]);
	return true;
}

/* -- the distributor and redistributors, as MMIO ------------------------- */

/* The bitmap registers (IGROUPR ... ICACTIVER) of one bank of 32. */
static u32 read_bits(const struct vgic_irqs *b, u64 reg)
{
	switch (reg) {
	case GICD_IGROUPR: return b->group;
	case GICD_ISENABLER: case GICD_ICENABLER: return b->enabled;
	case GICD_ISPENDR: case GICD_ICPENDR: return b->pending;
	case GICD_ISACTIVER: case GICD_ICACTIVER: return b->active;
	default: return 0;
	}
}

static void write_bits(struct vgic_irqs *b, u64 reg, u32 v)
{
	switch (reg) {
	case GICD_IGROUPR: b->group = v; break;
	case GICD_ISENABLER: b->enabled |= v; break;
	case GICD_ICENABLER: b->enabled &= ~v; break;
	case GICD_ISPENDR: b->pending |= v; break;
	case GICD_ICPENDR: b->pending &= ~v; break;
	case GICD_ISACTIVER: b->active |= v; break;
	case GICD_ICACTIVER: b->active &= ~v; break;
	}
}

/* An access to the registers every bank has (offsets as in GICD; GICR's
 * SGI_base has the same layout for its one bank). `first` is the bank's
 * first INTID; false if `offset` is none of them. */
static bool bank_access(struct vgic_irqs *b, u32 first, u64 offset, u8 size, u64 *value,
			bool write)
{
	u64 word = first / 32 * 4;

	if (offset >= GICD_IGROUPR && offset < GICD_IPRIORITYR && size == 4) {
		u64 reg = offset & ~0x7fULL;
		if (offset - reg != word)
			return false;
		if (write)
			write_bits(b, reg, (u32)*value);
		else
			*value = read_bits(b, reg);
		return true;
	}
	if (offset >= GICD_IPRIORITYR + first && offset + size <= GICD_IPRIORITYR + first + 32) {
		u8 *prio = &b->priority[offset - GICD_IPRIORITYR - first];
		for (unsigned i = 0; i < size; i++) {
			if (write)
				prio[i] = (u8)(*value >> (8 * i)) & PRIORITY_BITS_MASK;
			else
				*value |= (u64)prio[i] << (8 * i);
		}
		return true;
	}
	if (offset >= GICD_ICFGR + first / 4 && offset < GICD_ICFGR + first / 4 + 8 && size == 4) {
		unsigned half = (unsigned)(offset - GICD_ICFGR - first / 4) / 4;	/* 16 INTIDs each */
		for (unsigned i = 0; i < 16; i++) {
			u32 mask = bit(half * 16 + i);
			if (write && first == 0 && half == 0)
				break;			/* SGIs: always edge */
			if (write)
				b->edge = (b->edge & ~mask) | ((*value >> (2 * i + 1)) & 1 ? mask : 0);
			else
				*value |= (b->edge & mask ? 2ULL : 0) << (2 * i);
		}
		return true;
	}
	return false;
}

static u64 dist_read(struct vm *vm, struct device *dev, u64 offset, u8 size)
{
	struct vgic_dist *d = &vm->arch.vgic;
	u64 value = 0;

	(void)dev;
	lock(d);
	if (offset == GICD_CTLR)
		value = d->ctlr | GICD_CTLR_ARE | GICD_CTLR_DS;
	else if (offset == GICD_TYPER)
		value = GICD_TYPER_ITLINES | ((vm->vcpu_count - 1ULL) << GICD_TYPER_CPUS_SHIFT) |
			GICD_TYPER_IDBITS | GICD_TYPER_NO1N;
	else if (offset == GICD_IIDR)
		value = GIC_IIDR_ARM;
	else if (offset == GICD_PIDR2)
		value = GIC_PIDR2_GICV3;
	else if (offset >= GICD_IROUTER + 8 * SPI_BASE && offset < GICD_IROUTER + 8 * VGIC_INTIDS)
		value = d->irouter[(offset - GICD_IROUTER) / 8 - SPI_BASE] >> (offset % 8 * 8);
	else
		bank_access(&d->irqs, SPI_BASE, offset, size, &value, false);
	unlock(d);
	return value;		/* everything else reads as zero */
}

static void dist_write(struct vm *vm, struct device *dev, u64 offset, u8 size, u64 value)
{
	struct vgic_dist *d = &vm->arch.vgic;

	(void)dev;
	lock(d);
	if (offset == GICD_CTLR) {
		d->ctlr = (u32)value & (GICD_CTLR_ENABLE_G0 | GICD_CTLR_ENABLE_G1);
	} else if (offset >= GICD_IROUTER + 8 * SPI_BASE && offset < GICD_IROUTER + 8 * VGIC_INTIDS) {
		u64 *route = &d->irouter[(offset - GICD_IROUTER) / 8 - SPI_BASE];
		unsigned shift = offset % 8 * 8;
		u64 mask = (size == 8 ? ~0ULL : MASK(31, 0)) << shift;
		*route = (*route & ~mask) | ((value << shift) & mask);
	} else {
		bank_access(&d->irqs, SPI_BASE, offset, size, &value, true);
	}
	unlock(d);
	notify_all(vm);		/* a change may have made an interrupt deliverable */
}

/* Which vCPU's redistributor `*offset` falls in; the offset within it. */
static struct vcpu *redist_of(struct vm *vm, u64 *offset)
{
	unsigned n = (unsigned)(*offset / GICR_FRAMES_SIZE);

	*offset %= GICR_FRAMES_SIZE;
	return n < vm->vcpu_count ? &vm->vcpus[n] : NULL;
}

static u64 redist_read(struct vm *vm, struct device *dev, u64 offset, u8 size)
{
	struct vcpu *v = redist_of(vm, &offset);
	u64 value = 0;

	(void)dev;
	if (!v)
		return 0;
	lock(&vm->arch.vgic);
	if (offset == GICR_TYPER)
		value = ((v->arch.vmpidr_el2 & IROUTER_AFF_MASK & MASK(23, 0)) << GICR_TYPER_AFF_SHIFT) |
			((u64)v->id << GICR_TYPER_PROC_SHIFT) |
			(v->id == vm->vcpu_count - 1 ? GICR_TYPER_LAST : 0);
	else if (offset == GICR_TYPER + 4)
		value = (v->arch.vmpidr_el2 & MASK(23, 0));
	else if (offset == GICR_IIDR)
		value = GIC_IIDR_ARM;
	else if (offset == GICR_WAKER)
		value = v->arch.vgic.sleeping ? GICR_WAKER_SLEEP | GICR_WAKER_ASLEEP : 0;
	else if (offset == GICR_PIDR2)
		value = GIC_PIDR2_GICV3;
	else if (offset == GICR_SGI_BASE + GICD_ICFGR)
		value = ICFGR_SGIS;
	else if (offset >= GICR_SGI_BASE)
		bank_access(&v->arch.vgic.irqs, 0, offset - GICR_SGI_BASE, size, &value, false);
	unlock(&vm->arch.vgic);
	return value;		/* CTLR, STATUSR, PROPBASER ...: zero (no LPIs) */
}

static void redist_write(struct vm *vm, struct device *dev, u64 offset, u8 size, u64 value)
{
	struct vcpu *v = redist_of(vm, &offset);

	(void)dev;
	if (!v)
		return;
	lock(&vm->arch.vgic);
	if (offset == GICR_WAKER)
		v->arch.vgic.sleeping = value & GICR_WAKER_SLEEP;
	else if (offset >= GICR_SGI_BASE)
		bank_access(&v->arch.vgic.irqs, 0, offset - GICR_SGI_BASE, size, &value, true);
	unlock(&vm->arch.vgic);
	notify_all(vm);
}

const struct device_ops vgic_dist_ops = { .read = dist_read, .write = dist_write };
const struct device_ops vgic_redist_ops = { .read = redist_read, .write = redist_write };

/* The state after reset: every SPI routed to vCPU 0, level-sensitive. */
void vgic_reset(struct vm *vm)
{
	memset(&vm->arch.vgic, 0, sizeof(vm->arch.vgic));
}
