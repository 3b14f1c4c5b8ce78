/* From ESR_EL2 to the portable core and back: decode why the guest trapped
 * into one `struct exit` (decode_sync), let hv/exit.c handle it, then write
 * the result into the guest's registers and step its PC (arch_exit_apply).
 * What the architecture answers with an exception in the guest (an
 * unaligned device access) is answered here, without the core. */
#include "arch.h"
#include "console.h"
#include "esr.h"
#include "exit_kinds.h"
#include "gic.h"
#include "inject.h"
#include "sysreg.h"
#include "vm.h"

#define INSN_LEN	4	/* every A64 instruction is 4 bytes */
#define DFSC_ALIGNMENT	0x21	/* data fault status code: alignment fault */

static u64 guest_reg(const struct vcpu *v, unsigned n)
{
	return n == 31 ? 0 : v->arch.regs.x[n];	/* register 31 is XZR here */
}

/* The faulting guest-physical address: page from HPFAR_EL2, offset from FAR. */
static u64 fault_ipa(void)
{
	u64 hpfar = read_sysreg(hpfar_el2);
	return (FIELD(hpfar, 43, 4) << 12) | (read_sysreg(far_el2) & (PAGE_SIZE - 1));
}

/* A trapped instruction's length: ESR_EL2.IL, 4 bytes unless it was a
 * 16-bit Thumb instruction (AArch32 code at EL0). */
static u8 insn_len(u64 esr)
{
	return esr & ESR_IL ? 4 : 2;
}

/* Device memory takes no unaligned access: the CPU would have raised an
 * alignment fault at EL1 had the guest's stage 1 said Device, which is what
 * an emulated device is. Do that: a data abort with DFSC "alignment fault"
 * taken to the guest's own EL1 vectors. Counted as the mmio exit it was. */
static __attribute__((noinline)) void reflect_alignment_fault(struct vcpu *v, u64 iss)
{
	v->exits[EXIT_MMIO]++;
	arm64_inject_data_abort(v, (iss & DABT_WNR) | DFSC_ALIGNMENT, read_sysreg(far_el2));
}

/* False when the abort was answered here, in the guest, without the core. */
static bool decode_data_abort(struct vcpu *v, u64 esr, struct exit *e)
{
	u64 iss = ESR_ISS(esr);

	if (!(iss & DABT_ISV))
		return true;	/* no syndrome to emulate from: stays EXIT_UNHANDLED */
	e->addr = fault_ipa();
	e->size = 1 << DABT_SAS(iss);
	if (e->addr & (e->size - 1)) {
		reflect_alignment_fault(v, iss);
		return false;
	}
	e->kind = EXIT_MMIO;
	e->write = iss & DABT_WNR;
	e->reg = DABT_SRT(iss);
	if (e->write) {		/* a load's register is only written, in arch_exit_apply */
		e->value = guest_reg(v, e->reg);
		if (e->size < 8)
			e->value &= BIT(8 * e->size) - 1;
	}
	e->insn_len = insn_len(esr);
	return true;
}

/* False when the exit was answered here, in the guest, without the core. */
static bool decode_sync(struct vcpu *v, u64 esr, struct exit *e)
{
	u64 iss = ESR_ISS(esr);
	const u64 *x = v->arch.regs.x;

	switch (ESR_EC(esr)) {
	case EC_HVC64:		/* ELR_EL2 already points past the HVC */
		e->kind = EXIT_HYPERCALL;
		e->args[0] = x[0], e->args[1] = x[1], e->args[2] = x[2], e->args[3] = x[3];
		break;
	case EC_SMC64:		/* ELR_EL2 points at the SMC itself */
		e->kind = EXIT_FIRMWARE;
		e->args[0] = x[0], e->args[1] = x[1], e->args[2] = x[2], e->args[3] = x[3];
		e->insn_len = INSN_LEN;
		break;
	case EC_WFx:		/* from AArch32 EL0 too: a T16 WFI is 2 bytes */
		e->kind = EXIT_HALT;
		e->insn_len = insn_len(esr);
		break;
	case EC_SYS64:
		e->kind = EXIT_SYSREG;
		e->addr = iss & SYS64_ENC_MASK;
		e->write = !(iss & SYS64_DIR_READ);
		e->reg = SYS64_RT(iss);
		e->value = guest_reg(v, e->reg);
		e->insn_len = INSN_LEN;
		break;
	case EC_DABT_LOW:
		return decode_data_abort(v, esr, e);
	default:
		break;		/* EXIT_UNHANDLED */
	}
	return true;
}

