/* busy-exits: two-guests' test of time slicing, with a guest that exits all
 * the time: every turn of its spin loop reads the UART's status register,
 * which traps. A timer tick that lands while the hypervisor is handling one
 * of those exits must still end the slice (on AMD-V the host takes the
 * PIT's interrupt on its way out of the guest: arch_x86_64/vcpu.c). */
#include "guest.h"

#define ROUNDS		4
#define ROUND_MS	30	/* counter time spent spinning per round */
#define GAP_US		500	/* a gap this long between two reads: we were off the CPU */

int main(void)
{
	u64 id = (u64)hypercall(HC_VM_ID, 0, 0, 0);
	u64 freq = counter_freq(), gap_ticks = GAP_US * freq / 1000000, gaps = 0, reads = 0;

	for (int round = 0; round < ROUNDS; round++) {
		u64 start = counter_read(), last = start, now;

		while ((now = counter_read()) - start < ROUND_MS * freq / 1000) {
			if (now - last > gap_ticks)
				gaps++;
			last = now;
			reads += uart_status() != 0;	/* an exit every turn */
		}
		printf("VM %lu: round %d done after %lu UART reads\n", id, round, reads);
	}
	check(reads > 0, "the UART's status register reads back");
	check(gaps > 0, "the CPU was taken away %lu times while this VM spun and exited", gaps);
	return summary();
}
