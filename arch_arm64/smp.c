/* Secondary physical CPUs: the hypervisor starts them itself, with a real
 * PSCI CPU_ON to the machine's firmware (QEMU's, by SMC), each on its own
 * EL2 stack; they come up in boot.S at secondary_entry. A CPU waits with
 * WFE until another one signals (SEV) that its vCPU was switched on. */
#include "arch.h"
#include "config.h"
#include "console.h"
#include "gic.h"
#include "mm.h"
#include "psci.h"
#include "sysreg.h"
#include "vm.h"

#define CACHE_LINE		64

extern char __stack_top[];
extern char secondary_entry[];		/* boot.S */

u64 arm64_stack_top[HV_MAX_CPUS];		/* the EL2 stack each CPU's exits start on */

unsigned arch_cpu_id(void)
{
	return (unsigned)FIELD(read_sysreg(mpidr_el1), 7, 0);	/* Aff0 */
}

void arch_cpu_wait(void)
{
	__asm__ volatile("wfe" : : : "memory");
}

void arch_cpu_wake_all(void)
{
	dsb(ish);
	__asm__ volatile("sev");
}

/* The new CPU writes its stack with the MMU (and so its caches) still off:
 * push our lines of it to memory first. */
static void clean_to_poc(u64 start, u64 end)
{
	for (u64 a = start & ~(u64)(CACHE_LINE - 1); a < end; a += CACHE_LINE)
		__asm__ volatile("dc civac, %0" : : "r"(a) : "memory");
	dsb(sy);
}

void arch_cpus_start(unsigned count)
{
	arm64_stack_top[0] = (u64)__stack_top;
	if (count > HV_MAX_CPUS)
		panic("%u CPUs wanted, at most %u", count, HV_MAX_CPUS);
	for (unsigned cpu = 1; cpu < count; cpu++) {
		u64 stack = (u64)mm_alloc(HV_STACK_SIZE, PAGE_SIZE);

		arm64_stack_top[cpu] = stack + HV_STACK_SIZE;
		clean_to_poc(stack, stack + HV_STACK_SIZE);
		clean_to_poc((u64)arm64_stack_top, (u64)(arm64_stack_top + HV_MAX_CPUS));
		s64 r = (s64)psci_firmware_call(PSCI_CPU_ON, cpu, (u64)secondary_entry,
						arm64_stack_top[cpu]);
		if (r != PSCI_SUCCESS)
			panic("PSCI CPU_ON of CPU %u failed (%ld): does QEMU run with -smp %u?",
			      cpu, r, count);
	}
	if (count > 1)
		printf("hv: %u physical CPUs up\n", count);
}

void arch_vcpu_kick(struct vcpu *vcpu)
{
	gic_kick(vcpu->id);	/* vCPU n runs on CPU n */
}