void arch_exit_apply(struct vcpu *vcpu, const struct exit *e)
{
	struct arm64_regs *r = &vcpu->arch.regs;
	u64 value = e->result;

	switch (e->kind) {
	case EXIT_HYPERCALL:
	case EXIT_FIRMWARE:
		r->x[0] = value;
		break;
	case EXIT_MMIO:
		if (e->write || e->reg == 31)
			break;
		if (e->size < 8) {
			u64 iss = ESR_ISS(e->syndrome), sign = BIT(8 * e->size - 1);
			value &= BIT(8 * e->size) - 1;
			if ((iss & DABT_SSE) && (value & sign))
				value |= ~(BIT(8 * e->size) - 1);
			if (!(iss & DABT_SF))
				value &= 0xffffffffULL;	/* a Wn destination */
		}
		r->x[e->reg] = value;
		break;
	case EXIT_SYSREG:
		if (!e->write && e->reg != 31)
			r->x[e->reg] = value;
		break;
	default:
		break;
	}
	r->elr_el2 += e->insn_len;
}

/* A device interrupt: the guest that owns the real devices gets it through
 * a list register; nobody else has a device, so it is just ended. The
 * virtual timer's interrupt goes to whichever guest runs: its CNTV_*
 * registers are that vCPU's (vcpu.c switches them, and gic.c the state of
 * the interrupt). */
static void route_interrupt(struct vcpu *vcpu, u32 intid)
{
	bool for_guest = vcpu->vm->passthrough || intid == TIMER_INTID_VIRT;

	if (!for_guest || intid == GIC_SGI_KICK) {	/* a kick only makes us exit */
		gic_end_of_interrupt(intid);
	} else if (intid < GIC_SGI_COUNT) {	/* an SGI cannot be linked to its
						 * physical twin (HW=1 needs pINTID >= 16): EL2 ends
						 * it, and the vCPU keeps it pending until a list
						 * register is free for a purely virtual copy */
		gic_end_of_interrupt(intid);
		__atomic_fetch_or(&vcpu->arch.pending, (u32)BIT(intid), __ATOMIC_RELAXED);
	} else {
		gic_inject_hw(intid);
	}
}

/* vcpu.c: the world switch, and work left for a vCPU (arch.pending). */
void arm64_vcpu_switch(struct vcpu *prev, struct vcpu *next);
void arm64_vcpu_pending(struct vcpu *vcpu);

struct vcpu *arm64_handle_exit(struct vcpu *vcpu, u64 vector)
{
	struct exit e;

	vcpu->arch.exit_vector = vector;
	e.kind = EXIT_UNHANDLED;
	e.insn_len = 0;
	e.syndrome = 0;

	if (vector == VEC_SYNC) {
		e.syndrome = read_sysreg(esr_el2);
		if (!decode_sync(vcpu, e.syndrome, &e))
			return vcpu;
	} else if (vector == VEC_IRQ) {
		u32 intid = gic_acknowledge();
		if (intid == GIC_INTID_SPURIOUS)
			return vcpu;
		if (intid == TIMER_INTID_HYP_PHYS) {
			gic_end_of_interrupt(intid);
			arch_timer_disarm();
			e.kind = EXIT_TIMER;
		} else {
			route_interrupt(vcpu, intid);
			e.kind = EXIT_IRQ;
		}
	} else if (vector == VEC_SERROR) {
		e.syndrome = read_sysreg(esr_el2);	/* stays EXIT_UNHANDLED */
	}

	struct vcpu *next = hv_handle_exit(vcpu, &e);
	if (next != vcpu)
		arm64_vcpu_switch(vcpu, next);
	if (next->arch.pending)		/* rare, and off the hot path */
		arm64_vcpu_pending(next);
	return next;
}

/* An exception taken at EL2: a bug in the hypervisor. */
_Noreturn void arm64_hv_fault(u64 vector, u64 esr, u64 elr, u64 far)
{
	panic("exception in the hypervisor: vector %lu, ESR_EL2=0x%lx (EC=0x%lx %s), "
	      "ELR_EL2=0x%lx, FAR_EL2=0x%lx", vector, esr, ESR_EC(esr),
	      esr_class_name(ESR_EC(esr)), elr, far);
}
