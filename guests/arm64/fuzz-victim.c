/* fuzz-victim: the VM beside the fuzzer. It holds values in registers of
 * every class the world switch carries and a block of memory, and after
 * each time slice of the fuzzer's (it yields the CPU to it) checks that nothing of it changed and
 * that the hypervisor still answers it, for as long as the fuzzer runs.
 * It must finish. */
#include "guest.h"

#define GAP_US		5	/* a yield that took longer: the fuzzer ran meanwhile */
#define CPACR_FPEN_ALL	(3ULL << 20)

WS_ACCESSORS(tpidr_el1)
WS_ACCESSORS(contextidr_el1)
WS_ACCESSORS(cntp_cval_el0)
WS_ACCESSORS(cntv_cval_el0)
WS_ACCESSORS(cntkctl_el1)
WS_ACCESSORS(icc_pmr_el1)
WS_ACCESSORS(icc_bpr1_el1)
WS_ACCESSORS(par_el1)
WS_ACCESSORS(mair_el1)

static const struct ws_register regs[] = {	/* value[1]: this VM's */
	WS_REGISTER(tpidr_el1, 0, 0x71c71c71c71c71c7, ~0ULL),
	WS_REGISTER(contextidr_el1, 0, 0x5a5a, MASK(31, 0)),
	WS_REGISTER(cntp_cval_el0, 0, 0x7777000000000000, ~0ULL),
	WS_REGISTER(cntv_cval_el0, 0, 0x7778000000000000, ~0ULL),
	WS_REGISTER(cntkctl_el1, 0, 0x3, MASK(9, 0)),
	WS_REGISTER(icc_pmr_el1, 0, 0xe8, 0xf8),
	WS_REGISTER(icc_bpr1_el1, 0, 5, MASK(2, 0)),
	WS_REGISTER(par_el1, 0, 0x4400000012345000, ~0ULL),
	WS_REGISTER(mair_el1, 0, 0x44ff04000c44bbff, ~0ULL),
};

static u64 v0 = 0x0123456789abcdefULL;

static unsigned fp_changed(void)
{
	u64 v0_back;

	__asm__ volatile("fmov %0, d0" : "=r"(v0_back));
	return v0_back != v0;
}

int main(void)
{
	sysreg_write(cpacr_el1, CPACR_FPEN_ALL);
	__asm__ volatile("fmov d0, %0" : : "r"(v0));
	return fuzz_victim("system, timer, GIC, FP", regs, ARRAY_SIZE(regs), fp_changed, GAP_US);
}
