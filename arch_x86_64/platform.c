/* The virtual PC each x86 VM sees: RAM (hv/vm.c), a 16550 UART at COM1's
 * ports, an ACPI-style power-off register, and the demo MMIO device. Only
 * RAM is mapped through EPT/NPT; everything else traps. */
#include "arch.h"
#include "config.h"
#include "console.h"
#include "vm.h"

#define COM1_PORT		0x3f8
#define UART16550_PORTS		8
#define PM1A_CNT_PORT		0x604	/* where QEMU's PC has ACPI PM1a control */
#define PM1A_CNT_PORTS		2

void platform_add_devices(struct vm *vm)
{
	vm_add_device(vm, "com1", BUS_PIO, COM1_PORT, UART16550_PORTS, &uart16550_ops);
	vm_add_device(vm, "poweroff", BUS_PIO, PM1A_CNT_PORT, PM1A_CNT_PORTS, &poweroff_ops);
	vm_add_device(vm, "demo", BUS_MMIO, GUEST_DEMO_BASE, DEMO_DEVICE_SIZE, &demo_ops);
}

/* Real devices for a single guest exist on arm64 only (the Linux guest). */
void platform_pass_through(struct vm *vm)
{
	panic("vm %s: no pass-through devices on x86", vm->name);
}
