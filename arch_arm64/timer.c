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

/* At counter value `count` (CNTPCT_EL0): when a waiting vCPU's timer is due. */
void arch_timer_arm_at(u64 count)
{
	write_sysreg(cnthp_cval_el2, count);
	write_sysreg(cnthp_ctl_el2, CNT_CTL_ENABLE);
}

void arch_timer_disarm(void)
{
	write_sysreg(cnthp_ctl_el2, 0);
}
