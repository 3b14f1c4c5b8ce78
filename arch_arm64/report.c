/* The decoded trap report: when a VM is stopped, say in Arm ARM terms what
 * it did: exception class by name, the ISS fields, the faulting addresses
 * and every general-purpose register. */
#include "arch.h"
#include "console.h"
#include "esr.h"
#include "exit_kinds.h"
#include "sysreg.h"
#include "vm.h"

static const char *const class_names[] = {
	[EC_UNKNOWN] = "UNKNOWN: unknown reason",
	[EC_WFx] = "WFx: WFI or WFE",
	[EC_FP_ASIMD] = "FP_ASIMD: floating point or SIMD access",
	[EC_ILL] = "ILL: illegal execution state",
	[EC_SVC64] = "SVC64: supervisor call",
	[EC_HVC64] = "HVC64: hypervisor call",
	[EC_SMC64] = "SMC64: secure monitor call",
	[EC_SYS64] = "SYS64: MSR, MRS or system instruction",
	[EC_SVE] = "SVE: SVE access",
	[EC_IABT_LOW] = "IABT_LOW: instruction abort from a lower EL (stage-2 fault)",
	[EC_IABT_CUR] = "IABT_CUR: instruction abort at EL2",
	[EC_PC_ALIGN] = "PC_ALIGN: PC alignment fault",
	[EC_DABT_LOW] = "DABT_LOW: data abort from a lower EL (stage-2 fault)",
	[EC_DABT_CUR] = "DABT_CUR: data abort at EL2",
	[EC_SP_ALIGN] = "SP_ALIGN: SP alignment fault",
	[EC_FP_EXC64] = "FP_EXC64: floating-point exception",
	[EC_SERROR] = "SERROR: SError interrupt",
	[EC_BREAKPT_LOW] = "BREAKPT_LOW: breakpoint from a lower EL",
	[EC_SOFTSTP_LOW] = "SOFTSTP_LOW: software step from a lower EL",
	[EC_WATCHPT_LOW] = "WATCHPT_LOW: watchpoint from a lower EL",
	[EC_BRK64] = "BRK64: BRK instruction",
};

const char *esr_class_name(u64 ec)
{
	if (ec < ARRAY_SIZE(class_names) && class_names[ec])
		return class_names[ec];
	return "(not decoded here)";
}

/* DFSC/IFSC: the kind of fault and the translation table level. */
static void print_fault_status(u64 fsc)
{
	static const char *const kinds[] = {
		"address size fault", "translation fault", "access flag fault",
		"permission fault",
	};

	if (fsc < 16)
		printf("%s, level %lu", kinds[fsc >> 2], fsc & 3);
	else if (fsc == 0x10)
		printf("synchronous external abort");
	else if (fsc == 0x21)
		printf("alignment fault");
	else
		printf("status 0x%lx", fsc);
}

static void print_abort(u64 esr)
{
	u64 iss = ESR_ISS(esr);

	printf("hv:   ISS=0x%lx:", iss);
	if (iss & DABT_ISV)
		printf(" ISV=1 SAS=%lu (%u-byte) SSE=%u SRT=x%lu SF=%u AR=%u",
		       DABT_SAS(iss), 1u << DABT_SAS(iss), !!(iss & DABT_SSE),
		       DABT_SRT(iss), !!(iss & DABT_SF), !!(iss & DABT_AR));
	else
		printf(" ISV=0 (no instruction syndrome: cannot be emulated)");
	if (ESR_EC(esr) == EC_DABT_LOW)
		printf(" WnR=%u (%s)", !!(iss & DABT_WNR), iss & DABT_WNR ? "write" : "read");
	printf(" S1PTW=%u\nhv:   FSC=0x%lx: ", !!(iss & DABT_S1PTW), DABT_DFSC(iss));
	print_fault_status(DABT_DFSC(iss));
	u64 hpfar = read_sysreg(hpfar_el2), far = read_sysreg(far_el2);
	printf("\nhv:   FAR_EL2=0x%lx HPFAR_EL2=0x%lx -> IPA 0x%lx\n", far, hpfar,
	       (FIELD(hpfar, 43, 4) << 12) | (far & (PAGE_SIZE - 1)));
}

static void print_sysreg(u64 esr)
{
	u64 iss = ESR_ISS(esr);

	printf("hv:   ISS=0x%lx: %s S%lu_%lu_C%lu_C%lu_%lu, Rt=x%lu\n", iss,
	       iss & SYS64_DIR_READ ? "MRS (read)" : "MSR (write)", SYS64_OP0(iss),
	       SYS64_OP1(iss), SYS64_CRN(iss), SYS64_CRM(iss), SYS64_OP2(iss), SYS64_RT(iss));
}

static void print_registers(const struct arm64_regs *r)
{
	for (unsigned i = 0; i < 31; i++)
		printf("%sx%-2u=0x%016lx%s", i % 4 == 0 ? "hv:   " : " ", i, r->x[i],
		       i % 4 == 3 || i == 30 ? "\n" : "");
	printf("hv:   ELR_EL2=0x%lx (guest PC) SPSR_EL2=0x%lx\n", r->elr_el2, r->spsr_el2);
}

void arch_report_exit(struct vcpu *vcpu, const struct exit *e)
{
	static const char *const vectors[] = {
		[VEC_SYNC] = "synchronous", [VEC_IRQ] = "IRQ",
		[VEC_FIQ] = "FIQ", [VEC_SERROR] = "SError",
	};
	u64 esr = e->syndrome, ec = ESR_EC(esr);

	printf("hv:   exception: %s, from EL1\n", vectors[vcpu->arch.exit_vector & 3]);
	printf("hv:   ESR_EL2=0x%lx EC=0x%lx %s, IL=%u\n", esr, ec, esr_class_name(ec),
	       !!(esr & ESR_IL));
	if (ec == EC_DABT_LOW || ec == EC_IABT_LOW)
		print_abort(esr);
	else if (ec == EC_SYS64)
		print_sysreg(esr);
	print_registers(&vcpu->arch.regs);
}
