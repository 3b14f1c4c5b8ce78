/* From ESR_EL2 to the portable core and back: decode why the guest trapped
 * into one `struct exit` (decode_sync), let hv/exit.c handle it, then write
 * the result into the guest's registers and step its PC (arch_exit_apply).
 * What the architecture answers with an exception in the guest (an
 * unaligned device access), and what KVM answers so (hv/vm.h's
 * UNBACKED_KVM), is answered here, without the core. */
#include "arch.h"
#include "console.h"
#include "esr.h"
#include "exit_kinds.h"
#include "gic.h"
#include "inject.h"
#include "sysreg.h"
#include "vgic.h"
#include "vm.h"

bool arm64_console_receive(u32 intid);		/* uart.c */

#define INSN_LEN	4	/* every A64 instruction is 4 bytes */

/* vcpu.c: the world switch, and work left for a vCPU (arch.pending). */
void arm64_vcpu_switch(struct vcpu *prev, struct vcpu *next);
void arm64_vcpu_pending(struct vcpu *vcpu);
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

/* An abort at an address with no RAM that no syndrome lets anyone emulate:
 * an instruction fetch, or a load or store with ISV=0 (LDP, a stage-1 table
 * walk, ...). A VM with KVM's policy (hv/vm.h) gets what KVM gives
 * (arch/arm64/kvm/mmu.c, kvm_handle_guest_abort; mmio.c, io_mem_abort, where
 * QEMU has KVM inject for ISV=0): cache maintenance by address is skipped,
 * anything else is a synchronous external abort at its own EL1. False when
 * it was answered so; counted as the mmio exit it was. */
static __attribute__((noinline)) bool answer_as_kvm(struct vcpu *v, u64 esr, bool instruction)
{
	if (v->vm->unbacked != UNBACKED_KVM)
		return false;
	v->exits[EXIT_MMIO]++;
	if (!instruction && (ESR_ISS(esr) & DABT_CM))
		v->arch.regs.elr_el2 += insn_len(esr);
	else
		arm64_inject_external_abort(v, instruction, read_sysreg(far_el2), esr & ESR_IL);
	return true;
}

/* False when the abort was answered here, in the guest, without the core. */
static inline __attribute__((always_inline)) bool decode_data_abort(struct vcpu *v, u64 esr,
									struct exit *e)
{
	u64 iss = ESR_ISS(esr);

	if (!(iss & DABT_ISV))	/* no syndrome to emulate from: EXIT_UNHANDLED, or KVM's answer */
		return !answer_as_kvm(v, esr, false);
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
	case EC_IABT_LOW:	/* a fetch from an address with no RAM */
		return !answer_as_kvm(v, esr, true);
	default:
		break;		/* EXIT_UNHANDLED */
	}
	return true;
}

/* HVC is UNDEFINED at EL0 (Arm ARM, C6.2.99): only EL1 reaches EL2 with
 * one, so this holds for every hypercall; it is what the core asks. */
