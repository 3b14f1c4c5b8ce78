/* The world switch: everything a guest can see of the CPU at EL1 belongs to
 * one vCPU at a time. General registers travel through vectors.S on every
 * exit; the rest (EL1 system registers and timers, FP/SIMD, the GIC's
 * virtual CPU interface, debug registers once used, stage-2 tables) only
 * moves here, when the scheduler hands the CPU to another vCPU. The rule and
 * its table: docs/security.md. */
#include "arch.h"
#include "config.h"
#include "debug.h"
#include "gic.h"
#include "sched.h"
#include "sysreg.h"
#include "vgic.h"
#include "vm.h"

extern u64 arm64_stack_top[];				/* smp.c */
void fpsimd_save(struct fpsimd_state *s);		/* fpsimd.S */
void fpsimd_load(const struct fpsimd_state *s);

/* The architected reset state, as the vCPU leaves reset or PSCI CPU_ON
 * starts it: EL1h with interrupts masked, MMU and caches off, every other
 * EL1 register, timer, FP/SIMD and GIC register zero, no debug state. */
void arch_vcpu_init(struct vcpu *vcpu, u64 entry)
{
	struct arch_vcpu *a = &vcpu->arch;

	memset(a, 0, sizeof(*a));
	a->regs.elr_el2 = entry;
	a->regs.spsr_el2 = SPSR_M_EL1h | SPSR_DAIF;	/* EL1, interrupts masked */
	a->el1.sctlr_el1 = SCTLR_EL1_RES1;		/* MMU and caches off */
	debug_reset(&a->debug);
	a->vmpidr_el2 = MPIDR_RES1 | vcpu->id;		/* affinity 0.0.0.n */
}

void arch_vcpu_set_boot_arg(struct vcpu *vcpu, u64 value)
{
	vcpu->arch.regs.x[0] = value;
}

static void save_el1(struct el1_sysregs *s)
{
#define SAVE(reg) s->reg = read_sysreg(reg);
	EL1_SYSREGS(SAVE)
#undef SAVE
}

static void load_el1(const struct el1_sysregs *s)
{
#define LOAD(reg) write_sysreg(reg, s->reg);
	EL1_SYSREGS(LOAD)
#undef LOAD
}

/* The vCPU whose state is in each CPU's registers (it stays there while
 * the CPU waits for something to run). */
static struct vcpu *loaded[HV_MAX_CPUS];

/* Everything of `vcpu` that lives in the CPU's registers, onto this CPU. */
static void load_vcpu(struct vcpu *vcpu)
{
	struct arch_vcpu *a = &vcpu->arch;

	loaded[arch_cpu_id()] = vcpu;
	load_el1(&a->el1);
	fpsimd_load(&a->fp);
	gic_load_cpu(&a->gic);
	if (vcpu->vm->irqchip)
		vgic_load(vcpu);
	if (a->debug_in_use)
		debug_load(&a->debug);
	else
		debug_disable();
	write_sysreg(vmpidr_el2, a->vmpidr_el2);
	write_sysreg(vttbr_el2, vcpu->vm->arch.vttbr_el2);
	write_sysreg(hcr_el2, vcpu->vm->passthrough ? HCR_GUEST_ALONE : HCR_GUEST);	/* WFI traps */
	write_sysreg(mdcr_el2, (read_sysreg(mdcr_el2) & MDCR_HPMN_MASK) |
		     (a->debug_in_use ? MDCR_GUEST_DEBUG : MDCR_GUEST));
	isb();
}

/* ... and back into memory, when it leaves the CPU. */
static void save_vcpu(struct vcpu *vcpu)
{
	struct arch_vcpu *a = &vcpu->arch;

	save_el1(&a->el1);
	fpsimd_save(&a->fp);
	if (vcpu->vm->irqchip)
		vgic_put(vcpu);	/* first: the list registers its guest emptied */
	gic_save_cpu(&a->gic);
	if (a->debug_in_use)
		debug_save(&a->debug);
}

void arm64_vcpu_switch(struct vcpu *prev, struct vcpu *next)
{
	save_vcpu(prev);
	load_vcpu(next);
	gic_switch_timer(prev->vm->irqchip ? NULL : &prev->arch.gic,	/* now next's timer */
			 next->vm->irqchip ? NULL : &next->arch.gic);	/* is loaded */
	__asm__ volatile("clrex" : : : "memory");	/* no exclusive access carries over */
}

