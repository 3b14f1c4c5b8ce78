/* world-switch-bench: what a world switch costs, measured by the guests.
 * Two VMs hand the CPU to each other with HC_YIELD; VM 0 times the round
 * trip (its yield, the switch to VM 1, VM 1's yield, the switch back: two
 * hypercall exits and two world switches). Read by ./lab bench
 * (harness/bench.py) on every target that shares one CPU between VMs. */
#include "guest.h"

#define WARMUP		100	/* both VMs past their start-up */
#define ITERATIONS	2000

int main(void)
{
	u64 id = (u64)hypercall(HC_VM_ID, 0, 0, 0);

	for (int i = 0; i < WARMUP; i++)
		hypercall(HC_YIELD, 0, 0, 0);
	if (id != 0) {		/* the partner: keep yielding until VM 0 is done */
		for (int i = 0; i < ITERATIONS + WARMUP; i++)
			hypercall(HC_YIELD, 0, 0, 0);
		return summary();
	}
	u64 start = counter_read();
	for (int i = 0; i < ITERATIONS; i++)
		hypercall(HC_YIELD, 0, 0, 0);
	u64 ticks = counter_read() - start;
	printf("BENCH: world_switch_roundtrip ticks=%lu iterations=%u freq=%lu\n", ticks,
	       ITERATIONS, counter_freq());
	return summary();
}
