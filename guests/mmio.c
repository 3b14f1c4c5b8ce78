/* mmio: a driver for the demo device (hv/dev_demo.c). Its registers are
 * guest-physical addresses with no RAM behind them: every access traps,
 * and the hypervisor decodes and emulates it. */
#include "guest.h"
#include "config.h"

#define DEMO_ID		(GUEST_DEMO_BASE + 0x00)
#define DEMO_SCRATCH	(GUEST_DEMO_BASE + 0x08)
#define DEMO_COUNTER	(GUEST_DEMO_BASE + 0x10)
#define DEMO_DEVICE_ID	0x0de30de3
#define PATTERN64	0x1122334455667788ULL
#define PATTERN32	0xcafef00dU

int main(void)
{
	check(mmio_read32(DEMO_ID) == DEMO_DEVICE_ID, "ID register reads 0x%08x", DEMO_DEVICE_ID);
	mmio_write64(DEMO_SCRATCH, PATTERN64);
	check(mmio_read64(DEMO_SCRATCH) == PATTERN64,
	      "64-bit scratch register keeps what was written");
	mmio_write32(DEMO_SCRATCH, PATTERN32);
	check(mmio_read64(DEMO_SCRATCH) == PATTERN32,
	      "32-bit write zero-extends into the scratch register");
	check(mmio_read8(DEMO_SCRATCH) == (PATTERN32 & 0xff), "8-bit access reads the low byte");
	u64 first = mmio_read64(DEMO_COUNTER), second = mmio_read64(DEMO_COUNTER);
	check(second == first + 1, "counter register counts its reads (%lu, then %lu)", first, second);
	return summary();
}