/* SYSTEM_RESET, on vCPU 0's CPU: once the VM's other CPUs have left their
 * vCPUs (parked), its images, devices and vCPUs start over (hv/vm.c). */
static void reset_vm(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;

	for (unsigned cpu = 1; cpu < vm->vcpu_count; cpu++)
		while (!sched_cpu_parked(cpu))
			arch_cpu_wait();
	if (vm->irqchip) {
		vgic_put(vcpu);
		vgic_reset(vm);
	} else {
		gic_save_cpu(&vcpu->arch.gic);
		gic_drop_hw(&vcpu->arch.gic);	/* its timer's, a pass-through guest's devices' */
	}
	vm_reload(vm);
	load_vcpu(vcpu);
}

void arch_vm_reset(struct vm *vm)
{
	struct vcpu *v0 = &vm->vcpus[0];

	__atomic_fetch_or(&v0->arch.pending, PENDING_VM_RESET, __ATOMIC_RELEASE);
	v0->halted = false;
	__atomic_store_n(&v0->runnable, true, __ATOMIC_RELEASE);
	if (arch_cpu_id() != 0)
		arch_vcpu_kick(v0);	/* its CPU may idle in WFI */
}

/* Work another CPU (or an interrupt) left for `vcpu` before it runs again:
 * a restart by PSCI CPU_ON, done here on the vCPU's own CPU, so that the
 * CPU that turned it off is done with it (and its whole VM's, by
 * SYSTEM_RESET, on vCPU 0's); news for the list registers from
 * its vGIC; a pass-through guest's SGIs waiting for a list register (the
 * maintenance interrupt says when one is free). Called only when
 * arch.pending is non-zero: off the exit path's hot path. */
void arm64_vcpu_pending(struct vcpu *vcpu)
{
	struct arch_vcpu *a = &vcpu->arch;
	u32 work = __atomic_load_n(&a->pending, __ATOMIC_ACQUIRE);

	if (work & PENDING_VM_RESET) {
		reset_vm(vcpu);
		return;
	}
	if (work & PENDING_RESET) {
		u64 entry = a->reset_entry, context = a->reset_context;

		if (vcpu->vm->irqchip)
			vgic_put(vcpu);	/* its timers' physical interrupts are done with */
		arch_vcpu_init(vcpu, entry);
		arch_vcpu_set_boot_arg(vcpu, context);
		load_vcpu(vcpu);
		return;		/* a reset drops the interrupts of the vCPU's last life */
	}
	if (work & PENDING_VGIC) {
		__atomic_fetch_and(&a->pending, ~PENDING_VGIC, __ATOMIC_ACQUIRE);
		vgic_flush(vcpu);
	}
	if (!(work & PENDING_SGIS))
		return;
	for (u32 sgi = 0; sgi < GIC_SGI_COUNT; sgi++)
		if ((work & BIT(sgi)) && gic_inject_virtual(sgi))
			__atomic_fetch_and(&a->pending, ~(u32)BIT(sgi), __ATOMIC_RELAXED);
	if (__atomic_load_n(&a->pending, __ATOMIC_RELAXED) & PENDING_SGIS)
		gic_request_maintenance(arch_cpu_id());
}

/* A vCPU in WFI runs again once it has an interrupt to take; one whose VM
 * has no interrupt controller at once (its WFI is a yield). */
bool arch_vcpu_has_work(struct vcpu *vcpu)
{
	if (!vcpu->vm->irqchip)
		return true;
	if (!vgic_has_work(vcpu, loaded[arch_cpu_id()] == vcpu))
		return false;
	__atomic_fetch_or(&vcpu->arch.pending, PENDING_VGIC, __ATOMIC_RELAXED);	/* fill its LRs first */
	return true;
}

struct vcpu *arm64_loaded_vcpu(void)
{
	return loaded[arch_cpu_id()];
}

_Noreturn void guest_enter(struct vcpu *vcpu, u64 stack_top);	/* vectors.S */

_Noreturn void arch_vcpu_run(struct vcpu *vcpu)
{
	load_vcpu(vcpu);
	if (vcpu->arch.pending)
		arm64_vcpu_pending(vcpu);
	guest_enter(vcpu, arm64_stack_top[arch_cpu_id()]);
}
