/* Exit statistics: how often each VM left guest mode, and why. The table is
 * the hypervisor's own account of what trap-and-emulate cost each guest.
 * Each vCPU counts its own exits (no two CPUs share a counter); a VM's row
 * is their sum. */
#include "stats.h"
#include "console.h"
#include "vm.h"

void stats_report(void)
{
	printf("hv: exit statistics\n");
	printf("hv:   %-12s", "vm");
	for (unsigned k = 0; k < EXIT_KIND_COUNT; k++)
		printf(" %10s", exit_kind_name(k));
	printf(" %10s\n", "total");

	for (unsigned i = 0; i < vm_count; i++) {
		u64 total = 0;

		printf("hv:   %-12s", vms[i].name);
		for (unsigned k = 0; k < EXIT_KIND_COUNT; k++) {
			u64 n = 0;
			for (unsigned c = 0; c < vms[i].vcpu_count; c++)
				n += vms[i].vcpus[c].exits[k];
			printf(" %10lu", n);
			total += n;
		}
		printf(" %10lu\n", total);
	}
}

/* Where the counters live, for a reader outside the machine: when a guest
 * stops printing, the harness reads them through QEMU's monitor (physical
 * memory, which the hypervisor maps 1:1) and shows them with the failure.
 * Order: see harness/inspect.py. */
const u64 stats_layout[] = {
	(u64)vms, (u64)&vm_count, sizeof(struct vm), __builtin_offsetof(struct vm, vcpus),
	__builtin_offsetof(struct vm, vcpu_count), sizeof(struct vcpu),
	__builtin_offsetof(struct vcpu, exits), EXIT_KIND_COUNT,
};
