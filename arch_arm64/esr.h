/* ESR_EL2, the Exception Syndrome Register: why the CPU entered EL2.
 * EC (bits 31:26) is the exception class, ISS (24:0) its details. */
#pragma once
#include "types.h"

#define ESR_EC(esr)	FIELD(esr, 31, 26)
#define ESR_IL		BIT(25)		/* 32-bit instruction */
#define ESR_ISS(esr)	FIELD(esr, 24, 0)

/* Exception classes (Arm ARM, ESR_ELx.EC) */
#define EC_UNKNOWN	0x00
#define EC_WFx		0x01	/* WFI or WFE trapped */
#define EC_FP_ASIMD	0x07	/* FP or Advanced SIMD access trapped */
#define EC_ILL		0x0e	/* illegal execution state */
#define EC_SVC64	0x15
#define EC_HVC64	0x16	/* HVC from AArch64 */
#define EC_SMC64	0x17	/* SMC from AArch64 trapped */
#define EC_SYS64	0x18	/* MSR, MRS or system instruction trapped */
#define EC_SVE		0x19
#define EC_IABT_LOW	0x20	/* instruction abort from a lower EL */
#define EC_IABT_CUR	0x21
#define EC_PC_ALIGN	0x22
#define EC_DABT_LOW	0x24	/* data abort from a lower EL */
#define EC_DABT_CUR	0x25
#define EC_SP_ALIGN	0x26
#define EC_FP_EXC64	0x2c
#define EC_SERROR	0x2f
#define EC_BREAKPT_LOW	0x30
#define EC_SOFTSTP_LOW	0x32
#define EC_WATCHPT_LOW	0x34
#define EC_BRK64	0x3c

/* ISS of a data abort (EC_DABT_*) */
#define DABT_ISV	BIT(24)	/* the fields below are valid */
#define DABT_SAS(iss)	FIELD(iss, 23, 22)	/* access size: 1 << SAS bytes */
#define DABT_SSE	BIT(21)	/* sign-extend a load */
#define DABT_SRT(iss)	FIELD(iss, 20, 16)	/* the register transferred */
#define DABT_SF		BIT(15)	/* the register is 64-bit (Xn) */
#define DABT_AR		BIT(14)	/* acquire/release */
#define DABT_S1PTW	BIT(7)	/* fault on a stage-1 table walk */
#define DABT_WNR	BIT(6)	/* write, not read */
#define DABT_CM		BIT(8)	/* cache maintenance (DC, IC by address) */
#define DABT_DFSC(iss)	FIELD(iss, 5, 0)	/* data fault status code */
#define FSC_EXTERNAL_ABORT 0x10	/* DFSC/IFSC: synchronous external abort */

/* ISS of a trapped MSR/MRS (EC_SYS64) */
#define SYS64_DIR_READ	BIT(0)	/* MRS (read) */
#define SYS64_RT(iss)	FIELD(iss, 9, 5)
#define SYS64_ENC_MASK	(MASK(21, 10) | MASK(4, 1))	/* Op0 Op2 Op1 CRn CRm */
#define SYS64_ENC(op0, op1, crn, crm, op2) \
	(((u64)(op0) << 20) | ((u64)(op2) << 17) | ((u64)(op1) << 14) | \
	 ((u64)(crn) << 10) | ((u64)(crm) << 1))
#define SYS64_OP0(iss)	FIELD(iss, 21, 20)
#define SYS64_OP2(iss)	FIELD(iss, 19, 17)
#define SYS64_OP1(iss)	FIELD(iss, 16, 14)
#define SYS64_CRN(iss)	FIELD(iss, 13, 10)
#define SYS64_CRM(iss)	FIELD(iss, 4, 1)

const char *esr_class_name(u64 ec);
