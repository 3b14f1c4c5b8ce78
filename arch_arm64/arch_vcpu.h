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

/* EL1 state that belongs to the guest and must follow it on a switch: every
 * register a guest writes without an exit (docs/security.md has the table).
 * The timers: the virtual one (CNTV_*) and the EL1 physical one (CNTP_*),
 * which CNTHCTL_EL2.EL1PCEN gives the guest; TVAL is a view of CVAL. */
#define EL1_SYSREGS(X) \
	X(sctlr_el1) X(ttbr0_el1) X(ttbr1_el1) X(tcr_el1) X(mair_el1) \
	X(amair_el1) X(vbar_el1) X(contextidr_el1) X(tpidr_el0) X(tpidrro_el0) \
	X(tpidr_el1) X(sp_el0) X(sp_el1) X(elr_el1) X(spsr_el1) X(esr_el1) \
	X(far_el1) X(afsr0_el1) X(afsr1_el1) X(par_el1) X(cpacr_el1) \
	X(cntkctl_el1) X(cntv_ctl_el0) X(cntv_cval_el0) X(cntp_ctl_el0) \
	X(cntp_cval_el0) X(csselr_el1)

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

/* The GICv3 virtual CPU interface: what the guest's ICC_* accesses (ICV_*
 * while HCR_EL2.IMO/FMO are set) read and write without an exit. */
#define GIC_MAX_APRS	4	/* ICH_AP0R<n>_EL2, ICH_AP1R<n>_EL2 */
#define GIC_MAX_LRS	16	/* ICH_LR<n>_EL2 */
struct vgic_cpu_state {
	u64 vmcr;		/* ICH_VMCR_EL2: priority mask, binary points, group enables */
	u64 ap0r[GIC_MAX_APRS], ap1r[GIC_MAX_APRS];	/* active priorities */
	u64 lr[GIC_MAX_LRS];	/* list registers: pending and active interrupts */
	u32 lr_used;		/* which of them hold one (not empty in ICH_ELRSR_EL2) */
};

/* Breakpoint and watchpoint registers and the rest of the self-hosted debug
 * state a guest reaches once MDCR_EL2.TDA/TDOSA no longer trap (debug.c). */
#define DEBUG_MAX_POINTS 16
struct debug_state {
	u64 mdscr_el1, osdlr_el1, mdccint_el1;
	u64 oslk;		/* OSLSR_EL1.OSLK, restored through OSLAR_EL1 */
	u64 bvr[DEBUG_MAX_POINTS], bcr[DEBUG_MAX_POINTS];
	u64 wvr[DEBUG_MAX_POINTS], wcr[DEBUG_MAX_POINTS];
};

/* arch_vcpu.pending: work for the vCPU's own CPU before it enters the guest
 * next, set by itself or by another CPU. Bits 0-15: SGIs received, not yet in
 * a list register; PENDING_RESET: PSCI CPU_ON restarts the vCPU. */
#define PENDING_SGIS	0xffffu
#define PENDING_RESET	(1u << 31)

struct arch_vcpu {
	struct arm64_regs regs;	/* first: vectors.S finds it at offset 0 */
	struct el1_sysregs el1;
	struct fpsimd_state fp;
	struct vgic_cpu_state gic;
	struct debug_state debug;
	bool debug_in_use;	/* it touched a debug register: its state is switched */
	u64 vmpidr_el2;		/* the MPIDR_EL1 the guest reads */
	u64 exit_vector;	/* VEC_SYNC, VEC_IRQ ... of the last exit */
	u64 reset_entry, reset_context;	/* PENDING_RESET: where CPU_ON starts it */
	u32 pending;		/* PENDING_*, changed atomically */
};

struct arch_vm {
	u64 *stage2_root;	/* level-1 table of the stage-2 translation */
	u64 vttbr_el2;		/* table address and VMID */
};
#endif
