/* two-guests: run in two VMs at once on one CPU. Neither yields: they spin,
 * and only the hypervisor's timer can take the CPU from one to give it to
 * the other. Each VM also checks that its memory is its own, although both
 * use the very same guest-physical addresses. */
#include "guest.h"

#define ROUNDS		4
#define ROUND_MS	30	/* counter time spent spinning per round */

static volatile u64 marker;	/* same address in both VMs, different RAM */

int main(void)
{
	u64 id = (u64)hypercall(HC_VM_ID, 0, 0, 0), gaps = 0;

	marker = 0x600d0000 + id;
	printf("VM %lu: marker at %p set to 0x%lx\n", id, (void *)&marker, marker);
	for (int round = 0; round < ROUNDS; round++) {
		gaps += spin_counting_gaps(ROUND_MS, NULL);
		printf("VM %lu: round %d done, marker 0x%lx\n", id, round, marker);
	}
	check(marker == 0x600d0000 + id, "marker unchanged: the other VM cannot see this memory");
	check(gaps > 0, "the CPU was taken away %lu times while this VM spun", gaps);
	return summary();
}
