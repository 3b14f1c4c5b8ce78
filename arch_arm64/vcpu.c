/* The world switch: everything a guest can see of the CPU at EL1 belongs to
 * one vCPU at a time. General registers travel through vectors.S on every
 * exit; the EL1 system registers and stage-2 tables only move here, when the
 * scheduler hands the CPU to another vCPU. */
#include "arch.h"
#include "gic.h"
#include "sysreg.h"
#include "vm.h"

extern u64 arm64_stack_top[];				/* smp.c */
void fpsimd_save(struct fpsimd_state *s);		/* fpsimd.S */
void fpsimd_load(const struct fpsimd_state *s);

void arch_vcpu_init(struct vcpu *vcpu, u64 entry)
{
	struct arch_vcpu *a = &vcpu->arch;

	memset(a, 0, sizeof(*a));
	a->regs.elr_el2 = entry;
	a->regs.spsr_el2 = SPSR_M_EL1h | SPSR_DAIF;	/* EL1, interrupts masked */
	a->el1.sctlr_el1 = SCTLR_EL1_RES1;		/* MMU and caches off */
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

static void load_vcpu(struct vcpu *vcpu)
{
	load_el1(&vcpu->arch.el1);
	write_sysreg(vmpidr_el2, vcpu->arch.vmpidr_el2);
	write_sysreg(vttbr_el2, vcpu->vm->arch.vttbr_el2);
	write_sysreg(hcr_el2, vcpu->vm->passthrough ? HCR_GUEST_ALONE : HCR_GUEST);
	write_sysreg(mdcr_el2, (read_sysreg(mdcr_el2) & MDCR_HPMN_MASK) |
		     (vcpu->vm->passthrough ? MDCR_GUEST_ALONE : MDCR_GUEST));
	isb();
}

void arm64_vcpu_switch(struct vcpu *prev, struct vcpu *next)
{
	save_el1(&prev->arch.el1);
	fpsimd_save(&prev->arch.fp);
	fpsimd_load(&next->arch.fp);
	load_vcpu(next);
	gic_switch_virtual(&prev->arch, &next->arch);	/* after next's timer is loaded */
}

_Noreturn void guest_enter(struct vcpu *vcpu, u64 stack_top);	/* vectors.S */

_Noreturn void arch_vcpu_run(struct vcpu *vcpu)
{
	load_vcpu(vcpu);
	fpsimd_load(&vcpu->arch.fp);
	guest_enter(vcpu, arm64_stack_top[arch_cpu_id()]);
}