bool arch_vcpu_privileged(struct vcpu *vcpu)
{
	return (vcpu->arch.regs.spsr_el2 & SPSR_M_MASK) != SPSR_M_EL0t &&
	       !(vcpu->arch.regs.spsr_el2 & SPSR_M_AARCH32);
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

/* A device interrupt for the guest that owns the real devices, or a
 * guest's virtual timer: through a list register, linked to its physical
 * twin. */
static void to_pass_through_guest(struct vcpu *vcpu, u32 intid)
{
	if (intid < GIC_SGI_COUNT) {	/* an SGI cannot be linked to its
					 * physical twin (HW=1 needs pINTID >= 16): EL2 ends
					 * it, and the vCPU keeps it pending until a list
					 * register is free for a purely virtual copy */
		gic_end_of_interrupt(intid);
		__atomic_fetch_or(&vcpu->arch.pending, (u32)BIT(intid), __ATOMIC_RELAXED);
	} else {
		gic_inject_hw(intid);
	}
}

/* A physical interrupt at EL2, while `vcpu` is the one loaded on this CPU
 * (NULL: none yet). A kick only makes the CPU leave its guest; the
 * maintenance interrupt says list registers have room (vgic.c); the real
 * UART's is typed input (uart.c); a timer PPI of a VM with a vGIC goes
 * through it, the virtual timer's of any other VM straight to a list
 * register (its CNTV_* registers are that vCPU's: vcpu.c switches them,
 * gic.c the interrupt's state); the rest belong to a pass-through guest,
 * or to nobody. */
enum exit_kind arm64_host_interrupt(struct vcpu *vcpu, u32 intid)
{
	struct vm *vm = vcpu ? vcpu->vm : NULL;

	if (intid == TIMER_INTID_HYP_PHYS) {
		gic_end_of_interrupt(intid);
		arch_timer_disarm();
		return EXIT_TIMER;
	}
	if (intid == GIC_SGI_KICK || intid == GIC_INTID_MAINTENANCE || !vm) {
		gic_end_of_interrupt(intid);
		if (intid == GIC_INTID_MAINTENANCE && vcpu)
			vgic_maintenance(vcpu);
	} else if (vm->passthrough) {
		to_pass_through_guest(vcpu, intid);
	} else if (arm64_console_receive(intid)) {
		/* typed bytes, handed on */
	} else if (vm->irqchip && (intid == TIMER_INTID_VIRT || intid == TIMER_INTID_PHYS)) {
		gic_priority_drop(intid);
		vgic_timer_fired(vcpu, intid);
	} else if (intid == TIMER_INTID_VIRT) {
		to_pass_through_guest(vcpu, intid);	/* any guest's: its CNTV_* are loaded */
	} else {
		gic_end_of_interrupt(intid);
	}
	return EXIT_IRQ;
}


/* The vCPU the core chose, made ready to enter: the world switch if it is
 * another one, and work left for it (arch.pending: rare). */
static inline struct vcpu *enter_next(struct vcpu *prev, struct vcpu *next)
{
	if (next != prev)
		arm64_vcpu_switch(prev, next);
	if (next->arch.pending)
		arm64_vcpu_pending(next);
	return next;
}

/* Every exit but the fast lane's: decode into a struct exit, let the
 * portable core handle it and choose the next vCPU, switch worlds. */
static __attribute__((noinline)) struct vcpu *handle_exit_full(struct vcpu *vcpu, u64 vector)
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
		e.kind = arm64_host_interrupt(vcpu, intid);
	} else if (vector == VEC_SERROR) {
		e.syndrome = read_sysreg(esr_el2);	/* stays EXIT_UNHANDLED */
	}

	return enter_next(vcpu, hv_handle_exit(vcpu, &e));
}

/* The fast lane: a hypercall answered at once (hypercall_immediate(): no
 * scheduling decision) goes no further than this, its arguments and result
 * in the saved x0-x3, with the same checks as the full path: the exit is
 * counted, a vCPU another CPU stopped meanwhile goes the full way (and so
 * does every other hypercall, with nothing done here), and work left for
 * the vCPU (arch.pending) is done before it runs again. */
static __attribute__((noinline)) struct vcpu *hypercall_lane(struct vcpu *vcpu)
{
	u64 *x = vcpu->arch.regs.x;

	if (!vcpu->runnable || !hypercall_immediate(vcpu->vm, x, &x[0]))
		return handle_exit_full(vcpu, VEC_SYNC);
	vcpu->exits[EXIT_HYPERCALL]++;
	return enter_next(vcpu, vcpu);	/* ELR_EL2 already points past the HVC */
}

/* The fast lane's other half: a load or store to an emulated device, with
 * a syndrome to emulate from (ISV=1), goes from decoding straight to the
 * device (hv_fast_mmio()), the full path's every check included; anything
 * else, with nothing done, the full path. */
static __attribute__((noinline)) struct vcpu *mmio_lane(struct vcpu *vcpu, u64 esr)
{
	struct exit e;
	struct vcpu *next;

	e.syndrome = esr;
	if (!decode_data_abort(vcpu, esr, &e))
		return vcpu;		/* answered here: an alignment fault, KVM's abort */
	if ((ESR_ISS(esr) & DABT_ISV) && (next = hv_fast_mmio(vcpu, &e)))
		return enter_next(vcpu, next);
	return handle_exit_full(vcpu, VEC_SYNC);
}

/* From vectors.S, with the guest's registers saved: the vCPU to enter
 * next. The two commonest exits take the fast lane; the others, and those
 * the lane turns down with nothing done, the full path. */
struct vcpu *arm64_handle_exit(struct vcpu *vcpu, u64 vector)
{
	if (vector == VEC_SYNC) {
		u64 esr = read_sysreg(esr_el2);

		if (ESR_EC(esr) == EC_HVC64)
			return hypercall_lane(vcpu);
		if (ESR_EC(esr) == EC_DABT_LOW)
			return mmio_lane(vcpu, esr);
	}
	return handle_exit_full(vcpu, vector);
}

/* An exception taken at EL2: a bug in the hypervisor. */
_Noreturn void arm64_hv_fault(u64 vector, u64 esr, u64 elr, u64 far)
{
	panic("exception in the hypervisor: vector %lu, ESR_EL2=0x%lx (EC=0x%lx %s), "
	      "ELR_EL2=0x%lx, FAR_EL2=0x%lx", vector, esr, ESR_EC(esr),
	      esr_class_name(ESR_EC(esr)), elr, far);
}
