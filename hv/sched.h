/* Which vCPU runs next on this physical CPU: round robin over runnable ones. */
#pragma once
#include "types.h"

struct vcpu;
struct vcpu *sched_next(struct vcpu *current);
struct vcpu *sched_first(void);
/* CPU n > 0 has left its vCPU, which is off, and waits (PSCI CPU_ON). */
bool sched_cpu_parked(unsigned cpu);
