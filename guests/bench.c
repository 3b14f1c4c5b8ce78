/* bench: the cost of one exit, measured by the guest itself. Each line
 * "BENCH: name ticks=T iterations=N freq=F" is read by `invoke bench`, which
 * turns counter ticks into instructions (see docs/bench.md). */
#include "guest.h"
#include "config.h"

#define ITERATIONS	10000
#define DEMO_ID		(GUEST_DEMO_BASE + 0x00)

static void report(const char *name, u64 ticks, unsigned iterations)
{
	printf("BENCH: %s ticks=%lu iterations=%u freq=%lu\n", name, ticks, iterations,
	       counter_freq());
}

/* Run `op` ITERATIONS times and report the counter ticks it took. */
static void measure(const char *name, void (*op)(void))
{
	u64 start = counter_read();

	for (int i = 0; i < ITERATIONS; i++)
		op();
	report(name, counter_read() - start, ITERATIONS);
}

static void null_hypercall(void) { hypercall(HC_VM_ID, 0, 0, 0); }
static void device_read(void) { (void)mmio_read32(DEMO_ID); }
static void nothing(void) { __asm__ volatile("" ::: "memory"); }

int main(void)
{
	report("boot_to_guest", counter_read(), 1);
	measure("hypercall_roundtrip", null_hypercall);
	measure("mmio_roundtrip", device_read);
	for (const struct bench_op *b = arch_bench_ops; b->name; b++)
		measure(b->name, b->op);
	measure("empty_loop", nothing);
	return summary();
}
