/* System register access and the EL2 control bits this hypervisor sets,
 * named as in the Arm Architecture Reference Manual (Arm ARM). */
#pragma once
#include "types.h"

#define read_sysreg(reg) ({ u64 _v; __asm__ volatile("mrs %0, " #reg : "=r"(_v)); _v; })
#define write_sysreg(reg, v) __asm__ volatile("msr " #reg ", %0" : : "r"((u64)(v)))
#define isb()   __asm__ volatile("isb" : : : "memory")
#define dsb(op) __asm__ volatile("dsb " #op : : : "memory")

/* HCR_EL2: what traps to EL2 while a guest runs. */
#define HCR_VM		BIT(0)	/* stage-2 translation on */
#define HCR_SWIO	BIT(1)	/* set/way invalidate becomes clean+invalidate */
#define HCR_FMO		BIT(3)	/* physical FIQs go to EL2 */
#define HCR_IMO		BIT(4)	/* physical IRQs go to EL2 */
#define HCR_AMO		BIT(5)	/* SErrors go to EL2 */
#define HCR_TWI		BIT(13)	/* trap WFI */
#define HCR_TID3	BIT(18)	/* trap ID group 3 registers (ID_AA64*_EL1 ...) */
#define HCR_TSC		BIT(19)	/* trap SMC */
#define HCR_TIDCP	BIT(20)	/* trap IMPLEMENTATION DEFINED registers */
#define HCR_TACR	BIT(21)	/* trap ACTLR_EL1 (IMPLEMENTATION DEFINED contents) */
#define HCR_RW		BIT(31)	/* EL1 is AArch64 */
/* The IMPLEMENTATION DEFINED registers trap: their state is nobody's to
 * switch, since no manual this hypervisor follows says what it is. */
#define HCR_GUEST	(HCR_VM | HCR_SWIO | HCR_FMO | HCR_IMO | HCR_AMO | HCR_TWI | \
			 HCR_TID3 | HCR_TSC | HCR_TIDCP | HCR_TACR | HCR_RW)
/* A VM that has its CPU to itself may sleep in WFI on it: nobody else wants
 * the CPU, and any physical interrupt still brings it back to EL2. */
#define HCR_GUEST_ALONE	(HCR_GUEST & ~HCR_TWI)

/* SCTLR_EL2 / SCTLR_EL1 */
#define SCTLR_M		BIT(0)	/* MMU on */
#define SCTLR_C		BIT(2)	/* data cacheable */
#define SCTLR_SA	BIT(3)	/* stack alignment check */
#define SCTLR_I		BIT(12)	/* instruction cacheable */
#define SCTLR_EL2_RES1	(BIT(4) | BIT(5) | BIT(11) | BIT(16) | BIT(18) | BIT(22) | \
			 BIT(23) | BIT(28) | BIT(29))
#define SCTLR_EL1_RES1	(BIT(11) | BIT(20) | BIT(22) | BIT(23) | BIT(28) | BIT(29))

/* SPSR_EL2: the state ERET returns to. */
#define SPSR_M_MASK	0xfULL	/* AArch64: M[3:2] = EL, M[0] = SP_ELx (h) or SP_EL0 (t) */
#define SPSR_M_EL0t	0x0
#define SPSR_M_EL1h	0x5	/* EL1, using SP_EL1 */
#define SPSR_M_SPX	BIT(0)
#define SPSR_M_AARCH32	BIT(4)	/* the guest ran AArch32 code (at EL0) */
#define SPSR_DAIF	(0xfULL << 6)	/* all interrupts masked */

/* CPTR_EL2 (HCR_EL2.E2H == 0) */
#define CPTR_EL2_RES1	(MASK(9, 0) | MASK(13, 12))
#define CPTR_TZ		BIT(8)	/* trap SVE */
#define CPTR_TFP	BIT(10)	/* trap FP/Advanced SIMD (left clear: guests own it) */

/* CNTHCTL_EL2 (HCR_EL2.E2H == 0) */
#define CNTHCTL_EL1PCTEN BIT(0)	/* EL1 may read the physical counter */
#define CNTHCTL_EL1PCEN	BIT(1)	/* EL1 may use the physical timer */

/* MDCR_EL2: keep PMU registers away from guests (ID_AA64DFR0_EL1 hides the
 * PMU); debug registers trap until a vCPU first uses them (debug.c), and
 * from then on are its own, switched with it. */
#define MDCR_HPMN_MASK	MASK(4, 0)
#define MDCR_TPMCR	BIT(5)
#define MDCR_TPM	BIT(6)
#define MDCR_TDA	BIT(9)
#define MDCR_TDOSA	BIT(10)
#define MDCR_TDRA	BIT(11)
#define PMCR_N(v)	FIELD(v, 15, 11)
#define MDCR_GUEST_DEBUG (MDCR_TPMCR | MDCR_TPM)	/* | HPMN, set at boot */
#define MDCR_GUEST	(MDCR_GUEST_DEBUG | MDCR_TDA | MDCR_TDOSA | MDCR_TDRA)

/* MPIDR_EL1 as a guest sees it (VMPIDR_EL2) */
#define MPIDR_RES1	BIT(31)

/* Generic timer control (CNTHP_CTL_EL2, CNTV_CTL_EL0) */
#define CNT_CTL_ENABLE	BIT(0)
#define CNT_CTL_IMASK	BIT(1)
