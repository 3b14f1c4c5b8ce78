/* Secondary physical CPUs: the hypervisor starts them itself, with a real
 * PSCI CPU_ON to the machine's firmware (QEMU's, by SMC), each on its own
 * EL2 stack; they come up in boot.S at secondary_entry. A CPU waits with
 * WFE until another one signals (SEV), e.g. that its vCPU was switched on.
 * A CPU whose vCPUs all wait in WFI waits in WFI itself (arch_cpu_idle):
 * for an interrupt, such as another CPU's kick (an interrupt for one of
 * them, or CPU_ON), typed input, or the EL2 timer, set for when the first
 * of them has a timer due; under -icount,sleep=off QEMU then jumps
 * straight to that time. */
#include "arch.h"
#include "config.h"
#include "console.h"
#include "gic.h"
#include "mm.h"
#include "psci.h"
#include "sysreg.h"
#include "vgic.h"
#include "vm.h"

#define CACHE_LINE		64

extern char __stack_top[];
extern char secondary_entry[];		/* boot.S */

u64 arm64_stack_top[HV_MAX_CPUS];		/* the EL2 stack each CPU's exits start on */

unsigned arch_cpu_id(void)
{
	return (unsigned)FIELD(read_sysreg(mpidr_el1), 7, 0);	/* Aff0 */
}

struct vcpu *arm64_loaded_vcpu(void);					/* vcpu.c */
enum exit_kind arm64_host_interrupt(struct vcpu *vcpu, u32 intid);	/* trap.c */

/* The first timer due among this CPU's vCPUs that wait in WFI (vCPU n
 * runs on CPU n), but the loaded one, whose timer interrupts by itself. */
static u64 first_wake(unsigned cpu)
{
	struct vcpu *here = arm64_loaded_vcpu();
	u64 when = ~0ULL;

	for (unsigned i = 0; i < vm_count; i++) {
		struct vcpu *v = &vms[i].vcpus[cpu];
		if (cpu < vms[i].vcpu_count && vms[i].irqchip && v->runnable && v->halted && v != here) {
			u64 t = vgic_wake_time(v);
			when = t < when ? t : when;
		}
	}
	return when;
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

void arch_cpu_idle(void)
{
	u64 wake = first_wake(arch_cpu_id());
	u32 intid;

	if (wake != ~0ULL)
		arch_timer_arm_at(wake);
	__asm__ volatile("dsb sy; wfi" : : : "memory");
	while ((intid = gic_acknowledge()) != GIC_INTID_SPURIOUS)
		arm64_host_interrupt(arm64_loaded_vcpu(), intid);
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
