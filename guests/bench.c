/* bench: the cost of one exit, measured by the guest itself. Each line
 * "BENCH: name ticks=T iterations=N freq=F" is read by `invoke bench`, which
 * turns counter ticks into instructions (QEMU -icount shift=0: one
 * instruction per virtual nanosecond). */
#include "guest.h"

#define ITERATIONS	10000

static void report(const char *name, u64 start, u64 end)
{
	printf("BENCH: %s ticks=%lu iterations=%u freq=%lu\n", name, end - start,
	       ITERATIONS, counter_freq());
}

int main(void)
{
	u64 first_output = counter_read();
	u64 t0, t1;

	printf("BENCH: boot_to_guest ticks=%lu iterations=1 freq=%lu\n", first_output,
	       counter_freq());

	t0 = counter_read();
	for (int i = 0; i < ITERATIONS; i++)
		hypercall(HC_VM_ID, 0, 0, 0);
	t1 = counter_read();
	report("hypercall_roundtrip", t0, t1);

	t0 = counter_read();
	for (int i = 0; i < ITERATIONS; i++)
		(void)uart_status();
	t1 = counter_read();
	report("mmio_roundtrip", t0, t1);

	t0 = counter_read();
	for (int i = 0; i < ITERATIONS; i++)
		__asm__ volatile("" ::: "memory");
	t1 = counter_read();
	report("empty_loop", t0, t1);
	return summary();
}
