/* sysreg: the ID registers a guest reads are trapped (HCR_EL2.TID3) and
 * answered by the hypervisor, which hides what a guest must not use. */
#include "guest.h"

#define read_sysreg(reg) ({ u64 _v; __asm__ volatile("mrs %0, " #reg : "=r"(_v)); _v; })

#define AA64PFR0_EL0(v)		FIELD(v, 3, 0)
#define AA64PFR0_EL1(v)		FIELD(v, 7, 4)
#define AA64PFR0_EL2(v)		FIELD(v, 11, 8)
#define AA64PFR0_EL3(v)		FIELD(v, 15, 12)
#define AA64PFR0_SVE(v)		FIELD(v, 35, 32)
#define AA64MMFR1_VH(v)		FIELD(v, 11, 8)
#define AA64DFR0_PMUVER(v)	FIELD(v, 11, 8)
#define AA64MMFR0_PARANGE(v)	FIELD(v, 3, 0)
#define MPIDR_AFF0(v)		FIELD(v, 7, 0)
#define AARCH64_ONLY		1
#define AARCH64_AND_AARCH32	2

int main(void)
{
	u64 pfr0 = read_sysreg(id_aa64pfr0_el1);
	u64 mmfr0 = read_sysreg(id_aa64mmfr0_el1);
	u64 mmfr1 = read_sysreg(id_aa64mmfr1_el1);
	u64 dfr0 = read_sysreg(id_aa64dfr0_el1);
	u64 mpidr = read_sysreg(mpidr_el1);

	printf("ID_AA64PFR0_EL1=0x%lx ID_AA64MMFR1_EL1=0x%lx ID_AA64DFR0_EL1=0x%lx\n",
	       pfr0, mmfr1, dfr0);
	check(AA64PFR0_EL2(pfr0) == 0, "ID_AA64PFR0_EL1.EL2 reads 0: no EL2 for the guest");
	check(AA64PFR0_EL3(pfr0) == 0, "ID_AA64PFR0_EL1.EL3 reads 0: no EL3 for the guest");
	check(AA64PFR0_SVE(pfr0) == 0, "ID_AA64PFR0_EL1.SVE reads 0");
	check(AA64PFR0_EL1(pfr0) == AARCH64_ONLY || AA64PFR0_EL1(pfr0) == AARCH64_AND_AARCH32,
	      "ID_AA64PFR0_EL1.EL1 still reports AArch64");
	check(AA64PFR0_EL0(pfr0) == AARCH64_ONLY || AA64PFR0_EL0(pfr0) == AARCH64_AND_AARCH32,
	      "ID_AA64PFR0_EL1.EL0 still reports AArch64");
	check(AA64MMFR1_VH(mmfr1) == 0, "ID_AA64MMFR1_EL1.VH reads 0: no VHE");
	check(AA64DFR0_PMUVER(dfr0) == 0, "ID_AA64DFR0_EL1.PMUVer reads 0: no PMU");
	check(AA64MMFR0_PARANGE(mmfr0) != 0, "ID_AA64MMFR0_EL1 passes through (PARange %lu)",
	      AA64MMFR0_PARANGE(mmfr0));
	check(MPIDR_AFF0(mpidr) == 0 && (mpidr & BIT(31)),
	      "MPIDR_EL1 is the virtual one (VMPIDR_EL2): affinity 0");
	return summary();
}
