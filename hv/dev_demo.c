/* A demo MMIO device with three registers, for the `mmio` lesson:
 *   0x00 ID       read-only, DEMO_DEVICE_ID
 *   0x08 SCRATCH  read/write: reads back what was last written
 *   0x10 COUNTER  read-only: how many times it has been read */
#include "device.h"
#include "vm.h"

#define DEMO_ID		0x00
#define DEMO_SCRATCH	0x08
#define DEMO_COUNTER	0x10
#define STATE_SCRATCH	0	/* dev->state[] slots */
#define STATE_READS	1

static u64 demo_read(struct vm *vm, struct device *dev, u64 offset, u8 size)
{
	(void)vm, (void)size;
	switch (offset) {
	case DEMO_ID:
		return DEMO_DEVICE_ID;
	case DEMO_SCRATCH:
		return dev->state[STATE_SCRATCH];
	case DEMO_COUNTER:
		return ++dev->state[STATE_READS];
	default:
		return 0;
	}
}

static void demo_write(struct vm *vm, struct device *dev, u64 offset, u8 size, u64 value)
{
	(void)vm;
	if (offset == DEMO_SCRATCH)
		dev->state[STATE_SCRATCH] = size == 8 ? value : value & (BIT(8 * size) - 1);
}

const struct device_ops demo_ops = { .read = demo_read, .write = demo_write };
