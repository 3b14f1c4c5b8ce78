/* busy-exits: two-guests' test of time slicing, with a guest that exits all
 * the time: every turn of its spin loop reads the UART's status register,
 * which traps. A timer tick that lands while the hypervisor is handling one
 * of those exits must still end the slice (on AMD-V the host takes the
 * PIT's interrupt on its way out of the guest: arch_x86_64/vcpu.c). */
#include "guest.h"

#define ROUNDS		4
#define ROUND_MS	30	/* counter time spent spinning per round */

static u64 reads;

static void read_uart_status(void)
{
	reads += uart_status() != 0;	/* an exit every turn */
}

int main(void)
{
	u64 id = (u64)hypercall(HC_VM_ID, 0, 0, 0), gaps = 0;

	for (int round = 0; round < ROUNDS; round++) {
		gaps += spin_counting_gaps(ROUND_MS, read_uart_status);
		printf("VM %lu: round %d done after %lu UART reads\n", id, round, reads);
	}
	check(reads > 0, "the UART's status register reads back");
	check(gaps > 0, "the CPU was taken away %lu times while this VM spun and exited", gaps);
	return summary();
}
