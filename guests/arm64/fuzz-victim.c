/* fuzz-victim: the VM beside the fuzzer. It holds values in registers of
 * every class the world switch carries and a block of memory, and after
 * each time slice of the fuzzer's (it yields the CPU to it) checks that nothing of it changed and
 * that the hypervisor still answers it, for as long as the fuzzer runs.
 * It must finish. */
#include "guest.h"

#define GAP_US		5	/* a yield that took longer: the fuzzer ran meanwhile */
#define ALONE_YIELDS	100	/* this many quick yields in a row: the fuzzer is gone */
#define BLOCK_WORDS	256
#define CPACR_FPEN_ALL	(3ULL << 20)

static u64 block[BLOCK_WORDS];

static u64 block_sum(void)
{
	u64 sum = 0;

	for (unsigned i = 0; i < BLOCK_WORDS; i++)
		sum = sum * 31 + block[i];
	return sum;
}

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

int main(void)
{
	unsigned rounds = 0, changed = 0, wrong_answers = 0;
	u64 v0 = 0x0123456789abcdefULL, v0_back;

	sysreg_write(cpacr_el1, CPACR_FPEN_ALL);
	__asm__ volatile("fmov d0, %0" : : "r"(v0));
	for (unsigned i = 0; i < BLOCK_WORDS; i++)
		block[i] = 0x9e3779b97f4a7c15ULL * (i + 1);
	u64 sum = block_sum();
	for (unsigned i = 0; i < ARRAY_SIZE(regs); i++)
		regs[i].write(regs[i].value[1]);

	u64 gap = GAP_US * counter_freq() / 1000000;
	for (unsigned quick = 0; quick < ALONE_YIELDS;) {	/* until the fuzzer is gone */
		u64 start = counter_read();

		hypercall(HC_YIELD, 0, 0, 0);			/* the fuzzer's turn */
		if (counter_read() - start <= gap) {
			quick++;
			continue;
		}
		quick = 0;
		rounds++;
		for (unsigned i = 0; i < ARRAY_SIZE(regs); i++)
			if ((regs[i].read() & regs[i].mask) != (regs[i].value[1] & regs[i].mask)) {
				printf("%s changed: 0x%lx\n", regs[i].name, regs[i].read());
				changed++;
			}
		__asm__ volatile("fmov %0, d0" : "=r"(v0_back));
		changed += v0_back != v0;
		changed += block_sum() != sum;
		wrong_answers += hypercall(HC_ECHO, rounds, 2, 3) != (s64)(rounds + 13);
	}
	printf("victim: %u time slices of the other VM's survived\n", rounds);
	check(rounds > 0, "the fuzzer ran beside this VM");
	check(changed == 0, "its registers (system, timer, GIC, FP) and memory never changed");
	check(wrong_answers == 0, "every hypercall answered correctly");
	return summary();
}
