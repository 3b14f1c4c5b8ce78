/* world-switch-general: x0-x28, the condition flags (NZCV) and SP hold
 * this VM's values while it spins, preempted by the other VM, which holds
 * its own (vectors.S saves and restores them on every exit). */
#include "guest.h"

#define ROUNDS		3
#define GAP_US		500
#define REGS		29		/* x0-x28 */
#define NZCV_SLOT	29
#define SP_SLOT		30

void fill_wait_dump(const u64 *in, u64 *out, u64 gap_ticks);	/* world-switch-general.S */

static u64 pattern(u64 id, unsigned n)
{
	return 0x5a00000000000000ULL | (id + 1) << 40 | (u64)n << 8 | (0xa0 + id);
}

int main(void)
{
	u64 id = (u64)hypercall(HC_VM_ID, 0, 0, 0) & 1, in[2][31], out[31];
	u64 gap = GAP_US * counter_freq() / 1000000;
	unsigned lost = 0, foreign = 0;

	for (u64 vm = 0; vm < 2; vm++) {
		for (unsigned n = 0; n < REGS; n++)
			in[vm][n] = pattern(vm, n);
		in[vm][NZCV_SLOT] = vm ? 0x60000000 : 0x90000000;	/* Z C : N V */
	}
	for (unsigned round = 0; round < ROUNDS; round++) {
		u64 sp;

		__asm__ volatile("mov %0, sp" : "=r"(sp));
		fill_wait_dump(in[id], out, gap);
		for (unsigned n = 0; n <= NZCV_SLOT; n++) {
			if (out[n] == in[id][n])
				continue;
			printf("VM %lu: %s%u reads 0x%lx\n", id, n < REGS ? "x" : "NZCV ", n, out[n]);
			if (out[n] == in[id ^ 1][n])
				foreign++;
			else
				lost++;
		}
		lost += out[SP_SLOT] >= sp;	/* SP: below the caller's, in this VM's stack */
	}
	spin_ms(WS_LINGER_MS);
	check(lost == 0 && foreign == 0, "x0-x28, NZCV and SP kept VM %lu's values over %u preemptions",
	      id, ROUNDS);
	check(foreign == 0, "no general register ever showed the other VM's value");
	return summary();
}
