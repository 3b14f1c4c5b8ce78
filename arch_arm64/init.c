/* arm64 start-up in C: EL2 page tables, the trap configuration that makes
 * EL1 a guest (HCR_EL2 and friends), the interrupt controller and the
 * scheduler's timer; then the portable core takes over in hv/main.c.
 * Secondary CPUs repeat the per-CPU part and wait for their vCPU. */
#include "arch.h"
#include "config.h"
#include "gic.h"
#include "sched.h"
#include "sysreg.h"

void arm64_mmu_init(void);
void arm64_mmu_enable(void);
void arm64_stage2_init(void);
_Noreturn void hv_main(u64 free_start, u64 free_end);

extern char __image_end[];

static void el2_trap_setup(void)
{
	write_sysreg(hcr_el2, HCR_GUEST);
	write_sysreg(cptr_el2, CPTR_EL2_RES1 | CPTR_TZ);	/* FP/SIMD: vcpu.c switches it */
	write_sysreg(mdcr_el2, PMCR_N(read_sysreg(pmcr_el0)) | MDCR_GUEST);
	write_sysreg(cnthctl_el2, CNTHCTL_EL1PCTEN | CNTHCTL_EL1PCEN);
	write_sysreg(cntvoff_el2, 0);
	write_sysreg(vpidr_el2, read_sysreg(midr_el1));	/* guests see the real CPU */
	arm64_stage2_init();
	__asm__ volatile("tlbi alle1");
	dsb(ish);
	isb();
}

/* Every CPU's timer interrupts: the EL2 timer (the scheduler's tick) and
 * the guests' virtual timer (handed to the running vCPU, trap.c). */
static void enable_timers(unsigned cpu)
{
	gic_enable_private(cpu, TIMER_INTID_HYP_PHYS);
	gic_enable_private(cpu, TIMER_INTID_VIRT);
}

_Noreturn void arm64_init(void)
{
	arm64_mmu_init();
	el2_trap_setup();
	gic_init();
	gic_cpu_init(0);
	enable_timers(0);
	hv_main(ALIGN_UP((u64)__image_end, PAGE_SIZE), PLATFORM_RAM_BASE + PLATFORM_RAM_SIZE);
}

/* A secondary CPU, from boot.S: the same EL2 set-up, its own redistributor,
 * then wait for its vCPU (which runs alone, with no scheduling tick, unless
 * the scenario chose EDF reservations: hv/sched_edf.c). */
_Noreturn void arm64_secondary_init(void)
{
	arm64_mmu_enable();
	el2_trap_setup();
	gic_cpu_init(arch_cpu_id());
	enable_timers(arch_cpu_id());
	arch_vcpu_run(sched_first());
}
