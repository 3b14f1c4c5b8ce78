/* Spinning on the counter, the way a guest notices that it was preempted:
 * between two reads of its counter, a gap far longer than one turn of the
 * loop means the CPU was taken away meanwhile (two-guests, busy-exits). */
#include "guest.h"

#define GAP_US		500	/* a gap this long between two reads: we were off the CPU */

u64 spin_counting_gaps(u64 ms, void (*each_turn)(void))
{
	u64 freq = counter_freq(), gap_ticks = GAP_US * freq / 1000000, gaps = 0;
	u64 start = counter_read(), last = start, now;

	while ((now = counter_read()) - start < ms * freq / 1000) {
		if (now - last > gap_ticks)
			gaps++;
		last = now;
		if (each_turn)
			each_turn();
	}
	return gaps;
}
