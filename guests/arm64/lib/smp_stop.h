/* smp-stop-cpu0 and smp-stop-cpu1: a 2-vCPU VM in which one vCPU makes an
 * access outside its memory map while the other runs guest code that never
 * exits. The VM is stopped; the other vCPU must be taken out of the guest
 * (the hypervisor's kick, SGI 15) and the whole stop report printed before
 * the run ends. */
#include "guest.h"
#include "config.h"

#define STACK_WORDS	512
#define OUTSIDE_RAM	(GUEST_RAM_BASE + GUEST_RAM_SIZE)	/* nothing there */

static u64 smp_stop_stack[STACK_WORDS] __attribute__((aligned(16)));
static volatile u64 smp_stop_spins[2];

static void spin_forever(u64 cpu)	/* guest code with no exit at all */
{
	for (;;) {
		smp_stop_spins[cpu]++;
		cpu_relax();
	}
}

static void fault_when_other_spins(u64 cpu)
{
	while (smp_stop_spins[cpu ^ 1] < 1000)
		cpu_relax();
	(void)*(volatile u64 *)OUTSIDE_RAM;
}

static void secondary(u64 faulting_cpu)
{
	if (faulting_cpu == 1)
		fault_when_other_spins(1);
	spin_forever(1);
}

static inline int smp_stop(u64 faulting_cpu)
{
	static struct secondary ctx;

	ctx = (struct secondary){ (u64)(smp_stop_stack + STACK_WORDS), secondary, faulting_cpu };
	printf("vCPU %lu will read 0x%lx, outside RAM, while vCPU %lu runs without exits\n",
	       faulting_cpu, (u64)OUTSIDE_RAM, faulting_cpu ^ 1);
	if (smc_call(PSCI_CPU_ON, 1, (u64)secondary_entry, (u64)&ctx) != PSCI_SUCCESS)
		printf("FAIL: CPU_ON of vCPU 1\n");
	if (faulting_cpu == 0)
		fault_when_other_spins(0);
	spin_forever(0);
	return 1;
}
