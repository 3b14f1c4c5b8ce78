/* Taking an exception to the guest's EL1 on its behalf (Arm ARM D1.10,
 * "Exception entry"): what the CPU does on entry, done by hand. The guest's
 * EL1 registers are the live ones while it is the CPU's vCPU. */
#include "inject.h"
#include "esr.h"
#include "sysreg.h"
#include "vm.h"

/* VBAR_EL1 offsets of the synchronous entries, by where the exception came from. */
#define VECTOR_CURRENT_SP0	0x000	/* EL1 using SP_EL0 (EL1t) */
#define VECTOR_CURRENT_SPX	0x200	/* EL1 using SP_EL1 (EL1h) */
#define VECTOR_LOWER_AARCH64	0x400	/* EL0, AArch64 */
#define VECTOR_LOWER_AARCH32	0x600	/* EL0, AArch32 */
#define ESR_EC_SHIFT		26

static u64 vector_offset(u64 spsr)
{
	if (spsr & SPSR_M_AARCH32)
		return VECTOR_LOWER_AARCH32;
	if ((spsr & SPSR_M_MASK) == SPSR_M_EL0t)
		return VECTOR_LOWER_AARCH64;
	return spsr & SPSR_M_SPX ? VECTOR_CURRENT_SPX : VECTOR_CURRENT_SP0;
}

static bool from_el0(u64 spsr)
{
	return (spsr & SPSR_M_AARCH32) || (spsr & SPSR_M_MASK) == SPSR_M_EL0t;
}

/* A synchronous exception with syndrome `esr`: the interrupted state goes
 * to ELR_EL1 and SPSR_EL1, the guest continues at its vector in EL1h with
 * every interrupt masked. */
static void inject_sync(struct vcpu *vcpu, u64 esr)
{
	struct arm64_regs *r = &vcpu->arch.regs;

	write_sysreg(esr_el1, esr);
	write_sysreg(elr_el1, r->elr_el2);
	write_sysreg(spsr_el1, r->spsr_el2);
	r->elr_el2 = read_sysreg(vbar_el1) + vector_offset(r->spsr_el2);
	r->spsr_el2 = SPSR_M_EL1h | SPSR_DAIF;
}

/* A data abort at the instruction ELR_EL2 points at, for virtual address `far`. */
void arm64_inject_data_abort(struct vcpu *vcpu, u64 iss, u64 far)
{
	u64 ec = from_el0(vcpu->arch.regs.spsr_el2) ? EC_DABT_LOW : EC_DABT_CUR;

	write_sysreg(far_el1, far);
	inject_sync(vcpu, (ec << ESR_EC_SHIFT) | ESR_IL | iss);
}
