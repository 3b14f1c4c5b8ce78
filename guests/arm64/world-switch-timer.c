/* world-switch-timer: the generic timers a guest programs without an exit,
 * the EL1 physical timer (CNTP_*) as well as the virtual one (CNTV_*), and
 * CNTKCTL_EL1, belong to one VM each. Compare values lie far in the future:
 * neither timer fires. */
#include "guest.h"

#define CTL_ENABLE	BIT(0)
#define CTL_IMASK	BIT(1)
#define CTL_BITS	(CTL_ENABLE | CTL_IMASK)	/* ISTATUS is the timer's to set */

WS_ACCESSORS(cntp_ctl_el0)
WS_ACCESSORS(cntp_cval_el0)
WS_ACCESSORS(cntv_ctl_el0)
WS_ACCESSORS(cntv_cval_el0)
WS_ACCESSORS(cntkctl_el1)

static const struct ws_register timers[] = {
	WS_REGISTER(cntp_cval_el0, 0x7000000000000000, 0x6000000000000001, ~0ULL),
	WS_REGISTER(cntp_ctl_el0, CTL_ENABLE | CTL_IMASK, CTL_IMASK, CTL_BITS),
	WS_REGISTER(cntv_cval_el0, 0x7100000000000000, 0x6100000000000001, ~0ULL),
	WS_REGISTER(cntv_ctl_el0, CTL_ENABLE | CTL_IMASK, CTL_IMASK, CTL_BITS),
	WS_REGISTER(cntkctl_el1, 0x3, 0x2f4, MASK(9, 0)),
};

int main(void)
{
	return world_switch_check("timer", timers, ARRAY_SIZE(timers));
}
