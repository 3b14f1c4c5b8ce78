/* A virtual device: a range of guest-physical (MMIO) or port (PIO) addresses
 * and the two callbacks that emulate loads and stores to it. */
#pragma once
#include "types.h"

struct vm;
struct device;

enum bus_space { BUS_MMIO, BUS_PIO };

struct device_ops {
	u64 (*read)(struct vm *vm, struct device *dev, u64 offset, u8 size);
	void (*write)(struct vm *vm, struct device *dev, u64 offset, u8 size, u64 value);
	void (*input)(struct vm *vm, struct device *dev);	/* a UART: bytes were typed */
};

/* A device's interrupt line, wired by the board (platform.c): the device
 * says its level, the interrupt controller makes of it what it will. */
struct irq_line {
	void (*set)(struct vm *vm, u32 intid, bool level);
	u32 intid;
};

#define DEVICE_STATE_WORDS	8

struct device {
	const char *name;
	enum bus_space space;
	u64 base, size;
	const struct device_ops *ops;
	struct irq_line irq;		/* .set == NULL: not wired */
	u64 state[DEVICE_STATE_WORDS];	/* the model's registers, per VM */
};

/* The device models this core provides. */
extern const struct device_ops pl011_ops;	/* Arm PL011 UART (MMIO) */
extern const struct device_ops uart16550_ops;	/* PC 16550 UART (PIO) */
extern const struct device_ops poweroff_ops;	/* ACPI-style power-off register */
extern const struct device_ops demo_ops;	/* the mmio lesson's device */

#define DEMO_DEVICE_ID		0x0de30de3	/* what the demo device's ID reads */
#define DEMO_DEVICE_SIZE	0x1000
