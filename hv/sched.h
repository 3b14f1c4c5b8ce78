/* Which vCPU runs next on this physical CPU: round robin over runnable
 * ones (sched.c), or, when the scenario asks for it, EDF over reservations
 * (sched_edf.c). The generated vmconfig.c says which. */
#pragma once
#include "types.h"

struct vcpu;
struct vcpu *sched_next(struct vcpu *current);
struct vcpu *sched_first(void);
/* CPU n > 0 has left its vCPU, which is off, and waits (PSCI CPU_ON). */
bool sched_cpu_parked(unsigned cpu);

enum sched_policy { SCHED_ROUND_ROBIN, SCHED_EDF };
extern const enum sched_policy sched_policy;	/* vmconfig.c */

struct vcpu *edf_next(struct vcpu *current);	/* sched_edf.c */
_Noreturn void sched_all_stopped(void);		/* sched.c: the run ends */
_Noreturn void sched_park(unsigned cpu);	/* sched.c: a secondary CPU is done */
