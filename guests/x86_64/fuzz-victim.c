/* fuzz-victim: the VM beside the fuzzer. It holds values in registers of
 * the classes the world switch carries (XMM, MXCSR, DR0-DR3, DR6, CR8) and
 * a block of memory, and after each time slice of the fuzzer's (it yields
 * the CPU to it) checks that nothing of it changed and that the hypervisor
 * still answers it, for as long as the fuzzer runs. It must finish. */
#include "guest.h"

#define GAP_US		50	/* a yield that took longer: the fuzzer ran meanwhile (a yield
				 * alone is far shorter, at 50 MHz too: Bochs) */
#define ALONE_YIELDS	100	/* this many quick yields in a row: the fuzzer is gone */
#define BLOCK_WORDS	256

static u64 block[BLOCK_WORDS];

static u64 block_sum(void)
{
	u64 sum = 0;

	for (unsigned i = 0; i < BLOCK_WORDS; i++)
		sum = sum * 31 + block[i];
	return sum;
}

#define ACCESSORS(name, read, write) \
	static u64 read_##name(void) { u64 v; __asm__ volatile(read : "=r"(v)); return v; } \
	static void write_##name(u64 v) { __asm__ volatile(write : : "r"(v)); }
ACCESSORS(xmm3, "movq %%xmm3, %0", "movq %0, %%xmm3")	/* the fuzzer's own XMM */
ACCESSORS(xmm9, "movq %%xmm9, %0", "movq %0, %%xmm9")
ACCESSORS(dr0, "mov %%dr0, %0", "mov %0, %%dr0")
ACCESSORS(dr2, "mov %%dr2, %0", "mov %0, %%dr2")
ACCESSORS(dr6, "mov %%dr6, %0", "mov %0, %%dr6")
ACCESSORS(cr8, "mov %%cr8, %0", "mov %0, %%cr8")
static u64 read_mxcsr(void) { u32 v; __asm__ volatile("stmxcsr %0" : "=m"(v)); return v; }
static void write_mxcsr(u64 v) { u32 w = (u32)v; __asm__ volatile("ldmxcsr %0" : : "m"(w)); }

static const struct ws_register regs[] = {	/* value[1]: this VM's */
	WS_REGISTER(xmm3, 0, 0x71c71c71c71c71c7ULL, ~0ULL),
	WS_REGISTER(xmm9, 0, 0x0123456789abcdefULL, ~0ULL),
	WS_REGISTER(mxcsr, 0, 0x5f80, 0xffff),
	WS_REGISTER(dr0, 0, 0x7f0030000000ULL, ~0ULL),
	WS_REGISTER(dr2, 0, 0x7f0040000008ULL, ~0ULL),
	WS_REGISTER(dr6, 0, 0xffff0ff4ULL, 0xf),
	WS_REGISTER(cr8, 0, 7, 0xf),
};

int main(void)
{
	unsigned rounds = 0, changed = 0, wrong_answers = 0;

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
		changed += block_sum() != sum;
		wrong_answers += hypercall(HC_ECHO, rounds, 2, 3) != (s64)(rounds + 13);
	}
	printf("victim: %u time slices of the other VM's survived\n", rounds);
	check(rounds > 0, "the fuzzer ran beside this VM");
	check(changed == 0, "its registers (XMM, MXCSR, debug, CR8) and memory never changed");
	check(wrong_answers == 0, "every hypercall answered correctly");
	return summary();
}
