/* CPU multiplexing: round robin. Every switch starts a fresh time slice on
 * the hypervisor's timer; a vCPU that runs alone needs no tick at all. When
 * no vCPU is left, the run ends with the exit statistics. */
#include "sched.h"
#include "arch.h"
#include "config.h"
#include "console.h"
#include "stats.h"
#include "vm.h"

static unsigned runnable_count(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < vm_count; i++)
		n += vms[i].vcpu.runnable;
	return n;
}

static struct vcpu *start_slice(struct vcpu *vcpu)
{
	if (runnable_count() > 1)
		arch_timer_arm(TIME_SLICE_US);
	else
		arch_timer_disarm();
	return vcpu;
}

_Noreturn static void all_stopped(void)
{
	printf("hv: all VMs stopped\n");
	stats_report();
	printf("hv: powering off\n");
	arch_power_off();
}

struct vcpu *sched_next(struct vcpu *current)
{
	unsigned start = current->vm->id;

	for (unsigned i = 1; i <= vm_count; i++) {
		struct vcpu *v = &vms[(start + i) % vm_count].vcpu;
		if (v->runnable)
			return start_slice(v);
	}
	all_stopped();
}

struct vcpu *sched_first(void)
{
	if (vm_count == 0)
		all_stopped();
	return start_slice(&vms[0].vcpu);
}
