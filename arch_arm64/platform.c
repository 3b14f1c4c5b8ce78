/* The virtual board each arm64 VM sees: RAM (hv/vm.c) and a PL011 UART at
 * the same address as on QEMU's virt machine, emulated by trapping. */
#include "arch.h"
#include "config.h"
#include "vm.h"

#define PL011_REGION_SIZE	0x1000

void platform_add_devices(struct vm *vm)
{
	vm_add_device(vm, "pl011", BUS_MMIO, GUEST_UART_BASE, PL011_REGION_SIZE, &pl011_ops);
}
