/* Which vCPU runs next on this physical CPU: round robin over runnable ones. */
#pragma once

struct vcpu;
struct vcpu *sched_next(struct vcpu *current);
struct vcpu *sched_first(void);
