/* Waiting to be preempted: a guest that wants another VM to have run in
 * between watches its counter for a jump (the time it was off the CPU). */
#include "guest.h"

bool wait_for_preemption(u64 gap_us, u64 limit_ms)
{
	u64 freq = counter_freq(), gap = gap_us * freq / 1000000;
	u64 start = counter_read(), last = start, now;

	while ((now = counter_read()) - start < limit_ms * freq / 1000) {
		if (now - last > gap)
			return true;
		last = now;
	}
	return false;
}

/* Spin for `ms` of counter time: a VM that is done keeps taking its time
 * slices, so that the other one can still be preempted by it. */
void spin_ms(u64 ms)
{
	u64 freq = counter_freq(), start = counter_read();

	while (counter_read() - start < ms * freq / 1000)
		;
}
