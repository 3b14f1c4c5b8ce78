/* The virtual board each arm64 VM sees: RAM (hv/vm.c), a PL011 UART at the
 * same address as on QEMU's virt machine, and the demo device; both are
 * emulated by trapping the guest's loads and stores. */
#include "arch.h"
#include "config.h"
#include "vm.h"

#define PL011_REGION_SIZE	0x1000

void platform_add_devices(struct vm *vm)
{
	vm_add_device(vm, "pl011", BUS_MMIO, GUEST_UART_BASE, PL011_REGION_SIZE, &pl011_ops);
	vm_add_device(vm, "demo", BUS_MMIO, GUEST_DEMO_BASE, DEMO_DEVICE_SIZE, &demo_ops);
}
