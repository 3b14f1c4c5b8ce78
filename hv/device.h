/* A virtual device: a range of guest-physical (MMIO) or port (PIO) addresses
 * and the two callbacks that emulate loads and stores to it. */
#pragma once
#include "types.h"

struct vm;

enum bus_space { BUS_MMIO, BUS_PIO };

struct device_ops {
	u64 (*read)(struct vm *vm, u64 offset, u8 size);
	void (*write)(struct vm *vm, u64 offset, u8 size, u64 value);
};

struct device {
	const char *name;
	enum bus_space space;
	u64 base, size;
	const struct device_ops *ops;
};

/* The device models this core provides. */
extern const struct device_ops pl011_ops;
