/* The scheduler's tick: the EL2 physical timer (CNTHP_*_EL2), which raises
 * PPI 26 after TVAL counter ticks. The counter runs at CNTFRQ_EL0 Hz. */
#include "arch.h"
#include "sysreg.h"


void arch_timer_arm(u64 microseconds)
{
	u64 ticks = microseconds * read_sysreg(cntfrq_el0) / USEC_PER_SEC;

	write_sysreg(cnthp_tval_el2, ticks);
	write_sysreg(cnthp_ctl_el2, CNT_CTL_ENABLE);
}

void arch_timer_disarm(void)
{
	write_sysreg(cnthp_ctl_el2, 0);
}

/* The counter all CPUs and guests share (guests read it as CNTVCT_EL0:
 * CNTVOFF_EL2 is 0), and the EL2 timer at an absolute count (CNTHP_CVAL). */
u64 arch_clock_now(void)
{
	isb();
	return read_sysreg(cntpct_el0);
}

u64 arch_clock_hz(void)
{
	return read_sysreg(cntfrq_el0);
}

void arch_timer_arm_at(u64 when)
{
	write_sysreg(cnthp_cval_el2, when);
	write_sysreg(cnthp_ctl_el2, CNT_CTL_ENABLE);
}
