/* psci: a 2-vCPU VM drives PSCI (Arm DEN 0022) as an OS does. vCPU 1 is
 * started, changes its EL1 registers, switches itself off, and is started
 * again: the second start must find the architected reset state, not what
 * the first left behind. Target affinities with reserved bits set are
 * invalid. At the end vCPU 0 switches itself off too: the VM has no vCPU
 * left and must end. */
#include "guest.h"

#define SCTLR_DZE	BIT(14)
#define SCTLR_UCI	BIT(26)
#define CPACR_FPEN_ALL	(3ULL << 20)
#define STACK_WORDS	512
#define WAIT_MS		50

struct el1_view {		/* what a freshly started vCPU 1 sees */
	u64 sctlr, vbar, tpidr, cpacr, contextidr, cntv_ctl, mdscr_oslk, sp_el0;
	volatile u64 done;
};
static struct el1_view lives[2];
static u64 stack1[STACK_WORDS] __attribute__((aligned(16)));
static u64 parked_twice;

static void look_and_leave(u64 life)
{
	struct el1_view *v = &lives[life];

	v->sctlr = sysreg_read(sctlr_el1);
	v->vbar = sysreg_read(vbar_el1);
	v->tpidr = sysreg_read(tpidr_el1);
	v->cpacr = sysreg_read(cpacr_el1);
	v->contextidr = sysreg_read(contextidr_el1);
	v->cntv_ctl = sysreg_read(cntv_ctl_el0);
	v->sp_el0 = sysreg_read(sp_el0);
	if (life == 0) {	/* leave marks the next start must not see */
		sysreg_write(sctlr_el1, v->sctlr | SCTLR_DZE | SCTLR_UCI);
		sysreg_write(vbar_el1, 0x40100000);
		sysreg_write(tpidr_el1, 0xdead0001);
		sysreg_write(cpacr_el1, CPACR_FPEN_ALL);
		sysreg_write(contextidr_el1, 0x77);
		sysreg_write(cntv_ctl_el0, 0x3);
		sysreg_write(sp_el0, 0x40150000);
	}
	__atomic_store_n(&v->done, 1, __ATOMIC_RELEASE);
	smc_call(PSCI_CPU_OFF, 0, 0, 0);
}

static void stray(u64 arg)	/* started by a call that should have been refused */
{
	(void)arg;
	parked_twice++;
	smc_call(PSCI_CPU_OFF, 0, 0, 0);
}

static bool wait_until_off(void)
{
	u64 freq = counter_freq(), start = counter_read();

	while (counter_read() - start < WAIT_MS * freq / 1000)
		if (smc_call(PSCI_AFFINITY_INFO, 1, 0, 0) == PSCI_AFFINITY_OFF)
			return true;
		else
			cpu_relax();
	return false;
}

static s64 start_vcpu1(u64 target, void (*fn)(u64), u64 arg)
{
	static struct secondary ctx;

	ctx = (struct secondary){ (u64)(stack1 + STACK_WORDS), fn, arg };
	return smc_call(PSCI_CPU_ON, target, (u64)secondary_entry, (u64)&ctx);
}

int main(void)
{
	check(start_vcpu1(1, look_and_leave, 0) == PSCI_SUCCESS, "CPU_ON starts vCPU 1");
	while (!__atomic_load_n(&lives[0].done, __ATOMIC_ACQUIRE))
		cpu_relax();
	check(wait_until_off(), "vCPU 1 switched itself off: AFFINITY_INFO says OFF");
	check(start_vcpu1(1, look_and_leave, 1) == PSCI_SUCCESS, "CPU_ON starts vCPU 1 again");
	while (!__atomic_load_n(&lives[1].done, __ATOMIC_ACQUIRE))
		cpu_relax();
	const struct el1_view *a = &lives[0], *b = &lives[1];
	printf("second start: SCTLR_EL1=0x%lx VBAR_EL1=0x%lx TPIDR_EL1=0x%lx CPACR_EL1=0x%lx "
	       "CONTEXTIDR_EL1=0x%lx CNTV_CTL_EL0=0x%lx SP_EL0=0x%lx\n", b->sctlr, b->vbar,
	       b->tpidr, b->cpacr, b->contextidr, b->cntv_ctl, b->sp_el0);
	check(b->sctlr == a->sctlr && b->vbar == a->vbar && b->tpidr == a->tpidr &&
	      b->cpacr == a->cpacr && b->contextidr == a->contextidr && b->cntv_ctl == a->cntv_ctl &&
	      b->sp_el0 == a->sp_el0,
	      "CPU_ON after CPU_OFF starts vCPU 1 in the reset state, not where it left off");
	check(wait_until_off(), "vCPU 1 is off again");
	check(start_vcpu1(1 | BIT(24), stray, 0) == PSCI_INVALID_PARAMETERS,
	      "CPU_ON with a reserved target bit (24) set -> INVALID_PARAMETERS");
	check(start_vcpu1(BIT(40), stray, 0) == PSCI_INVALID_PARAMETERS,
	      "CPU_ON with a reserved target bit (40) set -> INVALID_PARAMETERS");
	check(start_vcpu1(7, stray, 0) == PSCI_INVALID_PARAMETERS,
	      "CPU_ON of a vCPU the VM does not have -> INVALID_PARAMETERS");
	check(start_vcpu1(0, stray, 0) == PSCI_ALREADY_ON, "CPU_ON of the calling vCPU -> ALREADY_ON");
	check(smc_call(PSCI_AFFINITY_INFO, 1 | BIT(31), 0, 0) == PSCI_INVALID_PARAMETERS,
	      "AFFINITY_INFO with a reserved target bit (31) set -> INVALID_PARAMETERS");
	check(parked_twice == 0, "no refused CPU_ON started anything");
	summary();
	printf("vCPU 0 switches itself off: no vCPU left on\n");
	smc_call(PSCI_CPU_OFF, 0, 0, 0);
	printf("CPU_OFF returned\n");
	return 1;
}
