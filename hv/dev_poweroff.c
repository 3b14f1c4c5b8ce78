/* A power controller: writing its "sleep enable" bit powers the VM off. It
 * sits where QEMU's PC puts the ACPI PM1a control register (port 0x604),
 * so a guest powers off the same way on the bare emulator and under us. */
#include "device.h"
#include "vm.h"

#define PM1_CNT_SLP_EN	BIT(13)	/* ACPI PM1 control: enter the sleep state */

static u64 poweroff_read(struct vm *vm, struct device *dev, u64 offset, u8 size)
{
	(void)vm, (void)dev, (void)offset, (void)size;
	return 0;
}

static void poweroff_write(struct vm *vm, struct device *dev, u64 offset, u8 size, u64 value)
{
	(void)dev, (void)offset, (void)size;
	if (value & PM1_CNT_SLP_EN)
		vm->power_off_requested = true;
}

const struct device_ops poweroff_ops = { .read = poweroff_read, .write = poweroff_write };
