/* The time base for the EDF policy (hv/sched_edf.c) on x86: the TSC at
 * PLATFORM_TSC_HZ, and the scheduler's timer set for an absolute TSC
 * value through the back end's relative time slice. */
#include "arch.h"
#include "config.h"

u64 arch_clock_now(void)
{
	u32 lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (u64)hi << 32 | lo;
}

u64 arch_clock_hz(void)
{
	return PLATFORM_TSC_HZ;
}

void arch_timer_arm_at(u64 when)
{
	u64 now = arch_clock_now();
	u64 us = when > now ? (when - now) * USEC_PER_SEC / PLATFORM_TSC_HZ : 0;

	arch_timer_arm(us ? us : 1);
}
