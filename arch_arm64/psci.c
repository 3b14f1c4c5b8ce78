/* PSCI, the Arm firmware interface for power: a guest's SMC traps to EL2
 * (HCR_EL2.TSC) and is answered here, as firmware would: version and
 * features, switching the VM's vCPUs on and off (each pinned to its own
 * physical CPU), and powering the VM off. The hypervisor itself calls the
 * machine's firmware (QEMU's) with a real SMC. */
#include "arch.h"
#include "exit.h"
#include "psci.h"
#include "vm.h"

#define MPIDR_AFF_MASK		0xff00ffffffULL	/* Aff3, Aff2, Aff1, Aff0 */
#define MPIDR_AFF_MASK_32	0x00ffffffULL	/* SMC32 calls: no Aff3 */

/* One CPU at a time switches vCPUs on and off, so that CPU_ON and CPU_OFF
 * of the same VM, on two CPUs, agree on which vCPUs are on. */
static bool power_lock;

static void lock(void)
{
	while (__atomic_test_and_set(&power_lock, __ATOMIC_ACQUIRE))
		;
}

static void unlock(void)
{
	__atomic_clear(&power_lock, __ATOMIC_RELEASE);
}

u64 psci_firmware_call(u64 function, u64 a1, u64 a2, u64 a3)
{
	register u64 x0 __asm__("x0") = function;
	register u64 x1 __asm__("x1") = a1;
	register u64 x2 __asm__("x2") = a2;
	register u64 x3 __asm__("x3") = a3;

	__asm__ volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory");
	return x0;
}

_Noreturn void arch_power_off(void)
{
	psci_firmware_call(PSCI_SYSTEM_OFF, 0, 0, 0);
	for (;;)
		__asm__ volatile("wfi");
}

/* The vCPU of `vm` whose MPIDR_EL1 (VMPIDR_EL2) has affinity `mpidr`; NULL
 * if there is none, or if a bit outside the affinity fields is set (those
 * are reserved in a PSCI target_cpu: DEN 0022, 5.1.4). */
static struct vcpu *vcpu_by_mpidr(struct vm *vm, u64 mpidr, u64 aff_mask)
{
	if (mpidr & ~aff_mask)
		return NULL;
	for (unsigned i = 0; i < vm->vcpu_count; i++)
		if ((vm->vcpus[i].arch.vmpidr_el2 & aff_mask) == mpidr)
			return &vm->vcpus[i];
	return NULL;
}

/* CPU_ON: the vCPU starts at `entry` with x0 = `context`, as after a reset.
 * Its own CPU, which waits for exactly this (sched.c), does the reset
 * (arch.pending, vcpu.c) before it enters the guest. */
static s64 cpu_on(struct vm *vm, u64 mpidr, u64 aff_mask, u64 entry, u64 context)
{
	struct vcpu *v = vcpu_by_mpidr(vm, mpidr, aff_mask);
	s64 r = PSCI_SUCCESS;

	if (!v)
		return PSCI_INVALID_PARAMETERS;
	lock();
	if (v->runnable) {
		r = PSCI_ALREADY_ON;
	} else {
		v->arch.reset_entry = entry;
		v->arch.reset_context = context;
		__atomic_fetch_or(&v->arch.pending, PENDING_RESET, __ATOMIC_RELEASE);
		__atomic_store_n(&v->runnable, true, __ATOMIC_RELEASE);
		arch_cpu_wake_all();	/* a parked CPU */
		arch_vcpu_kick(v);	/* the boot CPU may idle in WFI (vCPU 0) */
	}
	unlock();
	return r;
}

/* CPU_OFF: the calling vCPU stops; hv/exit.c lets the scheduler take its CPU.
 * A VM whose last vCPU goes off has nothing left to run: it ends. */
static void cpu_off(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	bool any_on = false;

	lock();
	vcpu->runnable = false;
	for (unsigned i = 0; i < vm->vcpu_count; i++)
		any_on |= vm->vcpus[i].runnable;
	unlock();
	if (!any_on)
		vm_stop(vm, "every vCPU is off (PSCI CPU_OFF)");
}

static s64 affinity_info(struct vm *vm, u64 mpidr, u64 aff_mask)
{
	struct vcpu *v = vcpu_by_mpidr(vm, mpidr, aff_mask);

	if (!v)
		return PSCI_INVALID_PARAMETERS;
	return v->runnable ? PSCI_AFFINITY_ON : PSCI_AFFINITY_OFF;
}

static bool implemented(u32 function)
{
	switch (function) {
	case PSCI_VERSION: case PSCI_FEATURES: case PSCI_CPU_ON: case PSCI_CPU_ON_32:
	case PSCI_CPU_OFF: case PSCI_AFFINITY_INFO: case PSCI_AFFINITY_INFO_32:
	case PSCI_SYSTEM_OFF: case PSCI_SYSTEM_RESET:
		return true;
	default:
		return false;
	}
}

/* Returns true when the guest asked to be powered off. CPU_OFF leaves the
 * vCPU not runnable, and hv/exit.c lets the scheduler take its CPU;
 * SYSTEM_RESET starts the VM again (hv/vm.c). Every argument is the
 * guest's: each is checked before it is used. */
bool arch_firmware_call(struct vcpu *vcpu, struct exit *e)
{
	struct vm *vm = vcpu->vm;
	u64 *a = e->args;
	s64 r = PSCI_SUCCESS;

	switch ((u32)a[0]) {
	case PSCI_VERSION:
		r = PSCI_VERSION_1_0;
		break;
	case PSCI_FEATURES:
		r = implemented((u32)a[1]) ? PSCI_SUCCESS : PSCI_NOT_SUPPORTED;
		break;
	case PSCI_CPU_ON:
		r = cpu_on(vm, a[1], MPIDR_AFF_MASK, a[2], a[3]);
		break;
	case PSCI_CPU_ON_32:	/* SMC32: only the low 32 bits of each argument count */
		r = cpu_on(vm, (u32)a[1], MPIDR_AFF_MASK_32, (u32)a[2], (u32)a[3]);
		break;
	case PSCI_CPU_OFF:
		cpu_off(vcpu);
		break;
	case PSCI_AFFINITY_INFO:
		r = affinity_info(vm, a[1], MPIDR_AFF_MASK);
		break;
	case PSCI_AFFINITY_INFO_32:
		r = affinity_info(vm, (u32)a[1], MPIDR_AFF_MASK_32);
		break;
	case PSCI_SYSTEM_OFF:
		return true;
	case PSCI_SYSTEM_RESET:
		vm_reset(vm);
		return false;
	default:
		r = PSCI_NOT_SUPPORTED;
		break;
	}
	e->result = (u64)r;
	return false;
}
