/* CPU multiplexing: round robin on the boot CPU. Every switch starts a fresh
 * time slice on the hypervisor's timer; a vCPU that runs alone needs no tick
 * at all. One VM may have several vCPUs, vCPU n pinned to physical CPU n:
 * the boot CPU runs every VM's vCPU 0, CPU n only vCPU n of that VM, and
 * waits while it is off. A vCPU waiting in WFI for an interrupt is passed
 * over until it has one (arch_vcpu_has_work); a CPU with nothing to run
 * waits for an interrupt itself. When no VM is left, and every other CPU
 * has left its guest and finished what it was saying, the run ends with the
 * exit statistics. A scenario may choose real-time reservations scheduled
 * by EDF instead (sched_edf.c): then the two functions at the end hand
 * over to it. */
#include "sched.h"
#include "arch.h"
#include "config.h"
#include "console.h"
#include "stats.h"
#include "vm.h"

/* The VM whose vCPU n runs on CPU n > 0: the one with several vCPUs. */
static struct vm *pinned_vm(void)
{
	for (unsigned i = 0; i < vm_count; i++)
		if (vms[i].vcpu_count > 1)
			return &vms[i];
	return &vms[0];
}

/* A vCPU the scheduler may run: on, and not waiting in WFI for an
 * interrupt that has not come. */
static bool ready(struct vcpu *v)
{
	if (!v->runnable || (v->halted && !arch_vcpu_has_work(v)))
		return false;
	v->halted = false;
	return true;
}

static unsigned runnable_count(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < vm_count; i++)
		n += vms[i].vcpus[0].runnable;
	return n;
}

static bool all_vms_stopped(void)
{
	for (unsigned i = 0; i < vm_count; i++)
		if (!vms[i].stopped)
			return false;
	return true;
}

static struct vcpu *start_slice(struct vcpu *vcpu)
{
	if (runnable_count() > 1)
		arch_timer_arm(TIME_SLICE_US);
	else
		arch_timer_disarm();
	return vcpu;
}

/* CPU n > 0 is parked: out of any guest, waiting for its vCPU to be on. */
static volatile bool parked[VM_MAX_VCPUS];

_Noreturn void sched_all_stopped(void)
{
	for (unsigned cpu = 1; cpu < vm_max_vcpus(); cpu++)
		while (!__atomic_load_n(&parked[cpu], __ATOMIC_ACQUIRE)) {
			arch_vcpu_kick(&pinned_vm()->vcpus[cpu]);	/* again: a guest may have hidden it */
			arch_cpu_wait();	/* e.g. still printing its VM's stop report */
		}
	printf("hv: all VMs stopped\n");
	stats_report();
	printf("hv: powering off\n");
	arch_power_off();
}

/* A secondary CPU with nothing left to run, under any policy: parked for good. */
_Noreturn void sched_park(unsigned cpu)
{
	__atomic_store_n(&parked[cpu], true, __ATOMIC_RELEASE);
	arch_cpu_wake_all();
	for (;;)
		arch_cpu_wait();
}

bool sched_cpu_parked(unsigned cpu)
{
	return __atomic_load_n(&parked[cpu], __ATOMIC_ACQUIRE);
}

/* A secondary CPU: its own vCPU when that is on; else wait for CPU_ON. */
static struct vcpu *pinned_vcpu(unsigned cpu)
{
	struct vcpu *v = &pinned_vm()->vcpus[cpu];

	for (;;) {
		if (!__atomic_load_n(&v->runnable, __ATOMIC_ACQUIRE)) {
			__atomic_store_n(&parked[cpu], true, __ATOMIC_RELEASE);
			arch_cpu_wake_all();
			while (!__atomic_load_n(&v->runnable, __ATOMIC_ACQUIRE))
				arch_cpu_wait();	/* woken by CPU_ON; parks for good once the VM stops */
			__atomic_store_n(&parked[cpu], false, __ATOMIC_RELAXED);
		}
		if (ready(v))
			return v;
		arch_cpu_idle();		/* in WFI: until an interrupt comes for it */
	}
}

/* The boot CPU: the next VM's vCPU 0 after `start`, round robin. */
static struct vcpu *next_on_boot_cpu(unsigned start)
{
	for (;;) {
		for (unsigned i = 1; i <= vm_count; i++) {
			struct vcpu *v = &vms[(start + i) % vm_count].vcpus[0];
			if (ready(v))
				return start_slice(v);
		}
		if (all_vms_stopped())
			sched_all_stopped();
		arch_cpu_idle();	/* every vCPU 0 off or in WFI: until an interrupt (or a kick) */
	}
}

struct vcpu *sched_next(struct vcpu *current)
{
	unsigned cpu = arch_cpu_id();

	if (sched_policy == SCHED_EDF)
		return edf_next(current);

	return cpu ? pinned_vcpu(cpu) : next_on_boot_cpu(current->vm->id);
}

struct vcpu *sched_first(void)
{
	unsigned cpu = arch_cpu_id();

	if (sched_policy == SCHED_EDF)
		return edf_next(NULL);

	if (cpu)
		return pinned_vcpu(cpu);
	if (vm_count == 0)
		sched_all_stopped();
	return start_slice(&vms[0].vcpus[0]);
}
