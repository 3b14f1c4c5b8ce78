/* The arm64 part of a vCPU and a VM: the registers saved on every exit,
 * the EL1 system registers swapped on a world switch, and stage-2 state. */
#pragma once

/* Where vectors.S finds ELR_EL2 and SPSR_EL2 in struct arm64_regs. */
#define REGS_ELR_OFFSET	(31 * 8)

#ifndef __ASSEMBLER__
#include "types.h"

/* Saved by vectors.S on every exit. */
struct arm64_regs {
	u64 x[31];
	u64 elr_el2;	/* guest PC */
	u64 spsr_el2;	/* guest PSTATE */
};
_Static_assert(__builtin_offsetof(struct arm64_regs, elr_el2) == REGS_ELR_OFFSET, "vectors.S");

/* EL1 state that belongs to the guest and must follow it on a switch. */
#define EL1_SYSREGS(X) \
	X(sctlr_el1) X(ttbr0_el1) X(ttbr1_el1) X(tcr_el1) X(mair_el1) \
	X(amair_el1) X(vbar_el1) X(contextidr_el1) X(tpidr_el0) X(tpidrro_el0) \
	X(tpidr_el1) X(sp_el0) X(sp_el1) X(elr_el1) X(spsr_el1) X(esr_el1) \
	X(far_el1) X(afsr0_el1) X(afsr1_el1) X(par_el1) X(cpacr_el1) \
	X(cntkctl_el1) X(cntv_ctl_el0) X(cntv_cval_el0) X(csselr_el1)

struct el1_sysregs {
#define DECLARE_FIELD(reg) u64 reg;
	EL1_SYSREGS(DECLARE_FIELD)
#undef DECLARE_FIELD
};

/* FP/SIMD registers: guests use them freely (CPTR_EL2.TFP clear); the
 * hypervisor itself never does (-mgeneral-regs-only), so they only move on
 * a world switch. Offsets used by fpsimd.S. */
struct fpsimd_state {
	__uint128_t q[32];
	u64 fpsr, fpcr;
};

/* The GICv3 virtual CPU interface as one vCPU left it (gic.c): what a
 * world switch saves and restores, since the list registers hold the
 * interrupts on their way into this vCPU (its virtual timer, its SGIs). */
#define VGIC_MAX_LRS	16
struct vgic_state {
	u64 lr[VGIC_MAX_LRS];	/* ICH_LR<n>_EL2 */
	u64 vmcr;		/* ICH_VMCR_EL2: the guest's priority mask and group enables */
	u64 ap1r0;		/* ICH_AP1R0_EL2: its active priorities */
};

struct arch_vcpu {
	struct arm64_regs regs;	/* first: vectors.S finds it at offset 0 */
	struct el1_sysregs el1;
	struct fpsimd_state fp;
	u64 vmpidr_el2;		/* the MPIDR_EL1 the guest reads */
	u64 exit_vector;	/* VEC_SYNC, VEC_IRQ ... of the last exit */
	u32 pending_sgis;	/* SGIs received, not yet in a list register */
	struct vgic_state vgic;	/* saved while another vCPU has the CPU */
};

struct arch_vm {
	u64 *stage2_root;	/* level-1 table of the stage-2 translation */
	u64 vttbr_el2;		/* table address and VMID */
};
#endif
