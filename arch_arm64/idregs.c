/* Trapped ID registers (HCR_EL2.TID3): a guest asking "what CPU am I on?"
 * gets the real answer with the features it must not use hidden: no EL2 or
 * EL3, no SVE, no PMU, no VHE (ID_AA64ZFR0_EL1, SVE's own register, is
 * not in the list below and so reads as zero). The guest thus learns it runs on a CPU
 * without virtualization: the usual choice for a non-nesting hypervisor. */
#include "arch.h"
#include "debug.h"
#include "esr.h"
#include "exit.h"
#include "gic.h"
#include "sysreg.h"

struct id_sanitizer {
	u64 encoding;
	u64 hidden;	/* fields that read as zero */
};

#define ID_AA64PFR0_EL1	SYS64_ENC(3, 0, 0, 4, 0)
#define ID_AA64PFR1_EL1	SYS64_ENC(3, 0, 0, 4, 1)
#define ID_AA64DFR0_EL1	SYS64_ENC(3, 0, 0, 5, 0)
#define ID_AA64MMFR1_EL1 SYS64_ENC(3, 0, 0, 7, 1)

static const struct id_sanitizer sanitizers[] = {
	/* EL2, EL3, RAS, SVE, SEL2, MPAM, AMU */
	{ ID_AA64PFR0_EL1, MASK(15, 8) | MASK(47, 28) },
	/* MTE, SME */
	{ ID_AA64PFR1_EL1, MASK(11, 8) | MASK(27, 24) },
	/* TraceVer, PMUVer, PMSVer */
	{ ID_AA64DFR0_EL1, MASK(11, 4) | MASK(35, 32) },
	/* VH: no Virtualization Host Extensions */
	{ ID_AA64MMFR1_EL1, MASK(11, 8) },
};

/* MRS needs the register in the instruction, so each ID register the
 * Armv8.0 architecture allocates gets its own case. The rest of the ID space
 * (Op0=3, Op1=0, CRn=0, CRm=1..7) is reserved, read-as-zero. */
#define ID(crm, op2) \
	case SYS64_ENC(3, 0, 0, crm, op2): return read_sysreg(S3_0_C0_C##crm##_##op2);

static u64 read_id_register(u64 encoding)
{
	switch (encoding) {
	ID(1, 0) ID(1, 1) ID(1, 2) ID(1, 3) ID(1, 4) ID(1, 5) ID(1, 6) ID(1, 7)	/* ID_PFR0.. ID_MMFR3 */
	ID(2, 0) ID(2, 1) ID(2, 2) ID(2, 3) ID(2, 4) ID(2, 5)			/* ID_ISAR0..5 */
	ID(3, 0) ID(3, 1) ID(3, 2)						/* MVFR0..2 */
	ID(4, 0) ID(4, 1)							/* ID_AA64PFR0, 1 */
	ID(5, 0) ID(5, 1) ID(5, 4) ID(5, 5)					/* ID_AA64DFR0, 1, AFR0, 1 */
	ID(6, 0) ID(6, 1)							/* ID_AA64ISAR0, 1 */
	ID(7, 0) ID(7, 1)							/* ID_AA64MMFR0, 1 */
	default:
		return 0;
	}
}
#undef ID

static bool is_id_register(u64 encoding)
{
	return SYS64_OP0(encoding) == 3 && SYS64_OP1(encoding) == 0 &&
	       SYS64_CRN(encoding) == 0 && SYS64_CRM(encoding) >= 1 && SYS64_CRM(encoding) <= 7;
}

bool arch_sysreg_access(struct vcpu *vcpu, struct exit *e)
{
	if (gic_sysreg_access(vcpu, e) || debug_first_use(vcpu, e))
		return true;
	if (e->write || !is_id_register(e->addr))
		return false;
	e->result = read_id_register(e->addr);
	for (unsigned i = 0; i < ARRAY_SIZE(sanitizers); i++)
		if (sanitizers[i].encoding == e->addr)
			e->result &= ~sanitizers[i].hidden;
	return true;
}
